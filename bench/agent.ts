/**
 * The agent's figures: with 10,000 jobs in the store, `GET /v1/jobs/{id}`
 * requests/s and p99 over the unix socket and loopback TCP, beside a bare
 * Hono route served by the same server; `POST /v1/jobs` jobs/s against the
 * in-process PBS simulator; SSE fan-out to 100 clients; RSS with 100,000 jobs
 * stored. Load comes from a second process (this file with --client), so the
 * server has its own core. Prints figures; never passes or fails on them.
 *
 * Usage: npx bun bench/agent.ts [--requests 50000] [--concurrency 32] [--posts 3000]
 *          [--sse-clients 100] [--sse-events 2000] [--big 100000] [--poll-floor 1000]
 * @module
 */

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Hono } from "hono";
import { createApp } from "../src/agent/http/app.ts";
import { type Listener, serve } from "../src/agent/http/serve.ts";
import { JobService } from "../src/agent/service.ts";
import { specToJson } from "../src/agent/spec-input.ts";
import { JobStore } from "../src/agent/store/store.ts";
import { createSimExecutor } from "../src/agent/sim-executor.ts";
import { JobState } from "../src/core/job-state.ts";

const { values } = parseArgs({
  options: {
    client: { type: "string" },
    target: { type: "string" },
    paths: { type: "string" },
    requests: { type: "string", default: "50000" },
    concurrency: { type: "string", default: "32" },
    posts: { type: "string", default: "3000" },
    "sse-clients": { type: "string", default: "100" },
    "sse-events": { type: "string", default: "2000" },
    big: { type: "string", default: "100000" },
    "poll-floor": { type: "string", default: "1000" },
  },
});

const g = globalThis as any;
const SPEC = { version: 1, executable: "/bin/true" };

// ---------------------------------------------------------------- client side

function target(t: string): { base: string; init: Record<string, unknown> } {
  return t.startsWith("unix:")
    ? { base: "http://agent", init: { unix: t.slice(5) } }
    : { base: t, init: {} };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function loadClient(kind: "get" | "post"): Promise<void> {
  const { base, init } = target(values.target!);
  // "seeded:N" stands for the N seeded job ids (too many for an argv list).
  const seeded = /^seeded:(\d+)$/.exec(values.paths ?? "");
  const paths = seeded
    ? Array.from({ length: Number(seeded[1]) }, (_, i) => `/v1/jobs/${seededId(i)}`)
    : (values.paths ?? "/v1/jobs").split(",");
  const total = Number(kind === "post" ? values.posts : values.requests);
  const conc = Number(values.concurrency);
  const lat: number[] = [];
  let next = 0, errors = 0;
  const body = JSON.stringify(SPEC);
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      const res = kind === "post"
        ? await fetch(base + "/v1/jobs", {
          ...init,
          method: "POST",
          body,
          headers: { "content-type": "application/json" },
        })
        : await fetch(base + paths[i % paths.length], init);
      await res.arrayBuffer();
      if (res.status >= 300) errors++;
      lat.push(performance.now() - t0);
    }
  };
  // warm-up (connections, JIT), not counted; a cold run warms up on the bare route so the
  // job view cache stays empty
  if (kind === "get") {
    await Promise.all(Array.from({ length: conc }, async (_, w) => {
      for (let i = 0; i < 50; i++) {
        const path = seeded ? "/bare" : paths[(w * 50 + i) % paths.length];
        await (await fetch(base + path, init)).arrayBuffer();
      }
    }));
  }
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conc }, worker));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  console.log(JSON.stringify({
    perSec: total / secs,
    p50: pct(lat, 0.5),
    p99: pct(lat, 0.99),
    errors,
  }));
}

async function sseClient(): Promise<void> {
  const { base, init } = target(values.target!);
  const clients = Number(values["sse-clients"]);
  const expect = Number(values["sse-events"]);
  const after = values.paths ?? "0";
  const done: number[] = [];
  let first = 0;
  const one = async () => {
    const res = await fetch(`${base}/v1/events?after=${after}`, init);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let count = 0, buf = "";
    while (count < expect) {
      const { value, done: end } = await reader.read();
      if (end) break;
      buf += dec.decode(value);
      let at;
      while ((at = buf.indexOf("\n\n")) >= 0) {
        if (buf.startsWith("id:")) {
          count++;
          first ||= performance.now();
        }
        buf = buf.slice(at + 2);
      }
    }
    done.push(performance.now());
    await reader.cancel();
  };
  const all = Array.from({ length: clients }, one);
  await new Promise((r) => setTimeout(r, 300));
  console.log("ready");
  await Promise.all(all);
  const secs = (Math.max(...done) - first) / 1000;
  console.log(
    JSON.stringify({ secs, delivered: clients * expect, perSec: (clients * expect) / secs }),
  );
}

// ---------------------------------------------------------------- server side

function runClient(args: string[], onLine?: (line: string) => void): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [process.argv[1], ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => {
      out += d;
      for (const line of d.split("\n")) if (line.trim() === "ready") onLine?.("ready");
    });
    child.on("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`client exited ${code}: ${out}`));
      resolve(JSON.parse(last));
    });
  });
}

function seededId(i: number): string {
  return `jb${i.toString(36).padStart(8, "0")}`;
}

function seed(store: JobStore, from: number, to: number): string[] {
  const ids: string[] = [];
  const specJson = specToJson({ executable: "/bin/echo", arguments: ["hello", "world"] });
  store.db.exec("BEGIN");
  for (let i = from; i < to; i++) {
    const id = seededId(i);
    ids.push(id);
    store.db.prepare(
      "INSERT INTO jobs (id, executor, native_id, spec, state, exit_code, seq, created_at, updated_at) VALUES (?, 'sim', ?, ?, 'COMPLETED', 0, 0, ?, ?)",
    ).run(id, `${i}.pbs-sim`, specJson, Date.now(), Date.now());
  }
  store.db.exec("COMMIT");
  // the transitions go through the store's own path (four per job)
  for (let i = from; i < to; i++) {
    const id = ids[i - from];
    store.db.exec(`UPDATE jobs SET state = 'NEW' WHERE id = '${id}'`);
    store.recordTransition(id, {
      state: JobState.QUEUED,
      time: Date.now(),
      metadata: { evidence: "submit" },
    });
    store.recordTransition(id, {
      state: JobState.COMPLETED,
      time: Date.now(),
      exitCode: 0,
      metadata: { evidence: "history" },
    });
  }
  return ids;
}

const mb = (n: number) => `${(n / 1048576).toFixed(0)} MiB`;
const fmt = (r: any) =>
  `${Math.round(r.perSec).toLocaleString("en-US").padStart(8)} req/s   p50 ${
    r.p50.toFixed(2)
  } ms   p99 ${r.p99.toFixed(2)} ms${r.errors ? `   errors ${r.errors}` : ""}`;

async function main(): Promise<void> {
  if (!g.Bun) {
    console.error("bench/agent.ts: run it with bun (npm run bench:agent)");
    return;
  }
  console.log(`psij-agent bench: bun ${g.Bun.version}, ${cpus().length} cores`);
  const home = mkdtempSync(join(tmpdir(), "psij-bench-agent-"));
  const store = new JobStore(join(home, "agent.db"));
  let t0 = performance.now();
  const ids = seed(store, 0, 10_000);
  console.log(
    `seeded 10,000 jobs (2 transitions + 4 synthesized each) in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s`,
  );

  // Model mode: jobs run 1 to 5 s of real time, so the poller tracks a realistic live set.
  const sim = createSimExecutor(join(home, "sim"), {
    mode: "model",
    runtimeMs: [1_000, 5_000],
    pollFloorMs: Number(values["poll-floor"]),
  });
  const service = new JobService({
    store,
    executors: { sim: sim.executor },
    defaultExecutor: "sim",
  });
  const app = createApp(service);
  const bare = new Hono().get("/bare", (c) => c.text("ok"));
  const fetch = (req: Request) => (req.url.endsWith("/bare") ? bare.fetch(req) : app.fetch(req));
  const sock = join(home, "agent.sock");
  const listeners: Listener[] = [
    await serve(fetch, { unix: sock }),
    await serve(fetch, { hostname: "127.0.0.1", port: 0 }),
  ];
  const [unix, tcp] = listeners.map((l) => l.url);
  const sample = Array.from({ length: 200 }, (_, i) => `/v1/jobs/${ids[(i * 49) % ids.length]}`);
  const n = values.requests!, c = values.concurrency!;
  console.log(`\nGET cold: each of the 10,000 seeded jobs once, empty view cache (unix socket)`);
  const cold = await runClient([
    "--client",
    "get",
    "--target",
    unix,
    "--paths",
    "seeded:10000",
    "--requests",
    "10000",
    "--concurrency",
    c,
  ]);
  console.log(`  ${"".padEnd(13)} GET /v1/jobs/{id} ${fmt(cold)}`);
  console.log(
    `\nGET warm (${n} requests over 200 jobs, ${c} in flight, client in a second process)`,
  );
  for (const [name, t] of [["unix socket", unix], ["loopback TCP", tcp]]) {
    const job = await runClient([
      "--client",
      "get",
      "--target",
      t,
      "--paths",
      sample.join(","),
      "--requests",
      n,
      "--concurrency",
      c,
    ]);
    const bareR = await runClient([
      "--client",
      "get",
      "--target",
      t,
      "--paths",
      "/bare",
      "--requests",
      n,
      "--concurrency",
      c,
    ]);
    console.log(`  ${name.padEnd(13)} GET /v1/jobs/{id} ${fmt(job)}`);
    console.log(`  ${"".padEnd(13)} bare Hono route  ${fmt(bareR)}`);
  }

  console.log(
    `\nPOST /v1/jobs (${values.posts} jobs, 16 in flight, in-process PBS simulator, model mode, ` +
      `jobs run 1-5 s, poll floor ${values["poll-floor"]} ms)`,
  );
  const post = await runClient([
    "--client",
    "post",
    "--target",
    unix,
    "--posts",
    values.posts!,
    "--concurrency",
    "16",
  ]);
  console.log(`  unix socket   ${fmt(post).replace("req/s", "jobs/s")}`);

  const k = Number(values["sse-events"]), clients = values["sse-clients"]!;
  console.log(`\nSSE fan-out (${clients} clients, ${k} events)`);
  const after = String(store.lastEventId());
  const specJson = specToJson({ executable: "/bin/true" });
  const sse = runClient(
    [
      "--client",
      "sse",
      "--target",
      unix,
      "--sse-clients",
      clients,
      "--sse-events",
      String(k),
      "--paths",
      after,
    ],
    () => {
      for (let i = 0; i < k; i++) {
        const id = `sse${i}`;
        store.createJob({ id, executor: "sim", specJson, createdAt: Date.now(), stamp: id });
        service.failJob(id, "bench event");
      }
    },
  );
  const s = await sse;
  console.log(
    `  ${Math.round(s.perSec).toLocaleString("en-US")} events/s delivered (${
      s.delivered.toLocaleString("en-US")
    } in ${s.secs.toFixed(2)} s)`,
  );

  for (const l of listeners) await l.stop();
  await service.close();

  // RSS: a fresh agent process (store, service, simulator executor, app) over a
  // store of `big` jobs, after serving a GET for 10,000 of them.
  const big = Number(values.big);
  t0 = performance.now();
  for (let at = store.countJobs(); at < big; at += 10_000) {
    seed(store, at, Math.min(big, at + 10_000));
  }
  const seeded = store.countJobs();
  store.close();
  console.log(
    `\nseeded ${seeded.toLocaleString("en-US")} jobs in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s`,
  );
  const rss = await runClient(["--client", "rss", "--target", join(home, "agent.db")]);
  console.log(
    `  RSS of an agent over that store: ${mb(rss.rss)} after start, ${
      mb(rss.rssAfter)
    } after GET of 10,000 jobs (${
      Math.round(rss.perSec).toLocaleString("en-US")
    } in-process GET/s)`,
  );
  rmSync(home, { recursive: true, force: true });
}

async function rssClient(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "psij-bench-rss-"));
  const store = new JobStore(values.target!);
  const sim = createSimExecutor(join(dir, "sim"), { mode: "model", persist: false });
  const service = new JobService({
    store,
    executors: { sim: sim.executor },
    defaultExecutor: "sim",
  });
  const app = createApp(service);
  g.Bun?.gc(true);
  const rss = process.memoryUsage().rss;
  const ids = store.listJobs({ limit: 1000 }).jobs.map((j) => j.id);
  const t0 = performance.now();
  let n = 0;
  for (let page = 0, cursor: string | undefined; page < 10; page++) {
    const p = store.listJobs({ limit: 1000, cursor });
    cursor = p.nextCursor;
    for (const j of p.jobs) {
      await (await app.request(`/v1/jobs/${j.id}`)).text();
      n++;
    }
  }
  const perSec = n / ((performance.now() - t0) / 1000);
  g.Bun?.gc(true);
  console.log(
    JSON.stringify({ rss, rssAfter: process.memoryUsage().rss, perSec, ids: ids.length }),
  );
  await service.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
}

if (values.client === "get" || values.client === "post") await loadClient(values.client);
else if (values.client === "sse") await sseClient();
else if (values.client === "rss") await rssClient();
else await main();
