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
  time?: number;
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

/** The user's cancel ends the job CANCELED, with whatever code the script recorded. */
export function userCanceledUpdate(
  files: FileOutcome | undefined,
  time: number | undefined,
  detail: Record<string, unknown>,
): StatusUpdate {
  return {
    state: JobState.CANCELED,
    exitCode: files?.exitCode,
    message: "canceled by the user",
    time,
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
  time: number | undefined,
  detail: Record<string, unknown>,
  extra?: string,
): StatusUpdate | undefined {
  if (files?.exitCode === undefined) return undefined;
  const ec = files.exitCode;
  if (ec === 0) {
    return { state: JobState.COMPLETED, exitCode: 0, time, evidence: "exit-code-file", detail };
  }
  return {
    state: JobState.FAILED,
    exitCode: ec,
    message: joinMessage([
      files.markerSeen ? `exit code ${ec}` : scriptOutput(files),
      files.markerSeen ? scriptOutput(files) : `exit code ${ec}`,
      extra,
    ]),
    time,
    evidence: "exit-code-file",
    detail,
  };
}
