/**
 * PBS executor benchmark: 10,000 jobs through the executor against the
 * in-process simulator in model mode (virtual time), then — when the CLI
 * shims exist — 500 jobs through spawned commands. Prints figures; never
 * passes or fails on time.
 *
 *   npm run bench:pbs            (npx bun bench/pbs.ts)
 *   JOBS=2000 npx bun bench/pbs.ts   (a smaller run)
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { realClock, VirtualClock } from "../src/core/clock.ts";
import type { CommandOptions, CommandResult, CommandRunner } from "../src/core/command-runner.ts";
import { Job } from "../src/core/job.ts";
import { isFinal } from "../src/core/job-state.ts";
import { PbsExecutor } from "../src/executors/pbs.ts";
import { interpretStatus, qstatJsonArgv } from "../src/executors/pbs/status.ts";
import { ProcessRunner } from "../src/batch/process-runner.ts";
import { createSimRunner } from "../simulator/runner.ts";
import { selfCommand } from "../simulator/runtime.ts";
import { SimServer } from "../simulator/server/server.ts";

const JOBS = Number(process.env.JOBS ?? 10_000);

/** Counts commands and the time spent inside the simulator (not ours to optimise). */
class TimedRunner implements CommandRunner {
  count = new Map<string, number>();
  simMs = 0;
  /** Job ids asked about by status commands (one per tracked job per cycle). */
  idsPolled = 0;
  constructor(readonly inner: CommandRunner) {}
  async run(argv: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    this.count.set(argv[0], (this.count.get(argv[0]) ?? 0) + 1);
    if (argv[0] === "qstat") this.idsPolled += argv.length - 5;
    const t = performance.now();
    const r = await this.inner.run(argv, options);
    // Real output arrives from a pipe as one flat string; the in-process
    // simulator builds it by concatenation, and flattening that rope on first
    // touch (~18 ms per 1,000 jobs) is the simulator's cost, not the parser's.
    const flat = { ...r, stdout: Buffer.from(r.stdout, "utf8").toString("utf8") };
    this.simMs += performance.now() - t;
    return flat;
  }
}

function fmt(n: number, digits = 1): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits });
}

async function inProcess(): Promise<void> {
  const clock = new VirtualClock();
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const server = new SimServer({
    clock,
    mode: "model",
    nodes: Array.from({ length: 64 }, (_, i) => ({
      name: `n${i + 1}`,
      ncpus: 128,
      memBytes: 2 ** 40,
      ngpus: 0,
    })),
    outcome: () => ({ runtimeMs: 20_000 + Math.floor(rand() * 100_000), exitStatus: 0 }),
  });
  const runner = new TimedRunner(createSimRunner(server));
  const workDir = mkdtempSync(join(tmpdir(), "psij-bench-pbs-"));
  const executor = new PbsExecutor({ runner, clock, workDir });
  const observedAt = new Map<Job, number>();
  executor.addJobStatusCallback((job, s) => {
    if (isFinal(s.state)) observedAt.set(job, clock.now());
  });

  const jobs = Array.from({ length: JOBS }, () => new Job({ executable: "/bin/true" }));
  const t0 = performance.now();
  for (const job of jobs) await executor.submit(job);
  const submitMs = performance.now() - t0;
  const qsubSimMs = runner.simMs;

  // Drain: virtual time runs until every job is final.
  runner.simMs = 0;
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  const v0 = clock.now();
  let steps = 0;
  while (observedAt.size < JOBS && steps < 100_000) {
    await clock.advance(500);
    steps++;
  }
  const drainWallMs = performance.now() - w0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const st = executor.pollerStats();
  const qstats = runner.count.get("qstat") ?? 0;

  // End-to-observed latency: PBS's own end time (obittime, 1 s resolution) to our callback.
  let lastEnd = 0, lastObserved = 0, maxLag = 0;
  for (const [job, at] of observedAt) {
    const end = job.status.time;
    if (end > lastEnd) [lastEnd, lastObserved] = [end, at];
    maxLag = Math.max(maxLag, at - end);
  }

  // Parse cost alone: one status output for 1,000 tracked jobs, parsed repeatedly.
  const ids = jobs.slice(0, 1000).map((j) => j.nativeId!);
  const out = await createSimRunner(server).run(qstatJsonArgv(ids));
  const reps = 20;
  const p0 = performance.now();
  for (let i = 0; i < reps; i++) interpretStatus(ids, out);
  const parseMs = (performance.now() - p0) / reps;

  const cycles = st.cycles;
  console.log(`PBS executor, in-process simulator (model mode), ${fmt(JOBS, 0)} jobs`);
  console.log(
    `  submit: ${fmt(submitMs, 0)} ms → ${fmt(JOBS / (submitMs / 1000), 0)} submits/s` +
      ` (of which simulator qsub ${fmt(qsubSimMs, 0)} ms)`,
  );
  console.log(
    `  status commands: ${fmt(qstats, 0)} over ${fmt(cycles, 0)} cycles → ${
      fmt(qstats / JOBS, 3)
    } per job, ${fmt(qstats / cycles / Math.max(1, JOBS / 1000), 2)} per cycle per 1,000 jobs` +
      ` (peak ${Math.ceil(JOBS / 1000)} per cycle at ${
        fmt(JOBS, 0)
      } tracked); look-ups: ${st.probes}`,
  );
  console.log(
    `  drain: ${fmt(drainWallMs, 0)} ms wall for ${fmt((clock.now() - v0) / 1000 / 60, 1)}` +
      ` simulated minutes; CPU ${fmt(cpuMs, 0)} ms, wall time inside the simulator ${
        fmt(runner.simMs, 0)
      } ms`,
  );
  const ours = Math.max(0, drainWallMs - runner.simMs);
  console.log(
    `  poll CPU (ours: parse, state updates, callbacks; simulator excluded): ${
      fmt(ours / cycles, 2)
    } ms per cycle, ${fmt(ours / (runner.idsPolled / 1000), 2)} ms per 1,000 tracked jobs polled`,
  );
  const k = runner.idsPolled / 1000;
  console.log(
    `    of which parsing status output ${fmt(st.parseMs / k, 2)} ms and applying it` +
      ` ${fmt(st.applyMs / k, 2)} ms per 1,000 tracked jobs polled`,
  );
  console.log(`  parse of one qstat -f -F json for 1,000 jobs: ${fmt(parseMs, 2)} ms`);
  console.log(
    `  last job: PBS end → final state observed: ${fmt((lastObserved - lastEnd) / 1000, 1)} s` +
      ` (worst over all jobs ${fmt(maxLag / 1000, 1)} s; obittime has 1 s resolution)`,
  );
  await executor.close();
  rmSync(workDir, { recursive: true, force: true });
}

const SHIM_JOBS = Number(process.env.SHIM_JOBS ?? 500);

/** 500 jobs through the spawned CLI shims (qsub/qstat/qdel as processes), execute mode. */
async function throughShims(): Promise<void> {
  if (SHIM_JOBS <= 0) return;
  const shims = fileURLToPath(new URL("../simulator/shims/", import.meta.url));
  if (!existsSync(join(shims, "qsub"))) {
    console.log("CLI shims: not available (simulator/shims/qsub missing); skipped");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "psij-bench-shims-"));
  const sock = join(dir, "sim.sock");
  const [cmd, ...args] = selfCommand();
  const srv = spawn(cmd, [
    ...args,
    "serve",
    "--socket",
    sock,
    "--mode",
    "execute",
    "--nodes",
    "4",
    "--ncpus",
    "64",
  ], { stdio: "ignore" });
  try {
    for (let i = 0; i < 200 && !existsSync(sock); i++) await realClock.sleep(100);
    if (!existsSync(sock)) throw new Error("the simulator server did not start");
    process.env.PATH = `${shims}:${process.env.PATH}`;
    process.env.PSIJ_SIM_SOCKET = sock;
    const runner = new TimedRunner(new ProcessRunner());
    const executor = new PbsExecutor({
      runner,
      workDir: join(dir, "work"),
      pollFloorMs: 500,
      pollCeilingMs: 2000,
    });
    const jobs = Array.from({ length: SHIM_JOBS }, () => new Job({ executable: "/bin/true" }));
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) await executor.submit(jobs[next++]);
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const submitted = performance.now() - t0;
    await Promise.all(jobs.map((j) => j.wait({ timeout: 600_000 })));
    const total = performance.now() - t0;
    const done = jobs.filter((j) => j.status.state === "COMPLETED").length;
    console.log(`PBS executor through the spawned CLI shims (execute mode), ${SHIM_JOBS} jobs`);
    console.log(
      `  submit: ${fmt(SHIM_JOBS / (submitted / 1000), 1)} jobs/s (8 qsub processes at a time);` +
        ` submit to all final: ${fmt(SHIM_JOBS / (total / 1000), 1)} jobs/s;` +
        ` ${done} COMPLETED; ${runner.count.get("qstat") ?? 0} status commands`,
    );
    await executor.close();
  } finally {
    srv.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

await inProcess();
await throughShims();
