/**
 * The process-wide table of local runs, so every LocalJobExecutor of this
 * process can attach to a run another one started. Finished runs stay for a
 * while (bounded) so a late attach still sees the true outcome.
 * @module
 */

import type { LocalRun } from "./run.ts";

const KEEP_FINISHED = 10_000;
const runs = new Map<string, LocalRun>();
let seq = 0;

/** Native ids: `local-<pid of this process>-<sequence>`; unique for the process's life. */
export function newNativeId(): string {
  return `local-${process.pid}-${++seq}`;
}

/** The pid of the process that issued a local native id, if it has that form. */
export function issuerPid(nativeId: string): number | undefined {
  const m = /^local-(\d+)-\d+$/.exec(nativeId);
  return m ? Number(m[1]) : undefined;
}

export function registerRun(run: LocalRun): void {
  runs.set(run.nativeId, run);
  if (runs.size <= KEEP_FINISHED) return;
  for (const [id, r] of runs) { // oldest first
    if (runs.size <= KEEP_FINISHED) break;
    if (r.done) runs.delete(id);
  }
}

export function findRun(nativeId: string): LocalRun | undefined {
  return runs.get(nativeId);
}
