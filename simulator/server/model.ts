/**
 * Model mode: a job's fate (runtime, Exit_status) from the test, the config,
 * or the seeded default, and the timed event that ends it.
 * @module
 */
import type { SimJob } from "./job.ts";
import type { SimServer } from "./server.ts";

/** Model mode: when and how the current run of `job` ends. */
export function scheduleModelEnd(srv: SimServer, job: SimJob, startedAt: number): void {
  let runtimeMs: number, exitStatus: number;
  const given = job.outcome ?? (srv.config.outcome && srv.config.outcome({
    id: job.id,
    name: job.name,
    arrayIndex: job.arrayIndex,
    script: job.req.script,
    runCount: job.runCount,
  }));
  if (given) ({ runtimeMs, exitStatus } = given);
  else {
    // The seeded default: no object per job (a million of them add up).
    const range = srv.config.runtimeMs ?? DEFAULT_RUNTIME; // indexed: destructuring may allocate
    const min = range[0], max = range[1];
    runtimeMs = Math.round(min + (max - min) * srv.random());
    exitStatus = srv.random() < (srv.config.failureRate ?? 0) ? 1 : 0;
  }
  const wall = job.resources.walltime;
  if (wall !== undefined && runtimeMs > wall * 1000) {
    srv.schedule(startedAt + (wall + 1) * 1000, "walltime", job);
  } else srv.schedule(startedAt + runtimeMs, "end", job, exitStatus);
}

const DEFAULT_RUNTIME: [number, number] = [60_000, 600_000];
