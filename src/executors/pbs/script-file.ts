/**
 * The submitted script as a file: written whole under a temporary name, then
 * renamed to `<workDir>/<stamp>.job`, and only then given to `qsub <path>`.
 *
 * Fed on stdin, a script is read by qsub while we write it: if the agent is
 * killed half-way, qsub sees end-of-file and submits what arrived — a
 * truncated or empty script that still carries the stamp on its command line
 * (`-v`), so recovery would attach to a job that runs part of the script or
 * nothing. A rename is atomic: qsub only ever opens a complete script. The
 * path also puts the stamp in PBS's `Submit_arguments`.
 * @module
 */

import { renameSync, rmSync, writeFileSync } from "node:fs";
import { scriptPath } from "../../kit.ts";

let counter = 0;

/**
 * Writes the script and returns its final path. The temporary name is unique
 * to this write. Synchronous on purpose: a few tens of microseconds on a local
 * disk, and it never waits for an I/O turn of the event loop, which a virtual
 * clock driving the poller in tests (and the simulator) would not give it.
 */
export function writeScriptFile(workDir: string, stamp: string, text: string): string {
  const path = scriptPath(workDir, stamp);
  const tmp = `${path}.${process.pid}.${++counter}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, path);
  } catch (err) {
    removeScriptFile(tmp);
    throw err;
  }
  return path;
}

/** Removes a script file; a missing one is fine. */
export function removeScriptFile(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // an untidy leftover, never a reason to fail
  }
}

/**
 * The environment qsub runs in: this process's, except `PBS_DPREFIX`, which
 * would make qsub read directives from lines other than `#PBS` and so skip
 * every one of ours (the name, resources, -o/-e, the stamp). Undefined when
 * there is nothing to take out (qsub then inherits this process's).
 */
export function qsubEnvironment(
  env: Record<string, string | undefined> = process.env,
): Record<string, string> | undefined {
  if (env.PBS_DPREFIX === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== "PBS_DPREFIX") out[k] = v;
  return out;
}
