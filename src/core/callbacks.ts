/**
 * Status callbacks: a plain function or an object with `jobStatusChanged`.
 * A throwing callback is reported and harms nothing else.
 * @module
 */

import { errorSummary } from "./errors.ts";
import type { JobStatus } from "./job-status.ts";
import type { Job } from "./job.ts";

export type JobStatusCallback =
  | ((job: Job, status: JobStatus) => void)
  | { jobStatusChanged(job: Job, status: JobStatus): void };

/** Where callback exceptions go; tests and the agent may replace it. */
export let reportCallbackError = (err: unknown, job: Job): void => {
  console.error(`psij: a status callback for job ${job.id} threw: ${errorSummary(err)}`);
};

export function setCallbackErrorReporter(fn: (err: unknown, job: Job) => void): void {
  reportCallbackError = fn;
}

export function invokeCallback(cb: JobStatusCallback, job: Job, status: JobStatus): void {
  try {
    if (typeof cb === "function") cb(job, status);
    else cb.jobStatusChanged(job, status);
  } catch (err) {
    try {
      reportCallbackError(err, job);
    } catch {
      // a broken reporter must not break the job either
    }
  }
}
