/**
 * The PBS executor's book of native jobs: which Job objects follow each
 * native id (a submit, or several attaches), what the user asked, and the
 * files to tidy when it ends.
 * @module
 */

import { join } from "node:path";
import type { Job } from "../../core/job.ts";
import { jobFiles, removeJobFiles } from "../../batch/protocol.ts";
import type { PbsJobRecord } from "./parse/types.ts";

export interface Entry {
  id: string;
  jobs: Job[];
  /** The submission stamp (from our submit, or from the job's Variable_List). */
  stamp?: string;
  /** PBS's own -o/-e files for this job. */
  pbsFiles: string[];
  /** qdel succeeded: the job ends CANCELED whatever PBS records. */
  userCanceled: boolean;
  /** qdel found no such job: with no other evidence, the cancel is the end. */
  cancelRequested: boolean;
  /** A qdel has been sent and has not answered yet. */
  qdelInFlight?: boolean;
  /** The cancel in flight, so a second cancel waits for it instead of running qdel again. */
  cancel?: Promise<void>;
  lastRecord?: PbsJobRecord;
  lastSeenAt?: number;
  /** When PBS was first seen to end a script that stopped early: the wait for `.ec` starts. */
  stoppedEarlyAt?: number;
}

export class Entries {
  readonly #map = new Map<string, Entry>();
  constructor(readonly workDir: string, readonly keepFiles: boolean) {}

  get(id: string): Entry | undefined {
    return this.#map.get(id);
  }

  get size(): number {
    return this.#map.size;
  }

  add(id: string, job: Job, stamp: string | undefined, pbsFiles: string[]): Entry {
    let e = this.#map.get(id);
    if (!e) {
      e = { id, jobs: [], stamp, pbsFiles, userCanceled: false, cancelRequested: false };
      this.#map.set(id, e);
    }
    if (!e.jobs.includes(job)) e.jobs.push(job);
    e.stamp ??= stamp;
    return e;
  }

  /** The native job is over for this executor: forget it and remove its files. */
  finish(id: string): void {
    const e = this.#map.get(id);
    if (!e) return;
    this.#map.delete(id);
    if (this.keepFiles) return;
    const f = jobFiles(this.workDir, e.stamp ?? "", id);
    const stampFiles = e.stamp
      ? [
        f.script,
        join(this.workDir, `${e.stamp}.pbs.o`),
        join(this.workDir, `${e.stamp}.pbs.e`),
      ]
      : [];
    removeJobFiles([
      ...stampFiles,
      ...e.pbsFiles,
      f.exitCode,
      `${f.exitCode}.tmp`,
      f.output,
      join(this.workDir, `${id}.nodes`),
    ]);
  }

  removeFiles(paths: string[]): void {
    removeJobFiles(paths);
  }
}
