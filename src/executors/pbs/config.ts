/**
 * PBS executor configuration and its defaults.
 * @module
 */

import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import type { Clock } from "../../core/clock.ts";
import type { CommandRunner } from "../../core/command-runner.ts";

export interface PbsExecutorConfig {
  /** Where scripts, `.ec` and `.out` files live. Default `~/.psij-agent/work/pbs`; created if missing. */
  workDir?: string;
  /** Keep each job's files after its final state. Default false. */
  keepFiles?: boolean;
  /** Poll floor / ceiling (ms). Defaults 1000 / 30000. */
  pollFloorMs?: number;
  pollCeilingMs?: number;
  /** How long a job missing from qstat is looked for before it ends FAILED (ms). Default 60000. */
  graceMs?: number;
  /** Most ids per status command. Default 1000. */
  maxIdsPerCommand?: number;
  /** Timeout per PBS command (ms). Default 60000. */
  commandTimeoutMs?: number;
  /** How commands run. Default: real processes (ProcessRunner). */
  runner?: CommandRunner;
  clock?: Clock;
  /**
   * A job PBS says can never run (`Can Never Run: ...`): `fail` deletes it and
   * ends it FAILED with PBS's reason; `wait` leaves it queued. Default `fail`.
   */
  neverRunnable?: "fail" | "wait";
  /**
   * The server's `job_history_duration` (ms): how long PBS remembers a job
   * after it ends. A stamp look-up that finds nothing proves that a submission
   * never arrived only while any job it made would still be remembered (see
   * `unprovenAbsence`). Default two weeks, PBS's own default; 0 when the
   * server keeps no history (`job_history_enable=False`).
   */
  historyRetentionMs?: number;
  /** For `${VAR}` expansion and `~/`: defaults are this process's environment and home. */
  env?: Record<string, string | undefined>;
  home?: string;
  /** The user `list()` asks about. Default: os.userInfo() (no terminal needed). */
  user?: string;
}

export function defaultWorkDir(home = homedir()): string {
  return join(home, ".psij-agent", "work", "pbs");
}

/** The current user, found without a terminal (os.getlogin() needs one). */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? "";
  }
}
