/**
 * Local executor throughput and latency: 1,000 jobs of /bin/true through
 * LocalJobExecutor, beside two references measured the same way in the same
 * run: a bare spawn of /bin/true, and the same through `bash -c`.
 *
 * Every figure keeps the same number of jobs in flight (`--concurrency`,
 * default 8), so jobs/s is throughput and the latency is submit-to-final of
 * a job that did not wait in a queue of our own making. The three are run
 * in interleaved rounds (`--rounds`, default 5), so a load change on the
 * machine hits all of them alike. Prints figures; never passes or fails on them.
 *
 * Usage: npx bun bench/local.ts [--jobs 1000] [--concurrency 8] [--rounds 5]
 *          [--group detached,setsid]   (process-group methods to run the executor
 *                                       with, one row each; "(default)" marks the
 *                                       one `auto` picks in this runtime)
 *        npx deno run -A bench/local.ts
 * @module
 */

import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { Job } from "../src/core/job.ts";
import { LocalJobExecutor } from "../src/executors/local.ts";
import { autoMethod, type ProcessGroupMethod } from "../src/executors/local/spawn-group.ts";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "8" },
    rounds: { type: "string", default: "5" },
    group: { type: "string", default: "detached,setsid" },
  },
});
const JOBS = Number(values.jobs);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);

interface Figures {
  jobsPerSec: number;
  p50: number;
  p99: number;
  failures: number;
}

interface Tally {
  latencies: number[];
  elapsed: number;
  failures: number;
}

/** Runs `one` n times with CONCURRENCY in flight, adding to the tally. */
async function measure(one: () => Promise<boolean>, n: number, tally: Tally): Promise<void> {
  let started = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (started < n) {
      started++;
      const t = performance.now();
      if (!(await one())) tally.failures++;
      tally.latencies.push(performance.now() - t);
    }
  }));
  tally.elapsed += performance.now() - t0;
}

function figures({ latencies, elapsed, failures }: Tally): Figures {
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  return {
    jobsPerSec: (latencies.length / elapsed) * 1000,
    p50: pct(0.5),
    p99: pct(0.99),
    failures,
  };
}

function spawnOnce(argv: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: "ignore" });
    child.once("error", () => resolve(false));
    child.once("exit", (code) => resolve(code === 0));
  });
}

const methods = values.group.split(",") as ProcessGroupMethod[];
const viaExecutor = (method: ProcessGroupMethod) => {
  const executor = new LocalJobExecutor({ processGroup: method });
  return async () => {
    const job = new Job({ executable: "/bin/true" });
    await executor.submit(job);
    return (await job.wait())?.state === "COMPLETED";
  };
};

// Warm up every path once so the first measured job pays no start-up cost.
for (const m of methods) await viaExecutor(m)();
await spawnOnce(["/bin/true"]);
await spawnOnce(["bash", "-c", "/bin/true"]);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const variants: Array<[string, () => Promise<boolean>]> = [
  ...methods.map((m): [string, () => Promise<boolean>] => [
    `executor, ${m}${m === autoMethod() ? " (default)" : ""}`,
    viaExecutor(m),
  ]),
  ["bare spawn", () => spawnOnce(["/bin/true"])],
  ["spawn bash -c", () => spawnOnce(["bash", "-c", "/bin/true"])],
];
const tallies = variants.map((): Tally => ({ latencies: [], elapsed: 0, failures: 0 }));
for (let round = 0; round < ROUNDS; round++) {
  const n = Math.floor(JOBS / ROUNDS) + (round < JOBS % ROUNDS ? 1 : 0);
  for (const [i, [, one]] of variants.entries()) await measure(one, n, tallies[i]);
}
const rows = variants.map(([name], i): [string, Figures] => [name, figures(tallies[i])]);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);

const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";
console.log(
  `local executor benchmark: ${JOBS} jobs of /bin/true each, ${CONCURRENCY} in flight, ` +
    `${ROUNDS} interleaved rounds, ${runtime}`,
);
for (const [name, f] of rows) {
  console.log(
    `${name.padEnd(29)} ${f.jobsPerSec.toFixed(0).padStart(6)} jobs/s   p50 ${
      f.p50.toFixed(2).padStart(6)
    } ms   p99 ${f.p99.toFixed(2).padStart(6)} ms${f.failures ? `   ${f.failures} FAILED` : ""}`,
  );
}
console.log(`peak RSS ${(peakRss / 2 ** 20).toFixed(1)} MiB`);
