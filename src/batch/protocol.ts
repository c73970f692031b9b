/**
 * The exit-code / output file protocol shared by every batch backend.
 *
 * The job script writes everything it prints to `<work>/<native>.out`, the
 * job's real exit code to `<work>/<native>.ec` (atomically: a temporary file
 * then a rename), then a completion marker as the last line of `.out`, and
 * exits with that same code so the scheduler's own record agrees. When a
 * job failed and the marker is missing, something before or after the launch
 * broke (staging, pre-launch, a missing directory): the `.out` text is the
 * best message there is.
 * @module
 */

import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Printed as the script's very last line. */
export const COMPLETION_MARKER = "__psij_agent_script_done__";

/** Characters of `.out` kept for a failure message (the tail: errors come last). */
export const MESSAGE_LIMIT = 4000;

export interface JobFiles {
  /** The submitted script, named by the submission's stamp (known before the native id). */
  script: string;
  exitCode: string;
  output: string;
}

/**
 * The stamp for a job's submission, which names its script and lets a lost
 * submit reply be found again: the job's id when that is safe in a file name,
 * a shell word and a scheduler's comment, else a fresh UUID.
 */
export function stampFor(jobId: string): string {
  return /^[A-Za-z0-9_-]{1,100}$/.test(jobId) ? jobId : crypto.randomUUID();
}

export function scriptPath(workDir: string, stamp: string): string {
  return join(workDir, `${stamp}.job`);
}

export function jobFiles(workDir: string, stamp: string, nativeId?: string): JobFiles {
  const base = nativeId ? join(workDir, fileSafe(nativeId)) : "";
  return {
    script: scriptPath(workDir, stamp),
    exitCode: nativeId ? `${base}.ec` : "",
    output: nativeId ? `${base}.out` : "",
  };
}

/** Native ids go into file names as the script sees them (`$PBS_JOBID`); `/` never appears. */
function fileSafe(id: string): string {
  return id.replaceAll("/", "_");
}

export interface FileOutcome {
  /** The exit code the script recorded; undefined when there is no (readable) file. */
  exitCode?: number;
  /** True when `.out` ends with the completion marker. */
  markerSeen: boolean;
  /** `.out` text without the marker (possibly truncated to its tail). */
  output?: string;
}

/** Reads what the script left behind. Never throws: a missing or partial file is "not seen". */
export function readOutcome(workDir: string, nativeId: string): FileOutcome {
  const files = jobFiles(workDir, "", nativeId);
  let exitCode: number | undefined;
  const ec = readText(files.exitCode);
  if (ec !== undefined && /^\s*-?\d+\s*$/.test(ec)) exitCode = Number(ec.trim());
  const out = readText(files.output);
  if (out === undefined) return { exitCode, markerSeen: false };
  const trimmed = out.replace(/\s+$/, "");
  const markerSeen = trimmed.endsWith(COMPLETION_MARKER);
  const text = markerSeen ? trimmed.slice(0, -COMPLETION_MARKER.length) : trimmed;
  const output = text.length > MESSAGE_LIMIT ? `…${text.slice(-MESSAGE_LIMIT)}` : text;
  return { exitCode, markerSeen, output: output.trimEnd() };
}

function readText(path: string): string | undefined {
  try {
    return existsSync(path) ? readFileSync(path, "utf8") : undefined;
  } catch {
    return undefined;
  }
}

/** Removes a job's files (script, .ec, .out and any extra paths); missing files are fine. */
export function removeJobFiles(paths: readonly string[]): void {
  for (const p of paths) {
    if (!p) continue;
    try {
      rmSync(p, { force: true });
    } catch {
      // leftover files are untidy, not wrong; never fail a job over them
    }
  }
}

/**
 * The failure message when the script's marker is missing: its output, or a
 * plain statement that there was none.
 */
export function failureMessage(outcome: FileOutcome): string | undefined {
  if (outcome.markerSeen) return undefined;
  if (outcome.output) return outcome.output;
  return undefined;
}
