/**
 * JobStatus: one observed state of a job, with when and why.
 * @module
 */

import type { JobState } from "./job-state.ts";

/** What asserted a transition: the truth rules require evidence for a final state. */
export type Evidence =
  | "submit" // the executor accepted the job
  | "scheduler" // the scheduler's live status
  | "history" // the scheduler's history record (e.g. qstat -x)
  | "exit-code-file" // the job's own exit-code file
  | "user-cancel" // the user's cancel reached the scheduler
  | "process" // a local child process's exit
  | "no-evidence" // nothing could be found (the message says what was looked for)
  | "synthesized" // a skipped predecessor filled in to keep the history gap-free
  | "attach"
  | "error";

export interface JobStatus {
  state: JobState;
  /** Milliseconds since the epoch: the scheduler's time where it says, else local. */
  time: number;
  message?: string;
  exitCode?: number;
  metadata?: Record<string, unknown> & { nativeId?: string; evidence?: Evidence };
}
