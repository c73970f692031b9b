/**
 * PBS executor and agent figures on the real OpenPBS (npm run pbs:up).
 * Prints, never asserts:
 *  1. one /bin/true job, submit → final state observed, p50 of RUNS (10),
 *     with a new executor per job and with one reused executor; the lag from
 *     the job's end (its exit-code file's mtime, ms; PBS's obittime, s) to
 *     our final state;
 *  2. JOBS (200) jobs: submits/s, status commands per job and per poll cycle;
 *  3. the agent's CPU while idle with IDLE_JOBS (1,000) held jobs tracked.
 *
 *   eval "$(npm run -s pbs:up)" && npm run bench:pbs-real
 *   RUNS=5 JOBS=50 IDLE_JOBS=100 npm run bench:pbs-real
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandOptions, CommandResult, CommandRunner } from "../src/core/command-runner.ts";
import { Job } from "../src/core/job.ts";
import { ProcessRunner } from "../src/batch/process-runner.ts";
import { PbsExecutor } from "../src/executors/pbs.ts";
import { parseCtime, parseQstatJson } from "../src/executors/pbs/parse/index.ts";
import { AgentClient } from "../src/agent/cli/client.ts";
import { selfCommand } from "../src/agent/http/serve.ts";

const RUNS = Number(process.env.RUNS ?? 10);
const JOBS = Number(process.env.JOBS ?? 200);
const IDLE_JOBS = Number(process.env.IDLE_JOBS ?? 1000);
const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 30);
const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

class CountingRunner implements CommandRunner {
  count = new Map<string, number>();
  readonly inner = new ProcessRunner();
  run(argv: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    this.count.set(argv[0], (this.count.get(argv[0]) ?? 0) + 1);
    return this.inner.run(argv, options);
  }
}

const fmt = (n: number, d = 2) => n.toLocaleString("en-US", { maximumFractionDigits: d });
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface One {
  totalMs: number;
  /** Final observed − the exit-code file's mtime (the script's last act). */
  lagFileMs: number;
  /** Final observed − PBS's obittime (whole seconds). */
  lagPbsMs?: number;
}

async function oneJob(ex: PbsExecutor): Promise<One> {
  const job = new Job({ executable: "/bin/true" });
  let finalAt = 0;
  job.setStatusCallback((_j, s) => {
    if (["COMPLETED", "FAILED", "CANCELED"].includes(s.state)) finalAt = Date.now();
  });
  const t0 = Date.now();
  await ex.submit(job);
  const s = await job.wait({ timeout: 300_000 });
  if (s?.state !== "COMPLETED") {
    throw new Error(`job ${job.nativeId} ended ${s?.state}: ${s?.message}`);
  }
  const ec = join(ex.workDir, `${job.nativeId}.ec`);
  const lagFileMs = finalAt - statSync(ec).mtimeMs;
  // The end is ours from the exit-code file, usually before PBS's obit: wait for PBS's record.
  let rec;
  for (let i = 0; i < 75; i++) {
    rec = parseQstatJson(
      spawnSync("qstat", ["-x", "-f", "-F", "json", job.nativeId!], { encoding: "utf8" }).stdout,
    ).jobs.get(job.nativeId!);
    if (rec?.times.obittime) break;
    await sleep(200);
  }
  const obit = rec?.times.obittime ? parseLocalCtime(rec.times.obittime) : undefined;
  return { totalMs: finalAt - t0, lagFileMs, lagPbsMs: obit ? finalAt - obit : undefined };
}

/** PBS prints ctime() in the server's local time zone. */
function parseLocalCtime(s: string): number | undefined {
  const utc = parseCtime(s);
  return utc === undefined ? undefined : utc + new Date(utc).getTimezoneOffset() * 60_000;
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8");
  const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return Number(rest[11]) + Number(rest[12]); // utime + stime
}

async function idleAgent(base: string): Promise<void> {
  const home = join(base, "agent");
  const socket = join(home, "agent.sock");
  const [exe, ...args] = selfCommand(MAIN);
  const env = { ...process.env };
  delete env.PSIJ_AGENT_EXECUTOR;
  const child: ChildProcess = spawn(exe, [...args, "serve", "--home", home], {
    env,
    stdio: "ignore",
  });
  const name = `idle${process.pid}`;
  try {
    for (const end = Date.now() + 60_000; !existsSync(socket);) {
      if (Date.now() > end) throw new Error("the agent did not start");
      await sleep(100);
    }
    const client = new AgentClient({ socket });
    let next = 0;
    const t0 = Date.now();
    const worker = async () => {
      while (next < IDLE_JOBS) {
        next++;
        const r = await client.request("POST", "/v1/jobs", {
          version: 1,
          executable: "/bin/true",
          name,
          attributes: { customAttributes: { "pbs.h": true } },
        });
        if (r.status !== 201) throw new Error(`submit: ${r.status} ${JSON.stringify(r.body)}`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const submitS = (Date.now() - t0) / 1000;
    // Let the poller settle to its ceiling, then measure.
    await sleep(35_000);
    const hz = 100; // USER_HZ on Linux
    const c0 = cpuTicks(child.pid!), w0 = Date.now();
    await sleep(IDLE_SECONDS * 1000);
    const cpu = (cpuTicks(child.pid!) - c0) / hz, wall = (Date.now() - w0) / 1000;
    const health = (await client.request("GET", "/v1/health")).body;
    const stats = health.executors?.pbs?.poller ?? health.executors?.pbs;
    console.log(
      `agent idle with ${IDLE_JOBS} held jobs tracked (submitted through the agent in ` +
        `${fmt(submitS, 1)} s, ${fmt(IDLE_JOBS / submitS, 1)}/s): CPU ${fmt(cpu, 2)} s over ` +
        `${fmt(wall, 1)} s = ${fmt((100 * cpu) / wall, 2)} % of one core` +
        (stats?.intervalMs ? ` (poll interval ${fmt(stats.intervalMs / 1000, 1)} s)` : ""),
    );
  } finally {
    const ids = spawnSync("qselect", ["-N", name], { encoding: "utf8" }).stdout.trim();
    if (ids) spawnSync("sh", ["-c", `qselect -N ${name} | xargs -r -n 200 qdel`]);
    child.kill("SIGTERM");
  }
}

async function main(): Promise<void> {
  const probe = spawnSync("qstat", ["-B"], { encoding: "utf8" });
  if (probe.status !== 0) {
    console.error(`no PBS reachable (qstat -B: ${probe.error?.message ?? probe.stderr.trim()})`);
    console.error('start one with (as root): eval "$(npm run -s pbs:up)"');
    process.exit(2);
  }
  const base = mkdtempSync(join(tmpdir(), "psij-bench-pbs-real-"));
  try {
    // 1. Single-job latency, new and reused executor.
    const fresh: One[] = [];
    for (let i = 0; i < RUNS; i++) {
      const ex = new PbsExecutor({ workDir: join(base, `new${i}`), keepFiles: true });
      fresh.push(await oneJob(ex));
      await ex.close();
    }
    const reusedEx = new PbsExecutor({ workDir: join(base, "reused"), keepFiles: true });
    const reused: One[] = [];
    for (let i = 0; i < RUNS; i++) reused.push(await oneJob(reusedEx));
    await reusedEx.close();
    for (const [label, xs] of [["new executor", fresh], ["reused executor", reused]] as const) {
      const pbsLags = xs.flatMap((x) => x.lagPbsMs === undefined ? [] : [x.lagPbsMs]);
      console.log(
        `1 /bin/true job, ${label}: submit → final observed p50 ${
          fmt(median(xs.map((x) => x.totalMs)) / 1000)
        } s ` +
          `(of ${xs.length}); lag from the job's end (exit-code file) mean ` +
          `${fmt(mean(xs.map((x) => x.lagFileMs)) / 1000)} s, p50 ${
            fmt(median(xs.map((x) => x.lagFileMs)) / 1000)
          } s; ` +
          `from PBS's obittime (1 s resolution) p50 ${
            pbsLags.length ? fmt(median(pbsLags) / 1000) : "?"
          } s`,
      );
    }

    const lag = mean([...fresh, ...reused].map((x) => x.lagFileMs)) / 1000;
    console.log(
      `target: final state within 0.5 s of the job's end on average: ${
        lag <= 0.5 ? "met" : "NOT met"
      } ` +
        `(${fmt(lag)} s)`,
    );

    // 2. Throughput.
    const runner = new CountingRunner();
    const ex = new PbsExecutor({ runner, workDir: join(base, "many") });
    const jobs = Array.from({ length: JOBS }, () => new Job({ executable: "/bin/true" }));
    const t0 = performance.now();
    for (const j of jobs) await ex.submit(j);
    const submitMs = performance.now() - t0;
    const ends = await Promise.all(jobs.map((j) => j.wait({ timeout: 30 * 60_000 })));
    const allMs = performance.now() - t0;
    const stats = ex.pollerStats();
    const statusCmds = (runner.count.get("qstat") ?? 0) + (runner.count.get("qselect") ?? 0);
    console.log(
      `${JOBS} /bin/true jobs: ${fmt(JOBS / (submitMs / 1000), 1)} submits/s; all final in ` +
        `${fmt(allMs / 1000, 1)} s (${
          ends.filter((s) => s?.state === "COMPLETED").length
        } COMPLETED); ` +
        `${statusCmds} status commands = ${fmt(statusCmds / JOBS, 3)} per job, ` +
        `${fmt(statusCmds / Math.max(1, stats.cycles), 2)} per poll cycle (${stats.cycles} cycles)`,
    );
    await ex.close();

    // 3. Idle CPU.
    if (IDLE_JOBS > 0) await idleAgent(base);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
