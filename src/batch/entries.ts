/**
 * A batch executor's book of native jobs: which Job objects follow each
 * native id (a submit, or several attaches), what the user asked, what the
 * scheduler last said, and the files to tidy when it ends.
 * @module
 */

import { join } from "node:path";
import type { Job } from "../core/job.ts";
import { jobFiles, removeJobFiles } from "./protocol.ts";

/** What every backend keeps per native job; `O` is its status observation. */
export interface BatchEntry<O> {
  id: string;
  jobs: Job[];
  /** The submission stamp (from our submit, or from the scheduler's record of the job). */
  stamp?: string;
  /** The cancel command succeeded: the job ends CANCELED (the backend says when not). */
  userCanceled: boolean;
  /** The cancel in flight, so a second cancel waits for it instead of sending another. */
  cancel?: Promise<void>;
  /** The stamp's files (the script, the scheduler's -o/-e) belong to a whole array, not to this element. */
  sharedStamp?: boolean;
  /** The scheduler's last observation of the job, and when it was made. */
  lastSeen?: O;
  lastSeenAt?: number;
}

export class BatchEntries<E extends BatchEntry<unknown>> {
  readonly #map = new Map<string, E>();

  /**
   * @param stampFiles the scheduler's own files for a submission (its stdout
   *   and stderr), named by the stamp; removed with the script.
   */
  constructor(
    readonly workDir: string,
    readonly keepFiles: boolean,
    readonly stampFiles: (stamp: string) => string[],
  ) {}

  get(id: string): E | undefined {
    return this.#map.get(id);
  }

  get size(): number {
    return this.#map.size;
  }

  add(id: string, job: Job, stamp: string | undefined): E {
    let e = this.#map.get(id);
    if (!e) {
      // A backend's own fields are all optional: they start unset.
      e = { id, jobs: [], stamp, userCanceled: false } as BatchEntry<unknown> as E;
      this.#map.set(id, e);
    }
    if (!e.jobs.includes(job)) e.jobs.push(job);
    e.stamp ??= stamp;
    return e;
  }

  /** Removes the files of a submission that never got a native id. */
  finishFiles(stamp: string): void {
    if (this.keepFiles) return;
    removeJobFiles([jobFiles(this.workDir, stamp).script, ...this.stampFiles(stamp)]);
  }

  /**
   * Whether `e`, an array element already forgotten, was the last this executor followed of
   * its array: no element left with its stamp, nor one not yet seen (whose stamp is unknown).
   * Then the array's script and the scheduler's files named by its stamp go with it.
   */
  #lastOfItsArray(e: E): boolean {
    for (const o of this.#map.values()) {
      if (o.sharedStamp && (o.stamp === e.stamp || o.stamp === undefined)) return false;
    }
    return true;
  }

  /** The native job is over for this executor: forget it and remove its files. */
  finish(id: string): void {
    const e = this.#map.get(id);
    if (!e) return;
    this.#map.delete(id);
    if (this.keepFiles) return;
    const f = jobFiles(this.workDir, e.stamp ?? "", id);
    const stampFiles = e.stamp && (!e.sharedStamp || this.#lastOfItsArray(e))
      ? [f.script, ...this.stampFiles(e.stamp)]
      : [];
    removeJobFiles([
      ...stampFiles,
      f.exitCode,
      `${f.exitCode}.tmp`,
      f.output,
      join(this.workDir, `${id}.nodes`),
    ]);
  }
}
