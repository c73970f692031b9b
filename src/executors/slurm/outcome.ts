/**
 * From what was seen (a squeue row, the job's files, the user's cancel) to
 * one status update. A final state is only produced with evidence.
 * @module
 */

import {
  exitCodeFileUpdate,
  type FileOutcome,
  filesShowRun,
  JobState,
  joinMessage,
  scriptOutput,
  type StatusUpdate,
  userCanceledUpdate,
} from "../../kit.ts";
import type { SlurmJobRow } from "./parse.ts";

/** Held by a user or an operator (squeue's reason JobHeldUser or JobHeldAdmin). */
export function isHeld(row: SlurmJobRow): boolean {
  return row.reason === "JobHeldUser" || row.reason === "JobHeldAdmin";
}

/**
 * What squeue says the job used: its partition (the queue), its nodes (as
 * Slurm's host list, `node[01-02]`) and how long it waited (StartTime -
 * SubmitTime, once it has started), and, once it has ended on a cluster that
 * keeps accounting, what sacct says it used (`resourcesUsed`).
 */
export function slurmUsage(row: SlurmJobRow | undefined): Record<string, unknown> {
  if (!row) return {};
  const out: Record<string, unknown> = {};
  if (row.partition) out.queue = row.partition;
  if (row.nodeList) out.execHosts = [row.nodeList];
  if (
    row.startTime !== undefined && row.submitTime !== undefined && row.startTime >= row.submitTime
  ) {
    out.queuedSeconds = (row.startTime - row.submitTime) / 1000;
  }
  if (row.resourcesUsed) out.resourcesUsed = row.resourcesUsed;
  return out;
}

/** A live row: QUEUED or ACTIVE with Slurm's reason; undefined for states we do not know. */
export function liveUpdate(row: SlurmJobRow): StatusUpdate | undefined {
  if (!row.state || row.final) return undefined;
  return {
    state: row.state,
    message: row.message,
    schedulerTime: row.state === JobState.ACTIVE ? row.startTime : undefined,
    evidence: "scheduler",
    detail: {
      slurmState: row.slurmState,
      reason: row.reason,
      held: isHeld(row),
      ...slurmUsage(row),
    },
  };
}

/**
 * Slurm's evidence that a finished job ran: an end only a started job can
 * reach (its batch script exited, its time limit, its nodes or memory). A
 * CANCELLED, BOOT_FAIL or DEADLINE job may never have started; only its files
 * then say it did (StartTime alone is not trusted: a pending job's is an
 * estimate, and one cancelled while pending may still carry one).
 */
export function slurmShowsRun(row: SlurmJobRow | undefined): boolean {
  return row?.slurmState !== undefined && RAN_STATES.has(row.slurmState);
}

const RAN_STATES = new Set([
  "COMPLETED",
  "FAILED",
  "TIMEOUT",
  "NODE_FAIL",
  "PREEMPTED",
  "OUT_OF_MEMORY",
]);

/**
 * A finished job, from Slurm's final row, the job's files, or both.
 *
 * - The user's cancel wins unless the script ran to its end (its marker is in
 *   `.out`): a cancel that lost the race to completion reports the completion.
 * - COMPLETED/FAILED only say how the batch script exited; the exit-code file
 *   says how the job did (the script exits with the same code, so Slurm's
 *   exit code is the fallback when the file cannot be read).
 * - TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, ... are FAILED with Slurm's reason,
 *   whatever the file says (the TERM trap records 143).
 */
export function finalUpdate(
  row: SlurmJobRow | undefined,
  files: FileOutcome | undefined,
  userCanceled: boolean,
): StatusUpdate | undefined {
  const time = row?.endTime;
  const detail = {
    slurmState: row?.slurmState,
    reason: row?.reason,
    slurmExitCode: row?.exitCode,
    fileExitCode: files?.exitCode,
    ...slurmUsage(row),
  };
  const ranToEnd = files?.markerSeen === true && files.exitCode !== undefined;
  const ran = slurmShowsRun(row) || filesShowRun(files);
  if (userCanceled && !ranToEnd) return userCanceledUpdate(files, time, detail, ran);
  const slurm = row?.slurmState;
  if (slurm === "CANCELLED" && !ranToEnd) {
    return {
      state: JobState.CANCELED,
      exitCode: files?.exitCode,
      message: row?.message,
      schedulerTime: time,
      ran,
      evidence: "scheduler",
      detail,
    };
  }
  const scriptVerdict = slurm === undefined || slurm === "COMPLETED" || slurm === "FAILED" ||
    slurm === "CANCELLED";
  if (!scriptVerdict && row?.state) {
    // Slurm ended the job itself (time limit, node failure, memory, ...).
    return {
      state: row.state === JobState.COMPLETED ? JobState.FAILED : row.state,
      exitCode: files?.exitCode ?? row.exitCode,
      message: joinMessage([row.message, scriptOutput(files)]),
      schedulerTime: time,
      ran,
      evidence: "scheduler",
      detail,
    };
  }
  const byFile = exitCodeFileUpdate(files, time, detail);
  if (byFile) return byFile;
  if (!row || !row.final || row.exitCode === undefined) return undefined;
  if (row.exitCode === 0 && slurm === "COMPLETED") {
    return {
      state: JobState.COMPLETED,
      exitCode: 0,
      schedulerTime: time,
      evidence: "history",
      detail,
    };
  }
  return {
    state: JobState.FAILED,
    exitCode: row.exitCode,
    message: joinMessage([
      `exit code ${row.exitCode} (from Slurm; no exit-code file)`,
      row.reason && row.reason !== "NonZeroExitCode" ? `reason: ${row.reason}` : undefined,
      scriptOutput(files),
    ]),
    schedulerTime: time,
    ran,
    evidence: "history",
    detail,
  };
}
