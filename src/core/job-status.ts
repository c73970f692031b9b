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
  | "elements" // an array's own state, from its elements' states
  | "dependency" // a job it depends on ended so that it can never start
  | "error";

export interface JobStatus {
  state: JobState;
  /**
   * When the executor recorded the transition (ms since the epoch, its own
   * clock): once the evidence for it was seen, so never before the real
   * event, and never before the job's previous transition.
   */
  time: number;
  /**
   * The scheduler's own stamp for this state, when it gives one (PBS `stime`
   * or `obittime`, Slurm `Start` or `End`): whole seconds from another host's
   * clock, so evidence of when it happened, not the transition's time. It may
   * precede `time` (and the previous transition).
   */
  schedulerTime?: number;
  message?: string;
  exitCode?: number;
  metadata?: Record<string, unknown> & { nativeId?: string; evidence?: Evidence };
}
