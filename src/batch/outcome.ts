/**
 * The verdicts every batch backend reaches the same way: the user's cancel
 * and the exit-code file. What a scheduler's own record means stays with its
 * backend; both meet in one `StatusUpdate`.
 * @module
 */

import { JobState } from "../core/job-state.ts";
import type { Evidence } from "../core/job-status.ts";
import type { FileOutcome } from "./protocol.ts";

export interface StatusUpdate {
  state: JobState;
  exitCode?: number;
  message?: string;
  /**
   * The scheduler's own stamp for this state (whole seconds, its clock):
   * kept as evidence (JobStatus.schedulerTime); the transition's time is when
   * the executor saw it.
   */
  schedulerTime?: number;
  /** Evidence that the job ran (an exit status, a start stamp, its files): a final state passes ACTIVE. */
  ran?: boolean;
  evidence: Evidence;
  /** Extra facts for JobStatus.metadata. */
  detail?: Record<string, unknown>;
}

/** The non-empty parts, joined with `; `; undefined when none is left. */
export function joinMessage(parts: Array<string | undefined>): string | undefined {
  const kept = parts.filter((p): p is string => !!p && p.trim() !== "");
  return kept.length ? kept.join("; ") : undefined;
}

/** The script's own output: for a failed job it holds the errors (a missing executable, ...). */
export function scriptOutput(files: FileOutcome | undefined): string | undefined {
  return files?.output ? `script output: ${files.output}` : undefined;
}

/** Whether the job's own files show that its script ran (it wrote an exit code or output). */
export function filesShowRun(files: FileOutcome | undefined): boolean {
  return files?.exitCode !== undefined || files?.output !== undefined;
}

/**
 * The user's cancel ends the job CANCELED, with whatever code the script
 * recorded; `ran` when the scheduler says it started (the files may say so too).
 */
export function userCanceledUpdate(
  files: FileOutcome | undefined,
  schedulerTime: number | undefined,
  detail: Record<string, unknown>,
  ran = false,
): StatusUpdate {
  return {
    state: JobState.CANCELED,
    exitCode: files?.exitCode,
    message: "canceled by the user",
    schedulerTime,
    ran: ran || filesShowRun(files),
    evidence: "user-cancel",
    detail,
  };
}

/**
 * The exit-code file's verdict: COMPLETED on 0, else FAILED with the code and
 * the script's output; the output leads when the script stopped before its
 * marker (then it says why). `extra` (the scheduler's comment) comes last.
 * Undefined when there is no exit-code file.
 */
export function exitCodeFileUpdate(
  files: FileOutcome | undefined,
  schedulerTime: number | undefined,
  detail: Record<string, unknown>,
  extra?: string,
): StatusUpdate | undefined {
  if (files?.exitCode === undefined) return undefined;
  const ec = files.exitCode;
  if (ec === 0) {
    return {
      state: JobState.COMPLETED,
      exitCode: 0,
      schedulerTime,
      ran: true,
      evidence: "exit-code-file",
      detail,
    };
  }
  return {
    state: JobState.FAILED,
    exitCode: ec,
    message: joinMessage([
      files.markerSeen ? `exit code ${ec}` : scriptOutput(files),
      files.markerSeen ? scriptOutput(files) : `exit code ${ec}`,
      extra,
    ]),
    schedulerTime,
    ran: true, // the script wrote its exit code
    evidence: "exit-code-file",
    detail,
  };
}
