/**
 * Simulator benchmark (`npm run bench:sim`): model mode, 1,000,000 jobs of
 * mixed sizes on 10,000 nodes, from submission until every job has finished,
 * time driven directly (no clock waits). Prints jobs/s, scheduler decisions/s,
 * peak RSS, and the cost of one `qstat -f -F json` over 10,000 jobs.
 * Figures only; nothing here passes or fails on time.
 *
 * Usage: npx bun bench/sim.ts [jobs] [nodes]
 */
import { VirtualClock } from "../src/core/clock.ts";
import { runCommand } from "../simulator/runner.ts";
import type { SubmitRequest } from "../simulator/server/job.ts";
import { SimServer } from "../simulator/server/server.ts";

const JOBS = Number(process.argv[2] ?? 1_000_000);
const NODES = Number(process.argv[3] ?? 10_000);

let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

/** Job shapes and their share of the mix. */
const MIX: { share: number; req: SubmitRequest }[] = [
  {
    share: 0.55,
    req: { user: "bench", name: "serial", resources: [["select", "1:ncpus=1:mem=2gb"]] },
  },
  {
    share: 0.2,
    req: { user: "bench", name: "small", resources: [["select", "1:ncpus=8:mem=16gb"]] },
  },
  {
    share: 0.15,
    req: { user: "bench", name: "node", resources: [["select", "1:ncpus=32:mem=64gb"]] },
  },
  {
    share: 0.07,
    req: {
      user: "bench",
      name: "mpi",
      resources: [["select", "4:ncpus=16:mpiprocs=16"], ["place", "scatter"]],
    },
  },
  {
    share: 0.03,
    req: {
      user: "bench",
      name: "wide",
      resources: [["select", "64:ncpus=32"], ["place", "scatter:excl"]],
    },
  },
];

function pick(r: number): SubmitRequest {
  let acc = 0;
  for (const m of MIX) {
    acc += m.share;
    if (r < acc) return m.req;
  }
  return MIX[0].req;
}

const clock = new VirtualClock(Date.UTC(2026, 0, 1));
let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const server = new SimServer({
  name: "bench",
  clock,
  nodes: Array.from({ length: NODES }, (_, i) => ({
    name: `n${String(i).padStart(5, "0")}`,
    ncpus: 64,
    memBytes: 256 * 1024 ** 3,
    ngpus: 0,
  })),
  // Short runs keep the simulated span modest; the mix above decides the load.
  runtimeMs: [60_000, 3_600_000],
  failureRate: 0.02,
  seed: 7,
});

const t0 = performance.now();
for (let i = 0; i < JOBS; i++) {
  server.submit(pick(rand()));
  if (i % 100_000 === 0) sampleRss();
}
const tSubmitted = performance.now();
sampleRss();
const rssSubmitted = process.memoryUsage().rss;

let live = JOBS;
const isLive = (state: string) => state !== "F";
for (let next = server.nextEventTime(); next !== undefined; next = server.nextEventTime()) {
  server.runUntil(next);
  if (server.decisions % 64 === 0) sampleRss();
  // Stop at the last job's end; the remaining events are history purges two weeks on.
  const ev = server.events.peek();
  if (ev && ev.kind === "purge") {
    live = 0;
    for (const j of server.order()) if (isLive(j.state)) live++;
    if (live === 0) break;
  }
}
const tDone = performance.now();
sampleRss();

const total = (tDone - t0) / 1000;
const simulatedHours = (server.nowMs() - Date.UTC(2026, 0, 1)) / 3_600_000;
console.log(`jobs: ${JOBS} on ${NODES} nodes (64 ncpus, 256gb each)`);
console.log(
  `submit: ${((tSubmitted - t0) / 1000).toFixed(2)} s; run to completion: ${
    ((tDone - tSubmitted) / 1000).toFixed(2)
  } s`,
);
console.log(`total: ${total.toFixed(2)} s, ${(JOBS / total).toFixed(0)} jobs/s`);
console.log(
  `scheduler decisions: ${server.decisions} (${(server.decisions / total).toFixed(0)}/s)`,
);
console.log(`simulated time: ${simulatedHours.toFixed(1)} h; unfinished jobs: ${live}`);
console.log(
  `peak RSS: ${(peakRss / 1024 ** 2).toFixed(0)} MiB (after submission ${
    (rssSubmitted / 1024 ** 2).toFixed(0)
  } MiB, at the end ${(process.memoryUsage().rss / 1024 ** 2).toFixed(0)} MiB)`,
);

// One `qstat -f -F json` over 10,000 jobs (history included with -x).
const small = new SimServer({
  name: "bench",
  clock,
  runtimeMs: [1000, 5000],
  nodes: server.config.nodes!.slice(0, 100),
});
for (let i = 0; i < 10_000; i++) small.submit(pick(rand()));
const env = { USER: "bench", HOME: "/home/bench" };
runCommand(small, ["qstat", "-f", "-F", "json", "-x"], { env, cwd: "/" }); // warm-up
const q0 = performance.now();
const out = runCommand(small, ["qstat", "-f", "-F", "json", "-x"], { env, cwd: "/" });
const q1 = performance.now();
console.log(
  `qstat -f -F json -x over 10,000 jobs: ${(q1 - q0).toFixed(0)} ms, ${
    (out.stdout.length / 1024 ** 2).toFixed(1)
  } MiB of JSON`,
);
