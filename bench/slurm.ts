/**
 * Slurm executor benchmark against the real Slurm (scripts/slurm/up.sh):
 * JOBS (default 200) `/bin/true` jobs through the executor, then single jobs
 * one at a time for the end-to-end latency. Prints figures; never passes or
 * fails on time.
 *
 *   npm run slurm:up && npx bun bench/slurm.ts
 *   JOBS=50 LATENCY_RUNS=5 npx bun bench/slurm.ts
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandOptions, CommandResult, CommandRunner } from "../src/core/command-runner.ts";
import { Job } from "../src/core/job.ts";
import { ProcessRunner } from "../src/batch/process-runner.ts";
import { SlurmExecutor } from "../src/executors/slurm.ts";

const JOBS = Number(process.env.JOBS ?? 200);
const LATENCY_RUNS = Number(process.env.LATENCY_RUNS ?? 9);
const DEFAULT_CONF = "/tmp/psij-slurm/slurm.conf";
if (!process.env.SLURM_CONF && existsSync(DEFAULT_CONF)) process.env.SLURM_CONF = DEFAULT_CONF;

/** Counts every command by name. */
class CountingRunner implements CommandRunner {
  count = new Map<string, number>();
  constructor(readonly inner: CommandRunner) {}
  run(argv: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    this.count.set(argv[0], (this.count.get(argv[0]) ?? 0) + 1);
    return this.inner.run(argv, options);
  }
}

const fmt = (n: number, d = 1) => n.toLocaleString("en-US", { maximumFractionDigits: d });
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const probe = await new ProcessRunner().run(["sinfo", "--noheader", "-o", "%T"], {
    timeoutMs: 30_000,
  });
  if (probe.exitCode !== 0) {
    console.error(`no Slurm reachable (sinfo exit ${probe.exitCode}: ${probe.stderr.trim()})`);
    console.error("start one with: npm run slurm:up");
    process.exit(2);
  }
  const workDir = mkdtempSync(join(tmpdir(), "psij-bench-slurm-"));
  const runner = new CountingRunner(new ProcessRunner());
  const ex = new SlurmExecutor({ runner, workDir });
  try {
    // 1. Throughput: submit JOBS jobs back to back, then wait for all.
    const jobs = Array.from({ length: JOBS }, () => new Job({ executable: "/bin/true" }));
    const t0 = performance.now();
    for (const j of jobs) await ex.submit(j);
    const submitMs = performance.now() - t0;
    const statuses = await Promise.all(jobs.map((j) => j.wait({ timeout: 30 * 60_000 })));
    const allMs = performance.now() - t0;
    const completed = statuses.filter((s) => s?.state === "COMPLETED").length;
    const squeueAll = runner.count.get("squeue") ?? 0;
    const cycles = ex.pollerStats().cycles;

    // 2. Latency: one job at a time on an otherwise idle executor, with the
    // default poll cadence, then polling every 250 ms (what Slurm itself takes).
    const latency = async (executor: SlurmExecutor) => {
      const out: number[] = [];
      for (let i = 0; i < LATENCY_RUNS; i++) {
        const j = new Job({ executable: "/bin/true" });
        const t = performance.now();
        await executor.submit(j);
        await j.wait({ timeout: 5 * 60_000 });
        out.push(performance.now() - t);
      }
      return out;
    };
    const lat = await latency(ex);
    const fast = new SlurmExecutor({ workDir, pollFloorMs: 250, pollCeilingMs: 250 });
    const latFast = await latency(fast).finally(() => fast.close());

    console.log(`Slurm executor against the real Slurm (${process.env.SLURM_CONF ?? "default"})`);
    console.log(`  ${JOBS} x /bin/true: ${completed} COMPLETED`);
    console.log(
      `  submit: ${fmt(JOBS / (submitMs / 1000))} jobs/s ` +
        `(${fmt(submitMs / JOBS, 2)} ms per sbatch, sequential)`,
    );
    console.log(`  all ${JOBS} final after ${fmt(allMs / 1000)} s`);
    console.log(
      `  status commands while the ${JOBS} ran: ${squeueAll} squeue (incl. cancel/attach ` +
        `look-ups) in ${cycles} poll cycles, one command per cycle for all tracked jobs`,
    );
    console.log(
      `  end-to-end latency, one job (submit → COMPLETED), ${LATENCY_RUNS} runs: ` +
        `p50 ${fmt(median(lat))} ms, min ${fmt(Math.min(...lat))} ms, ` +
        `max ${fmt(Math.max(...lat))} ms`,
    );
    console.log(
      `  same with polling every 250 ms: p50 ${fmt(median(latFast))} ms, ` +
        `min ${fmt(Math.min(...latFast))} ms, max ${fmt(Math.max(...latFast))} ms`,
    );
    console.log(
      `  commands in total: ${[...runner.count].map(([k, v]) => `${k} ${v}`).join(", ")}`,
    );
  } finally {
    await ex.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
