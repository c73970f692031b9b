/**
 * From what was seen (a qstat record, the job's files, the user's cancel) to
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
import { parseCtime } from "./parse/index.ts";
import type { PbsJobRecord } from "./parse/types.ts";
import { exitStatusMeaning, isFinishedLetter, liveState } from "./state.ts";
import { pbsUsage } from "./usage.ts";

/** PBS's comment when its scheduler has decided the job cannot run on this cluster. */
export function neverRunnable(rec: PbsJobRecord): boolean {
  return (rec.state === "Q" || rec.state === "H") && /^Can Never Run\b/.test(rec.comment ?? "");
}

/** PBS's own stamp for the state a record shows (whole seconds): evidence, not the transition's time. */
function recordTime(rec: PbsJobRecord, final: boolean): number | undefined {
  const t = rec.times;
  const s = final ? (t.obittime ?? t.mtime) : rec.state === "R" ? (t.stime ?? t.mtime) : t.mtime;
  return s ? parseCtime(s) : undefined;
}

/**
 * PBS's evidence that a finished job ran: its start stamp (`stime`, cleared
 * when a job is requeued) or an Exit_status of its own (0 and up: the
 * script's status or its signal). A job deleted while queued has neither.
 */
export function pbsShowsRun(rec: PbsJobRecord | undefined): boolean {
  return rec !== undefined &&
    (rec.times.stime !== undefined || (rec.exitStatus !== undefined && rec.exitStatus >= 0));
}

/** A finished job (from history, from its files, or both). */
export function finalUpdate(
  rec: PbsJobRecord | undefined,
  files: FileOutcome | undefined,
  userCanceled: boolean,
): StatusUpdate | undefined {
  const time = rec ? recordTime(rec, true) : undefined;
  const ran = pbsShowsRun(rec) || filesShowRun(files);
  const detail = {
    exitStatus: rec?.exitStatus,
    fileExitCode: files?.exitCode,
    pbsState: rec?.state,
    substate: rec?.substate,
    ...pbsUsage(rec),
  };
  if (userCanceled) return userCanceledUpdate(files, time, detail, ran);
  const m = exitStatusMeaning(rec?.exitStatus);
  // The file has the code; PBS may know why (a walltime kill traps as 143,
  // PBS records -29): its reason is kept beside the file's code.
  const pbsReason = rec && isFinishedLetter(rec.state) && rec.exitStatus !== undefined &&
      rec.exitStatus !== files?.exitCode
    ? m.reason ?? `PBS recorded Exit_status ${rec.exitStatus}`
    : undefined;
  const byFile = exitCodeFileUpdate(files, time, detail, joinMessage([pbsReason, rec?.comment]));
  if (byFile) return byFile;
  if (!rec || !isFinishedLetter(rec.state)) return undefined;
  if (m.state === JobState.COMPLETED) {
    return { state: m.state, exitCode: 0, schedulerTime: time, evidence: "history", detail };
  }
  return {
    state: m.state,
    exitCode: m.exitCode,
    message: joinMessage([
      m.reason ?? (m.exitCode !== undefined ? `exit code ${m.exitCode}` : undefined),
      scriptOutput(files),
      rec.comment,
    ]),
    schedulerTime: time,
    ran,
    evidence: "history",
    detail,
  };
}

/**
 * PBS says the job exited 0, yet the script left output without its
 * completion marker and no exit-code file. Our script always writes `.ec`
 * before it ends and exits with that code, so this is a script that stopped
 * before its end (a `preLaunch` that ran `exit 0`, a script cut short), or a
 * file the shared filesystem shows late. It is never COMPLETED on
 * Exit_status alone: the caller waits for `.ec`, then uses `endedEarly`.
 */
export function scriptStoppedEarly(
  rec: PbsJobRecord,
  files: FileOutcome,
  userCanceled: boolean,
): boolean {
  return !userCanceled && rec.exitStatus === 0 && files.exitCode === undefined &&
    files.output !== undefined && !files.markerSeen;
}

/** The verdict on a script that stopped before its end (see scriptStoppedEarly). */
export function endedEarly(
  rec: PbsJobRecord,
  files: FileOutcome,
  ecPath: string,
  waitedMs: number,
): StatusUpdate {
  return {
    state: JobState.FAILED,
    message: joinMessage([
      `the job script did not run to its end: PBS recorded Exit_status 0, but no exit-code ` +
      `file appeared at ${ecPath} within ${Math.round(waitedMs / 1000)} s and the script ` +
      `output lacks the completion marker`,
      scriptOutput(files) ?? "the script printed nothing",
      rec.comment,
    ]),
    schedulerTime: recordTime(rec, true),
    ran: true, // its output is there: the script started
    evidence: "history",
    detail: {
      exitStatus: rec.exitStatus,
      pbsState: rec.state,
      substate: rec.substate,
      scriptIncomplete: true,
    },
  };
}

/** A live record: QUEUED or ACTIVE with PBS's comment; undefined for letters we do not know. */
function holdTypes(rec: PbsJobRecord): string {
  const t = rec.attrs["Hold_Types"];
  return typeof t === "string" ? t.trim() : "u";
}

/**
 * Held by someone (a user, an operator, a password hold): state H with a hold
 * type other than `s`, which is PBS waiting for the job's dependencies.
 */
export function isHeld(rec: PbsJobRecord): boolean {
  return rec.state === "H" && /[uop]/.test(holdTypes(rec));
}

export function liveUpdate(rec: PbsJobRecord): StatusUpdate | undefined {
  const state = liveState(rec.state);
  if (!state) return undefined;
  const held = isHeld(rec);
  return {
    state,
    message: rec.comment ?? (held ? `held (Hold_Types ${holdTypes(rec)})` : undefined),
    schedulerTime: recordTime(rec, false),
    evidence: "scheduler",
    detail: { pbsState: rec.state, substate: rec.substate, held, ...pbsUsage(rec) },
  };
}
