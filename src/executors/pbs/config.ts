/**
 * PBS executor configuration: the shared batch options and PBS's own.
 * @module
 */

import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { type BatchExecutorConfig } from "../../kit.ts";

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

/**
 * The current user, found without a terminal (os.getlogin() needs one). Bun's
 * os.userInfo() takes the name from $USER and answers "unknown" without it
 * (root in a container, a cron job): `qselect -u unknown` then found none of
 * the user's jobs, so list() was empty and a stamp look-up proved nothing.
 * The uid's /etc/passwd entry decides then.
 */
export function currentUser(): string {
  let info: { username: string; uid: number } | undefined;
  try {
    info = userInfo();
  } catch {
    // no passwd entry for this uid
  }
  if (info && info.username && info.username !== "unknown") return info.username;
  const uid = info?.uid ?? process.getuid?.();
  if (uid !== undefined) {
    const name = passwdName(uid);
    if (name) return name;
  }
  return info?.username || process.env.USER || process.env.LOGNAME || "";
}

function passwdName(uid: number): string | undefined {
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const f = line.split(":");
      if (f.length >= 3 && Number(f[2]) === uid && f[0]) return f[0];
    }
  } catch {
    // no readable /etc/passwd
  }
  return undefined;
}
