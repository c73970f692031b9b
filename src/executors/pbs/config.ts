/**
 * PBS executor configuration: the shared batch options and PBS's own.
 * @module
 */

import { userInfo } from "node:os";
import type { BatchExecutorConfig } from "../../batch/config.ts";

export interface PbsExecutorConfig extends BatchExecutorConfig {
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
  /** The user `list()` asks about. Default: os.userInfo() (no terminal needed). */
  user?: string;
}

/** The current user, found without a terminal (os.getlogin() needs one). */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? "";
  }
}
