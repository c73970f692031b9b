/**
 * Submission stamps: every script carries one (in `PSIJ_AGENT_STAMP`, in its
 * file name, hence in `Submit_arguments`), so a submission whose qsub reply
 * was lost can be found again and is never submitted twice.
 * @module
 */

import { parseQstatJson } from "./parse/index.ts";
import type { PbsJobRecord } from "./parse/types.ts";

export const STAMP_VARIABLE = "PSIJ_AGENT_STAMP";

const SAFE = /^[A-Za-z0-9_-]{1,100}$/;

/** The stamp for a job: its id when that is file- and word-safe, else a fresh UUID. */
export function stampFor(jobId: string): string {
  return SAFE.test(jobId) ? jobId : crypto.randomUUID();
}

/** Whether a qstat record belongs to the submission with this stamp. */
export function recordHasStamp(rec: PbsJobRecord, stamp: string): boolean {
  if (rec.variables[STAMP_VARIABLE] === stamp) return true;
  const args = rec.attrs.Submit_arguments;
  return typeof args === "string" && scriptNamed(args, stamp);
}

/**
 * Whether qsub's arguments name the script `<stamp>.job` (as its own word or
 * the last part of a path): `xj1.job` or `j1.job.bak` is another submission.
 */
function scriptNamed(args: string, stamp: string): boolean {
  const name = `${stamp}.job`;
  for (let at = args.indexOf(name); at >= 0; at = args.indexOf(name, at + 1)) {
    const before = at === 0 ? "" : args[at - 1];
    const after = args[at + name.length] ?? "";
    if (/^[\s/'"]?$/.test(before) && /^[\s'"]?$/.test(after)) return true;
  }
  return false;
}

/**
 * The native ids, in the given `qstat -f -F json [-x]` output, of jobs
 * submitted with this stamp (normally one; several would mean a duplicate).
 */
export function findByStamp(qstatJsonStdout: string, stamp: string): string[] {
  const out: string[] = [];
  for (const [id, rec] of parseQstatJson(qstatJsonStdout).jobs) {
    if (recordHasStamp(rec, stamp)) out.push(id);
  }
  return out;
}
