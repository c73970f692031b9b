/**
 * @module
 * Per-job error lines of qstat and qdel (stderr), sorted by what they mean.
 */
import { normalizeNewlines } from "./text.ts";

/** Ids named in the error lines; `other` holds every other non-empty line verbatim. */
export interface JobErrors {
  unknown: string[];
  finished: string[];
  other: string[];
}

/**
 * qstat: `qstat: Unknown Job Id <id>` (exit 153) and
 * `qstat: <id> Job has finished, use -x or -H to obtain historical job information` (35).
 */
export function parseQstatErrors(stderr: string): JobErrors {
  const out: JobErrors = { unknown: [], finished: [], other: [] };
  for (const line of normalizeNewlines(stderr).split("\n")) {
    const t = line.trimEnd();
    if (t === "") continue;
    const unknown = /^qstat: Unknown Job Id (\S+)$/.exec(t);
    const finished = /^qstat: (\S+) Job has finished\b/.exec(t);
    if (unknown) out.unknown.push(unknown[1]);
    else if (finished) out.finished.push(finished[1]);
    else out.other.push(t);
  }
  return out;
}

/**
 * qdel: `qdel: Unknown Job Id <id>` (153) and `qdel: Job has finished <id>` (35;
 * v20 prints no id). An id-less line is attributed to `requested[0]` when exactly
 * one id was requested, else reported as "".
 */
export function parseQdelErrors(stderr: string, requested: string[] = []): JobErrors {
  const out: JobErrors = { unknown: [], finished: [], other: [] };
  for (const line of normalizeNewlines(stderr).split("\n")) {
    const t = line.trimEnd();
    if (t === "") continue;
    const unknown = /^qdel: Unknown Job Id (\S+)$/.exec(t);
    const finished = /^qdel: Job has finished(?: (\S+))?$/.exec(t);
    if (unknown) out.unknown.push(unknown[1]);
    else if (finished) {
      out.finished.push(finished[1] ?? (requested.length === 1 ? requested[0] : ""));
    } else out.other.push(t);
  }
  return out;
}
