/**
 * PBS job states and Exit_status, as PSI/J states and messages.
 * @module
 */

import { JobState } from "../../kit.ts";

/** Live letters: where the job is in its life while PBS still runs it. */
const LIVE: Record<string, JobState> = {
  T: JobState.QUEUED, // in transit between servers
  Q: JobState.QUEUED,
  H: JobState.QUEUED, // held
  W: JobState.QUEUED, // waiting for its execution time
  // Moved to another server: finished here, alive there; we cannot follow it.
  M: JobState.QUEUED,
  R: JobState.ACTIVE,
  E: JobState.ACTIVE, // exiting: the job's processes are ending
  B: JobState.ACTIVE, // array begun: some subjob runs
  // Suspended: synthesised from R, so the job has run; it is not queued again.
  S: JobState.ACTIVE,
  U: JobState.ACTIVE,
};

/** F (finished, from history) and X (finished subjob). */
export function isFinishedLetter(letter: string | undefined): boolean {
  return letter === "F" || letter === "X";
}

/** The PSI/J state of a live letter; undefined for F/X and for letters PBS does not define. */
export function liveState(letter: string | undefined): JobState | undefined {
  return letter === undefined ? undefined : LIVE[letter];
}

const JOB_EXEC: Record<number, string> = {
  [-1]: "job exec failed, before files, no retry",
  [-2]: "job exec failed, after files, no retry",
  [-3]: "job exec failed, do retry (requeued)",
  [-4]: "job aborted on MoM initialization",
  [-5]: "job aborted on MoM init, checkpoint, no migrate",
  [-6]: "job aborted on MoM init, checkpoint, ok migrate",
  [-7]: "job restart failed",
  [-10]: "job could not run: invalid user id or group",
  [-11]: "job was rerun",
  [-12]: "job was checkpointed and killed",
  [-13]: "job failed: password",
  [-14]: "job rerun: sister MoM failed",
  [-15]: "job requeued by the server",
  [-16]: "job rerun after a hook failure",
  [-17]: "job deleted after a hook failure",
  [-18]: "job rerun by a hook",
  [-19]: "job deleted by a hook",
  [-20]: "job rerun: mother superior failed",
  [-21]: "job failed: security",
  [-22]: "job failed: hook error",
  [-23]: "job failed: Kerberos credentials",
  [-24]: "job killed: ncpus burst exceeded",
  [-25]: "job killed: ncpus sum exceeded",
  [-26]: "job killed: vmem exceeded",
  [-27]: "job killed: mem exceeded",
  [-28]: "job killed: cput exceeded",
  [-29]: "walltime exceeded",
  [-30]: "job failed: join job",
};

const SIGNALS: Record<number, string> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  4: "SIGILL",
  6: "SIGABRT",
  7: "SIGBUS",
  8: "SIGFPE",
  9: "SIGKILL",
  11: "SIGSEGV",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
  24: "SIGXCPU",
  25: "SIGXFSZ",
};

export interface ExitMeaning {
  state: JobState;
  /** The job's exit code as a shell reports it (a signal n gives 128+n). */
  exitCode?: number;
  /** Why it failed, when Exit_status alone says so. */
  reason?: string;
}

/**
 * What PBS's Exit_status says about a finished job the user did not cancel:
 * 0 → COMPLETED; 1–255 → FAILED with that code; 256+n → FAILED, killed by
 * signal n; −29 → FAILED, walltime exceeded; other negatives → FAILED with the
 * JOB_EXEC meaning; absent → FAILED (deleted before it ran).
 */
export function exitStatusMeaning(exitStatus: number | undefined): ExitMeaning {
  if (exitStatus === undefined) {
    return { state: JobState.FAILED, reason: "the job ended without running (no Exit_status)" };
  }
  if (exitStatus === 0) return { state: JobState.COMPLETED, exitCode: 0 };
  if (exitStatus > 0 && exitStatus < 256) return { state: JobState.FAILED, exitCode: exitStatus };
  if (exitStatus >= 256) {
    const sig = exitStatus - 256;
    const name = SIGNALS[sig] ? ` (${SIGNALS[sig]})` : "";
    return {
      state: JobState.FAILED,
      exitCode: 128 + sig,
      reason: `killed by signal ${sig}${name}`,
    };
  }
  const meaning = JOB_EXEC[exitStatus] ?? "job exec failure";
  return { state: JobState.FAILED, reason: `${meaning} (Exit_status ${exitStatus})` };
}
