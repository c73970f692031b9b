/**
 * Reading a PBS command's failure: whether a retry may succeed.
 * @module
 */

import type { CommandResult } from "../../core/command-runner.ts";

/**
 * qsub exit codes that mean the server could not be reached or the reply was
 * lost (PBSE_SYSTEM 162, PBSE_PROTOCOL 15031 → 183, connect failures 111/255): a
 * retry may succeed, and for a lost reply the job may exist already — the
 * caller finds it by its stamp (findByStamp) before submitting again.
 */
const TRANSIENT_CODES = new Set([255, 162, 111, 15031 & 0xff]);

export function transientFailure(r: CommandResult): boolean {
  return !!r.timedOut || TRANSIENT_CODES.has(r.exitCode) ||
    /cannot connect|Connection refused|timed out|Failed to (recv|send)|protocol error/i.test(
      r.stderr,
    );
}
