/**
 * Test rig: the PBS executor against the in-process simulator (model mode,
 * virtual time unless asked otherwise), plus a runner wrapper that records
 * every command (a recorder around the real simulator, not a mock of it).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { realClock, VirtualClock } from "../../src/core/clock.ts";
import type { CommandOptions, CommandRunner } from "../../src/core/command-runner.ts";
import { Job } from "../../src/core/job.ts";
import type { JobSpec } from "../../src/core/job-spec.ts";
import type { JobStatus } from "../../src/core/job-status.ts";
import { PbsExecutor, type PbsExecutorConfig } from "../../src/executors/pbs.ts";
import { attachMom } from "../../simulator/mom.ts";
import { Faults } from "../../simulator/faults.ts";
import { createSimRunner } from "../../simulator/runner.ts";
import { defaultNodes, type ServerConfig } from "../../simulator/server/config.ts";
import { SimServer } from "../../simulator/server/server.ts";
import { scanDirectives, shellSplit } from "../../simulator/commands/directives.ts";

/** The directives as PBS's own parser (the simulator's) reads them: [flag, value] pairs. */
export function parsedDirectives(script: string): string[][] {
  return scanDirectives(script, "#PBS").map((d) => shellSplit(d)!);
}

export class RecordingRunner implements CommandRunner {
  readonly calls: string[][] = [];
  constructor(readonly inner: CommandRunner) {}
  run(argv: readonly string[], options?: CommandOptions) {
    this.calls.push([...argv]);
    return this.inner.run(argv, options);
  }
  count(cmd: string): number {
    return this.calls.filter((c) => c[0] === cmd).length;
  }
}

/**
 * Model-mode outcomes from the job name: `r<seconds>` runtime, `x<code>` exit
 * status (e.g. `r30x3`); default 5 s and exit 0.
 */
export function outcomeFromName(q: { name: string }) {
  const r = /r(\d+)/.exec(q.name), x = /x(\d+)/.exec(q.name);
  return { runtimeMs: r ? Number(r[1]) * 1000 : 5000, exitStatus: x ? Number(x[1]) : 0 };
}

export interface Rig {
  clock: VirtualClock;
  server: SimServer;
  faults: Faults;
  runner: RecordingRunner;
  executor: PbsExecutor;
  workDir: string;
  newExecutor(config?: PbsExecutorConfig): PbsExecutor;
}

// Rigs have no teardown of their own: their work directories go when the test process exits.
const rigDirs = new Set<string>();
const removeRigDirs = () => {
  for (const d of rigDirs) rmSync(d, { recursive: true, force: true });
  rigDirs.clear();
};
process.once("exit", removeRigDirs);
// deno test does not emit node's process "exit"; it does fire "unload".
globalThis.addEventListener?.("unload", removeRigDirs);

export function rig(
  options: { server?: ServerConfig; executor?: PbsExecutorConfig } = {},
): Rig {
  const clock = new VirtualClock();
  const server = new SimServer({
    clock,
    mode: "model",
    outcome: outcomeFromName,
    ...options.server,
  });
  const faults = new Faults();
  const runner = new RecordingRunner(createSimRunner(server, faults));
  const workDir = mkdtempSync(join(tmpdir(), "psij-pbs-test-"));
  rigDirs.add(workDir);
  const newExecutor = (config: PbsExecutorConfig = {}) =>
    new PbsExecutor({ runner, clock, workDir, graceMs: 30_000, ...options.executor, ...config });
  return { clock, server, faults, runner, executor: newExecutor(), workDir, newExecutor };
}

/**
 * Execute mode on the real clock: two 4-cpu nodes, a local MoM that really
 * runs each script, and executors polling fast. `executor()` shares one work
 * directory unless the config names its own; `close()` stops them all.
 */
export function executeRig(prefix: string) {
  const base = mkdtempSync(join(tmpdir(), prefix));
  rigDirs.add(base);
  const server = new SimServer({
    clock: realClock,
    mode: "execute",
    nodes: defaultNodes(2, 4, 8, 0, "node"),
    spoolDir: join(base, "spool"),
    killDelayMs: 2000,
  });
  attachMom(server);
  server.start();
  const faults = new Faults();
  const runner = createSimRunner(server, faults);
  const executors: PbsExecutor[] = [];
  const executor = (config: PbsExecutorConfig = {}): PbsExecutor => {
    const ex = new PbsExecutor({
      runner,
      workDir: join(base, "work"),
      pollFloorMs: 100,
      pollCeilingMs: 400,
      graceMs: 5000,
      ...config,
    });
    executors.push(ex);
    return ex;
  };
  const close = async () => {
    for (const ex of executors) await ex.close();
    server.stop();
  };
  return { base, server, faults, runner, executor, close };
}

/** Advances virtual time in steps so the poller and the simulator interleave. */
export async function advance(clock: VirtualClock, ms: number, step = 500): Promise<void> {
  for (let t = 0; t < ms; t += step) await clock.advance(Math.min(step, ms - t));
}

/** Advances until the job is final (or `limitMs` passes). */
export async function untilFinal(clock: VirtualClock, job: Job, limitMs = 600_000) {
  const end = clock.now() + limitMs;
  while (!["COMPLETED", "FAILED", "CANCELED"].includes(job.status.state) && clock.now() < end) {
    await clock.advance(500);
  }
  return job.status;
}

export function record(job: Job): JobStatus[] {
  const seen: JobStatus[] = [];
  job.addStatusCallback((_j, s) => seen.push(s));
  return seen;
}

export function newJob(spec: JobSpec): Job {
  return new Job(spec);
}
