/**
 * Test support for the local executor: temp directories, a job runner that
 * records every transition, and small process checks.
 * @module
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Job, type JobSpec, type JobState, type JobStatus } from "../../src/core/index.ts";
import { LocalJobExecutor } from "../../src/executors/local.ts";

/** Generous: the suite runs on a loaded 2-core box; nothing asserts speed. */
export const WAIT_MS = 30_000;
export const SLOW = { timeout: 60_000 };

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "psij-local-test-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface Recorded {
  job: Job;
  states: JobState[];
  final: JobStatus;
}

/** Submits a job with a recording callback and waits for its final state. */
export async function runJob(
  spec: JobSpec,
  executor = new LocalJobExecutor(),
): Promise<Recorded> {
  const job = new Job(spec);
  const states: JobState[] = [];
  job.addStatusCallback((_j, s) => states.push(s.state));
  await executor.submit(job);
  const final = await job.wait({ timeout: WAIT_MS });
  if (!final) throw new Error(`job ${spec.executable} did not end within ${WAIT_MS} ms`);
  return { job, states, final };
}

/** True while a process with this pid exists and is not a zombie awaiting its reaper. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // "pid (comm) S ..." — the state letter follows the last ")"
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** Polls `cond` every 20 ms until it holds or `ms` pass; returns whether it held. */
export async function eventually(cond: () => boolean, ms = WAIT_MS): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}
