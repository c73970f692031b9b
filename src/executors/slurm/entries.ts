/**
 * The Slurm executor's book of native jobs: which Job objects follow each
 * native id (a submit, or several attaches), what the user asked, and the
 * files to tidy when it ends.
 * @module
 */

import { join } from "node:path";
import type { Job } from "../../core/job.ts";
import { jobFiles, removeJobFiles } from "../../batch/protocol.ts";
import type { SlurmJobRow } from "./parse.ts";
import { slurmOutputPath } from "./script.ts";

export interface Entry {
  id: string;
  jobs: Job[];
  /** The submission stamp (from our submit, or from the job's comment). */
  stamp?: string;
  /** scancel succeeded: the job ends CANCELED unless it had already run to its end. */
  userCanceled: boolean;
  /** The cancel in flight, so a second cancel waits for it instead of running scancel again. */
  cancel?: Promise<void>;
  lastRow?: SlurmJobRow;
  lastSeenAt?: number;
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

  add(id: string, job: Job, stamp: string | undefined): Entry {
    let e = this.#map.get(id);
    if (!e) {
      e = { id, jobs: [], stamp, userCanceled: false };
      this.#map.set(id, e);
    }
    if (!e.jobs.includes(job)) e.jobs.push(job);
    e.stamp ??= stamp;
    return e;
  }

  /** Removes the files of a submission that never got a native id. */
  finishFiles(stamp: string): void {
    if (this.keepFiles) return;
    removeJobFiles([jobFiles(this.workDir, stamp).script, slurmOutputPath(this.workDir, stamp)]);
  }

  /** The native job is over for this executor: forget it and remove its files. */
  finish(id: string): void {
    const e = this.#map.get(id);
    if (!e) return;
    this.#map.delete(id);
    if (this.keepFiles) return;
    const f = jobFiles(this.workDir, e.stamp ?? "", id);
    const stampFiles = e.stamp ? [f.script, slurmOutputPath(this.workDir, e.stamp)] : [];
    removeJobFiles([
      ...stampFiles,
      f.exitCode,
      `${f.exitCode}.tmp`,
      f.output,
      join(this.workDir, `${id}.nodes`),
    ]);
  }
}
