/**
 * A PBS job's end from its exit-code file, before PBS's own record of it.
 *
 * The job script moves `<id>.ec` into place as its last act, holding the
 * user's command's code (or its own failure's): the job is over, and the
 * agent says so at once (evidence `exit-code-file`) instead of waiting for
 * MoM's obit, the server's record and the next poll (about 1–2 s on a quiet
 * OpenPBS). What only PBS's record has (resources_used, its Exit_status) is
 * added to the final state when the record arrives (`recordFacts`, through
 * the executor's final-facts listeners).
 *
 * Not decided early: a user's own batch script (PBS delivers its -o/-e
 * output as it ends, and the end must not come before the output), a job
 * whose spec is not known here, a job the user asked to cancel (PBS's record and qdel's
 * reply decide, src/executors/pbs/cancel.ts), a code of 128 or more (a
 * signal: our TERM trap's 143 on a walltime kill or a qdel), where PBS's
 * record says why (walltime exceeded, deleted), and any job while the status
 * command fails (the executor checks): an OpenPBS server that comes back
 * requeues the jobs it had running, one that had ended too, and runs them again.
 * @module
 */

import { exitCodeFileUpdate, type FileOutcome, type StatusUpdate } from "../../kit.ts";
import type { Entry } from "./entries.ts";
import type { PbsJobRecord } from "./parse/types.ts";
import { pbsUsage } from "./usage.ts";

/** How long an end decided early waits for PBS's record of the job before giving up on it. */
export const RECORD_WAIT_MS = 10 * 60_000;

export function endFromExitCodeFile(entry: Entry, files: FileOutcome): StatusUpdate | undefined {
  if (entry.cancelRequested || entry.qdelInFlight || entry.userCanceled) return undefined;
  // A user's own script writes its output where its #PBS -o/-e say, and PBS delivers those files
  // as the job ends, before its record: COMPLETED must not come before the output does. So only a
  // job whose spec is ours (known, and not a batch script) ends on its file.
  if (!entry.jobs.some((j) => j.spec !== undefined && j.spec.batchScript === undefined)) {
    return undefined;
  }
  const ec = files.exitCode;
  if (ec === undefined || ec >= 128) return undefined;
  return exitCodeFileUpdate(files, undefined, {
    fileExitCode: ec,
    ...pbsUsage(entry.lastSeen),
  });
}

/** What PBS's record of a finished job adds to an end decided from its exit-code file. */
export function recordFacts(rec: PbsJobRecord): Record<string, unknown> {
  const facts: Record<string, unknown> = {
    exitStatus: rec.exitStatus,
    pbsState: rec.state,
    substate: rec.substate,
    ...pbsUsage(rec),
  };
  for (const k of Object.keys(facts)) if (facts[k] === undefined) delete facts[k];
  return facts;
}
