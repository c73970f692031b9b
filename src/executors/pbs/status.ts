/**
 * Asking PBS about jobs: the one batched status command per cycle and the
 * targeted look-up of a single id, turned into per-id records plus what the
 * poller needs to know (missing ids, a failed command).
 * @module
 */

import {
  type CommandResult,
  type CommandRunner,
  type LookupResult as BatchLookup,
  type StatusReport,
} from "../../kit.ts";
import { parseQstatErrors, parseQstatFull } from "./parse/index.ts";
import { parseStatusJson } from "./fast-json.ts";
import type { PbsJobRecord } from "./parse/types.ts";

export function qstatJsonArgv(ids: readonly string[], history = true, subjobs = false): string[] {
  const t = subjobs ? ["-t"] : [];
  return history
    ? ["qstat", "-f", "-F", "json", "-x", ...t, ...ids]
    : ["qstat", "-f", "-F", "json", ...t, ...ids];
}

const SUBJOB_RE = /^(\d+)\[(\d+)\](\..*)?$/;

/** A subjob's id from its array's (`12[].srv`, 7 → `12[7].srv`). */
export function subjobId(arrayId: string, index: number): string {
  return arrayId.replace("[]", `[${index}]`);
}

/**
 * The operands of one status command for these ids: each subjob
 * (`12[7].srv`) is asked for through its array (`12[].srv`) with `-t`,
 * which prints the array and all its subjobs, so a thousand elements cost
 * one operand; other ids are asked for as they are.
 */
export function statusOperands(ids: readonly string[]): { ids: string[]; subjobs: boolean } {
  const out = new Set<string>();
  let subjobs = false;
  for (const id of ids) {
    const m = SUBJOB_RE.exec(id);
    if (m) {
      out.add(`${m[1]}[]${m[3] ?? ""}`);
      subjobs = true;
    } else out.add(id);
  }
  return { ids: [...out], subjobs };
}

export function qstatTextArgv(id: string, history = true): string[] {
  return history ? ["qstat", "-f", "-x", id] : ["qstat", "-f", id];
}

/** Whether PBS keeps job history; found out from the first `-x` it refuses. */
export interface HistoryMode {
  history: boolean;
}

const HISTORY_OFF = /not configured to maintain job history/;
/** PBSE_HISTJOBID without -x: the server keeps history again, and has this job's. */
const HISTORY_ON = /Job has finished, use -x or -H/;

/**
 * Runs a status command with `-x`; a server with job history disabled
 * (`job_history_enable` is off by default in OpenPBS) refuses `-x` for every
 * id, so the mode switches to plain `qstat` and the command runs again.
 * Finished jobs then simply vanish, and their exit-code files decide. Once
 * plain `qstat` answers "Job has finished, use -x", history is back on: the
 * mode switches back and the record is read with `-x`.
 */
export async function runStatus(
  runner: CommandRunner,
  argv: (history: boolean) => string[],
  mode: HistoryMode,
  timeoutMs: number,
): Promise<CommandResult> {
  const r = await runner.run(argv(mode.history), { timeoutMs });
  if (!(mode.history ? HISTORY_OFF : HISTORY_ON).test(r.stderr)) return r;
  mode.history = !mode.history;
  return await runner.run(argv(mode.history), { timeoutMs });
}

/** The sequence number of an id (`123.srv` → `123`, `7[2].srv` → `7[2]`). */
export function sequenceOf(id: string): string {
  const dot = id.indexOf(".");
  return dot < 0 ? id : id.slice(0, dot);
}

/**
 * Matches the ids asked for to the records printed. PBS prints the full id;
 * the one we hold may carry a shorter or longer server suffix, so an exact
 * match is tried first, then the sequence number when it is unambiguous.
 */
export function matchRecords(
  asked: readonly string[],
  jobs: Map<string, PbsJobRecord>,
): Map<string, PbsJobRecord> {
  const out = new Map<string, PbsJobRecord>();
  let bySeq: Map<string, PbsJobRecord | null> | undefined;
  for (const id of asked) {
    const exact = jobs.get(id);
    if (exact) {
      out.set(id, exact);
      continue;
    }
    if (!bySeq) {
      bySeq = new Map();
      for (const [k, rec] of jobs) {
        const s = sequenceOf(k);
        bySeq.set(s, bySeq.has(s) ? null : rec); // null: two servers, ambiguous
      }
    }
    const rec = bySeq.get(sequenceOf(id));
    if (rec) out.set(id, rec);
  }
  return out;
}

function describe(r: CommandResult, argv0: string): string {
  if (r.timedOut) return `${argv0} timed out`;
  const err = r.stderr.trim().split("\n").slice(0, 3).join(" / ");
  return `${argv0} exited ${r.exitCode}${err ? `: ${err}` : ""}`;
}

/** Per-id exit codes that still leave the output valid for the other ids. */
const PER_ID_CODES = new Set([0, 153, 35]);

/**
 * Interprets one `qstat -f -F json -x <ids>` run. Records are used whenever
 * they parse, even from a failed run; ids are reported missing only when the
 * run as a whole was sound (its errors, if any, name ids).
 */
export function interpretStatus(
  ids: readonly string[],
  r: CommandResult,
): StatusReport<PbsJobRecord> {
  const parsed = parseStatusJson(r.stdout);
  const seen = matchRecords(ids, parsed.jobs);
  const errors = parseQstatErrors(r.stderr);
  let error: string | undefined;
  if (r.timedOut) error = describe(r, "qstat");
  else if (!PER_ID_CODES.has(r.exitCode) || errors.other.length > 0) error = describe(r, "qstat");
  else if (r.exitCode !== 0 && errors.unknown.length + errors.finished.length === 0) {
    error = describe(r, "qstat");
  } else if (seen.size === 0 && r.stdout.trim() === "" && r.exitCode === 0) {
    error = "qstat printed nothing for jobs it did not call unknown";
  }
  const missing = error ? [] : ids.filter((id) => !seen.has(id));
  return { seen, missing, error };
}

export type LookupResult = BatchLookup<PbsJobRecord>;

/**
 * The targeted look-up of one id: JSON first; when the JSON cannot be read
 * (an encoder quirk beyond repair) the text form `qstat -f -x`.
 */
export async function lookupJob(
  runner: CommandRunner,
  id: string,
  timeoutMs: number,
  mode: HistoryMode = { history: true },
): Promise<LookupResult> {
  const r = await runStatus(runner, (h) => qstatJsonArgv([id], h), mode, timeoutMs);
  const report = interpretStatus([id], r);
  const rec = report.seen.get(id);
  if (rec) return { kind: "found", record: rec };
  if (!report.error) {
    const errs = parseQstatErrors(r.stderr);
    if (errs.unknown.length > 0 || errs.finished.length > 0 || r.exitCode === 153) {
      return { kind: "unknown" };
    }
  }
  const t = await runStatus(runner, (h) => qstatTextArgv(id, h), mode, timeoutMs);
  const text = matchRecords([id], parseQstatFull(t.stdout).jobs).get(id);
  if (text) return { kind: "found", record: text };
  const textErrs = parseQstatErrors(t.stderr);
  if (t.exitCode === 153 || textErrs.unknown.length > 0 || textErrs.finished.length > 0) {
    return { kind: "unknown" };
  }
  return { kind: "error", error: report.error ?? describe(t, "qstat") };
}
