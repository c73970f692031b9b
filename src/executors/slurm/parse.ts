/**
 * Parsers for Slurm's command output: `squeue` status rows, `sbatch
 * --parsable` ids, `scancel` outcomes. Pure functions over text, tested on
 * output recorded from a real Slurm (test/slurm/fixtures/).
 * @module
 */

import { mapSlurmState, slurmStateName } from "./states.ts";
import { type JobState } from "../../kit.ts";

/**
 * Fields are separated by ASCII unit separators (0x1f), which no job name,
 * reason or time contains in practice; the name comes last, so even a name
 * holding one cannot shift the other fields. `exit_code` is only in `-O`.
 */
export const SQUEUE_SEPARATOR = "\x1f";
const S = SQUEUE_SEPARATOR;
// JobArrayID: an array element's own id (`123_7`; JobID would print its raw id), a plain job's id.
export const SQUEUE_FORMAT =
  `JobArrayID:${S},State:${S},Reason:${S},exit_code:${S},StartTime:${S},EndTime:${S},Name:${S},` +
  `Partition:${S},NodeList:${S},SubmitTime:`;

/** Fields after the name (what the job used): counted from the end, so a name cannot shift them. */
const TRAILING = 3;

/** One job as squeue reports it. */
export interface SlurmJobRow {
  nativeId: string;
  /** Slurm's long state name (flags such as `by 0` dropped). */
  slurmState: string;
  /** The PSI/J meaning; undefined for a state Slurm added after this table. */
  state?: JobState;
  /** Final in Slurm: the job will not run again under this id. */
  final: boolean;
  /** Slurm's reason (`Resources`, `TimeLimit`, ...); absent when `None`. */
  reason?: string;
  /** The batch script's exit code decoded from Slurm's wait status. */
  exitCode?: number;
  /** The signal that ended the batch script, if one did. */
  signal?: number;
  startTime?: number;
  endTime?: number;
  name: string;
  /** What a person should read: the reason, explained where Slurm's word is terse. */
  message?: string;
  /** The partition (queue) it is in or ran in. */
  partition?: string;
  /** Its nodes as Slurm's host list (`node[01-02]`), once it has any. */
  nodeList?: string;
  submitTime?: number;
  /** What it used, from sacct (SACCT_USAGE_FIELDS, MaxRSS), once it has ended; absent without accounting. */
  resourcesUsed?: Record<string, string>;
}

const JOB_ID_RE = /^\d+(?:_\d+|_\[[^\]]*\])?(?:\+\d+)?$/;

/** Argv asking squeue about some jobs (all states Slurm still remembers). */
export function squeueArgv(nativeIds: readonly string[]): string[] {
  // -r: one row per array element, pending ones included (not `123_[4-9%2]`).
  return [
    "squeue",
    "--noheader",
    "-t",
    "all",
    "-r",
    "-O",
    SQUEUE_FORMAT,
    "-j",
    nativeIds.join(","),
  ];
}

/** Argv listing the calling user's jobs: all Slurm remembers, or only live ones. */
export function squeueMineArgv(options: { liveOnly?: boolean } = {}): string[] {
  const states = options.liveOnly ? [] : ["-t", "all"];
  return ["squeue", "--noheader", ...states, "--me", "-O", SQUEUE_FORMAT];
}

/** Parses squeue output in SQUEUE_FORMAT; lines that are not job rows are skipped. */
export function parseSqueue(stdout: string): SlurmJobRow[] {
  const rows: SlurmJobRow[] = [];
  for (const line of stdout.split("\n")) {
    const row = parseRow(line);
    if (row) rows.push(row);
  }
  return rows;
}

function parseRow(line: string): SlurmJobRow | undefined {
  const parts = line.split(S);
  if (parts.length < 7) return undefined;
  const [id, stateText, reasonText, exitText, start, end] = parts.map((p) => p.trim());
  // A separator inside the name splits it again: the name is what lies between the
  // sixth field and the trailing ones (lines recorded before those fields have none).
  const trailing = parts.length >= 7 + TRAILING ? TRAILING : 0;
  const name = parts.slice(6, parts.length - trailing).join(S).replace(/\r$/, "");
  const [partition, nodeList, submit] = trailing
    ? parts.slice(-TRAILING).map((p) => p.trim().replace(/\r$/, ""))
    : [];
  if (!JOB_ID_RE.test(id)) return undefined;
  const slurmState = slurmStateName(stateText);
  if (!slurmState) return undefined;
  const info = mapSlurmState(slurmState);
  const reason = reasonText && reasonText !== "None" && reasonText !== "(null)"
    ? reasonText
    : undefined;
  const row: SlurmJobRow = {
    nativeId: id,
    slurmState,
    state: info?.state,
    final: info?.final ?? false,
    name,
    ...decodeWaitStatus(exitText),
    ...(reason ? { reason } : {}),
  };
  const startTime = parseSlurmTime(start), endTime = parseSlurmTime(end);
  // A pending job's StartTime is only the scheduler's estimate.
  if (startTime !== undefined && info?.state !== "QUEUED") row.startTime = startTime;
  if (endTime !== undefined && row.final) row.endTime = endTime;
  if (partition && partition !== "(null)") row.partition = partition;
  if (nodeList && nodeList !== "(null)" && nodeList !== "None assigned") row.nodeList = nodeList;
  const submitTime = submit === undefined ? undefined : parseSlurmTime(submit);
  if (submitTime !== undefined) row.submitTime = submitTime;
  const message = describe(slurmState, reason, info?.why, info === undefined);
  if (message) row.message = message;
  return row;
}

/**
 * Slurm's `exit_code` is the batch script's raw wait status: exit code in the
 * high byte, terminating signal in the low seven bits.
 */
export function decodeWaitStatus(text: string): { exitCode?: number; signal?: number } {
  if (!/^\d+$/.test(text)) return {};
  const raw = Number(text);
  const signal = raw & 0x7f;
  if (signal !== 0) return { exitCode: 128 + signal, signal };
  return { exitCode: (raw >> 8) & 0xff };
}

/** Slurm prints controller-local times without a zone; N/A, NONE, Unknown mean none. */
export function parseSlurmTime(text: string): number | undefined {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(text)) return undefined;
  const t = new Date(text).getTime(); // no zone: local time, as Slurm meant it
  return Number.isNaN(t) ? undefined : t;
}

/** Pending reasons after which the job will never start without someone changing it. */
const NEVER_RUNS = new Set([
  "DependencyNeverSatisfied",
  "BadConstraints",
  "PartitionConfig",
  "PartitionNodeLimit",
  "PartitionTimeLimit",
  "PartitionDown",
  "PartitionInactive",
  "InvalidAccount",
  "InvalidQOS",
  "AccountNotAllowed",
  "QOSJobLimit",
  "ReqNodeNotAvail",
]);

const HELD = new Set(["JobHeldUser", "JobHeldAdmin"]);

function describe(
  slurmState: string,
  reason: string | undefined,
  why: string | undefined,
  unknown: boolean,
): string | undefined {
  if (unknown) {
    return `Slurm state ${slurmState} is not known to this executor${
      reason ? ` (reason: ${reason})` : ""
    }`;
  }
  if (reason && NEVER_RUNS.has(reason)) {
    return `Slurm cannot run the job as submitted (reason: ${reason})`;
  }
  if (reason && HELD.has(reason)) return `the job is held (reason: ${reason})`;
  if (why && reason && reason !== "NonZeroExitCode") return `${why} (reason: ${reason})`;
  if (why) return why;
  return reason ? `Slurm reason: ${reason}` : undefined;
}

export type SqueueOutcome =
  | { kind: "rows"; rows: SlurmJobRow[] }
  /** Slurm knows none of the ids asked about (it answers with an error for that). */
  | { kind: "none-known" }
  /** squeue could not answer (controller down, timeout, bad config): nothing is learnt. */
  | { kind: "error"; message: string };

/**
 * The meaning of one squeue run. With several ids squeue omits the unknown
 * ones and exits 0; when every id is unknown it exits 1 with "Invalid job id
 * specified", which says something about the jobs, not about squeue.
 */
export function interpretSqueue(
  result: { exitCode: number; stdout: string; stderr: string; timedOut?: boolean },
): SqueueOutcome {
  if (result.timedOut) return { kind: "error", message: "squeue timed out" };
  if (result.exitCode === 0) return { kind: "rows", rows: parseSqueue(result.stdout) };
  if (/Invalid job id specified/i.test(result.stderr) && result.stdout.trim() === "") {
    return { kind: "none-known" };
  }
  const text = (result.stderr || result.stdout).trim() || `exit ${result.exitCode}`;
  return { kind: "error", message: `squeue failed (exit ${result.exitCode}): ${text}` };
}

/**
 * The job id in `sbatch --parsable` output: `<id>` or `<id>;<cluster>`, on
 * the last non-empty line (site plugins may print notices before it).
 */
export function parseSbatchId(stdout: string): string | undefined {
  const lines = stdout.split("\n").map((l) => l.trim()).filter(Boolean);
  const last = lines.at(-1);
  if (!last) return undefined;
  const id = last.split(";")[0];
  return /^\d+$/.test(id) ? id : undefined;
}

export type ScancelOutcome = "ok" | "already-finished" | "error";

/**
 * scancel exits 0 for finished and unknown jobs on recent Slurm; older ones
 * print "already completing or completed" or "Invalid job id" and exit 1.
 * Both mean the job is past cancelling, which is not an error for a cancel.
 */
export function interpretScancel(
  result: { exitCode: number; stdout: string; stderr: string; timedOut?: boolean },
): ScancelOutcome {
  if (result.timedOut) return "error";
  const text = `${result.stdout}\n${result.stderr}`;
  if (/already completing or completed|Invalid job id|Job has already finished/i.test(text)) {
    return "already-finished";
  }
  return result.exitCode === 0 ? "ok" : "error";
}

/** Host names from `scontrol show hostnames`, one a line. */
export function parseHostnames(stdout: string): string[] {
  return stdout.split("\n").map((l) => l.trim()).filter(Boolean);
}
