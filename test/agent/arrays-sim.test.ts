/**
 * Job arrays through the agent, the PBS executor and the in-process
 * simulator (model mode, virtual clock): one qsub -J, one qstat -t per
 * cycle, each element a job of its own with its own end, the array's
 * summary, the %limit kept, cancels of one element and of the whole array,
 * and an agent restart in the middle of an array.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/agent/http/app.ts";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { VirtualClock } from "../../src/core/clock.ts";
import { PbsExecutor } from "../../src/executors/pbs.ts";
import { Faults } from "../../simulator/faults.ts";
import { createSimRunner } from "../../simulator/runner.ts";
import { defaultNodes, type OutcomeQuery } from "../../simulator/server/config.ts";
import { SimServer } from "../../simulator/server/server.ts";
import { executeRig, RecordingRunner } from "../pbs/helpers.ts";

const FAILING = new Set([7, 42, 93]);

function outcome(q: OutcomeQuery) {
  if (q.arrayIndex === undefined) return undefined;
  // Elements of different lengths, so they end in an order of their own.
  const runtimeMs = 20_000 + (q.arrayIndex % 7) * 5_000;
  return { runtimeMs, exitStatus: FAILING.has(q.arrayIndex) ? 3 : 0 };
}

function setup(dir: string, clock: VirtualClock, server: SimServer, store: JobStore) {
  const runner = new RecordingRunner(createSimRunner(server, new Faults()));
  const executor = new PbsExecutor({
    workDir: join(dir, "work"),
    runner,
    clock,
    pollFloorMs: 1000,
    pollCeilingMs: 5000,
  });
  const service = new JobService({
    store,
    executors: { sim: executor },
    defaultExecutor: "sim",
    clock,
  });
  return { runner, executor, service, app: createApp(service) };
}

function world() {
  const dir = mkdtempSync(join(tmpdir(), "psij-agent-arrays-"));
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const server = new SimServer({
    clock,
    mode: "model",
    nodes: defaultNodes(4, 8, 16, 0, "node"), // 32 cpus: the %10 is what holds them back
    outcome,
  });
  return { dir, clock, server };
}

const SPEC = {
  version: 1,
  executable: "/bin/true",
  name: "arr",
  attributes: { duration: 3600 },
};

async function json(res: Response | Promise<Response>): Promise<any> {
  return await (await res).json();
}

async function submit(app: ReturnType<typeof createApp>, spec: object) {
  const res = await app.request("/v1/jobs", {
    method: "POST",
    body: JSON.stringify(spec),
    headers: { "content-type": "application/json" },
  });
  assert.equal(res.status, 201, await res.clone().text());
  return await json(res);
}

const POST = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };
const SLOW = { timeout: 120_000 };
const isFinal = (s: string) => ["COMPLETED", "FAILED", "CANCELED"].includes(s);

/** Advances virtual time until `done` holds (a deadline on virtual time, not on speed). */
async function until(clock: VirtualClock, done: () => boolean, each?: () => void) {
  for (let i = 0; i < 5000 && !done(); i++) {
    await clock.advance(1000);
    each?.();
  }
  assert.ok(done(), "the condition held within the virtual deadline");
}

describe("job arrays over the PBS simulator", () => {
  it(
    "a 100-element array with %10 where three fail: their own FAILED, the others COMPLETED, the summary right, never more than 10 running, one qstat per cycle",
    SLOW,
    async () => {
      const { dir, clock, server } = world();
      const store = new JobStore(":memory:");
      const { app, service, runner, executor } = setup(dir, clock, server, store);
      try {
        const arr = await submit(app, { ...SPEC, array: "1-100%10" });
        assert.match(arr.nativeId, /^\d+\[\]\./);
        assert.equal(runner.count("qsub"), 1, "one qsub for the whole array");
        const first = await json(app.request(`/v1/jobs/${encodeURIComponent(`${arr.id}[1]`)}`));
        assert.equal(first.nativeId, arr.nativeId.replace("[]", "[1]"));
        let maxRunning = 0;
        const ids = Array.from({ length: 100 }, (_, i) => `${arr.id}[${i + 1}]`);
        const done = () => isFinal(store.getJob(arr.id)!.state);
        await until(clock, done, () => {
          const running = [...server.jobs.values()].filter((j) => j.parent && j.state === "R");
          maxRunning = Math.max(maxRunning, running.length);
        });
        assert.ok(maxRunning <= 10 && maxRunning >= 5, `at most 10 ran at once (${maxRunning})`);
        for (const [n, id] of ids.entries()) {
          const el = store.getJob(id)!;
          const failing = FAILING.has(n + 1);
          assert.equal(el.state, failing ? "FAILED" : "COMPLETED", id);
          assert.equal(el.exitCode, failing ? 3 : 0, id);
          const states = store.transitions(id).map((t) => t.state);
          assert.deepEqual(
            states.filter((s) => ["QUEUED", "ACTIVE"].includes(s) || isFinal(s)),
            ["QUEUED", "ACTIVE", failing ? "FAILED" : "COMPLETED"],
            `${id}: its own gap-free history (${states})`,
          );
          assert.equal(new Set(states).size, states.length);
          assert.equal(store.transitions(id).at(-1)!.evidence, "history");
        }
        const view = await json(app.request(`/v1/jobs/${arr.id}`));
        assert.equal(view.state, "FAILED");
        assert.deepEqual(view.array, {
          range: "1-100%10",
          size: 100,
          counts: { COMPLETED: 97, FAILED: 3 },
          final: true,
        });
        assert.match(view.message, /100 elements: .*97 COMPLETED.*3 FAILED|3 FAILED.*97 COMPLETED/);
        const stats = executor.pollerStats();
        assert.equal(stats.commands, stats.cycles, "one status command per cycle");
        const left = readdirSync(join(dir, "work")).filter((f) => f.endsWith(".job"));
        assert.deepEqual(left, [], "the array's script goes with its last element");
        const qstats = runner.calls.filter((c) => c[0] === "qstat");
        assert.ok(qstats.every((c) => c.includes("-t") && c.at(-1) === arr.nativeId));
      } finally {
        await service.close();
        store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it(
    "cancels one element (it alone ends CANCELED), then the whole array with one qdel; elements that ended on their own keep their end",
    SLOW,
    async () => {
      const { dir, clock, server } = world();
      const store = new JobStore(":memory:");
      const { app, service, runner } = setup(dir, clock, server, store);
      try {
        const arr = await submit(app, { ...SPEC, array: "0-19:1%4" });
        const el = (i: number) => store.getJob(`${arr.id}[${i}]`)!;
        await until(clock, () => el(0).state === "ACTIVE");
        const one = await app.request(
          `/v1/jobs/${encodeURIComponent(`${arr.id}[0]`)}/cancel`,
          POST,
        );
        assert.ok(one.status < 300, await one.text());
        await until(clock, () => isFinal(el(0).state));
        assert.equal(el(0).state, "CANCELED", JSON.stringify(store.transitions(el(0).id)));
        assert.ok(!isFinal(el(19).state), "the others go on");
        await until(clock, () => el(5).state === "COMPLETED");
        const before = runner.count("qdel");
        const all = await app.request(`/v1/jobs/${arr.id}/cancel`, POST);
        assert.ok(all.status < 300, await all.text());
        assert.equal(runner.count("qdel"), before + 1, "one qdel for the whole array");
        await until(clock, () => isFinal(store.getJob(arr.id)!.state));
        assert.equal(el(5).state, "COMPLETED", "an element that had ended keeps its end");
        assert.equal(el(19).state, "CANCELED");
        const view = await json(app.request(`/v1/jobs/${arr.id}`));
        // Element 7 fails on its own if it ran before the cancel: then the array is FAILED.
        const failed = [...Array(20).keys()].filter((i) => el(i).state === "FAILED");
        assert.ok(failed.every((i) => FAILING.has(i) && el(i).exitCode === 3), `${failed}`);
        assert.equal(view.state, failed.length ? "FAILED" : "CANCELED");
        assert.equal(view.array.final, true);
        const c = view.array.counts;
        assert.equal((c.COMPLETED ?? 0) + (c.CANCELED ?? 0) + (c.FAILED ?? 0), 20);
        assert.ok(c.CANCELED >= 10, JSON.stringify(c));
      } finally {
        await service.close();
        store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it(
    "an agent stopped in the middle of an array, then restarted, ends every element true",
    SLOW,
    async () => {
      const { dir, clock, server } = world();
      const path = join(dir, "agent.db");
      const store = new JobStore(path);
      const a = setup(dir, clock, server, store);
      let b: ReturnType<typeof setup> | undefined;
      try {
        const arr = await submit(a.app, { ...SPEC, array: "1-30%10" });
        await until(clock, () => store.getJob(`${arr.id}[3]`)!.state === "COMPLETED");
        await a.service.close(); // the agent goes; PBS keeps running the array
        await clock.advance(60_000); // elements end while no agent watches
        b = setup(dir, clock, server, store);
        const report = await b.service.recover();
        assert.equal(report.failed.length, 0, JSON.stringify(report.failed));
        await until(clock, () => isFinal(store.getJob(arr.id)!.state));
        for (let i = 1; i <= 30; i++) {
          const el = store.getJob(`${arr.id}[${i}]`)!;
          assert.equal(el.state, FAILING.has(i) ? "FAILED" : "COMPLETED", el.id);
          const states = store.transitions(el.id).map((t) => t.state);
          assert.equal(new Set(states).size, states.length, `${el.id}: each state once`);
        }
        assert.equal(store.getJob(arr.id)!.state, "FAILED");
        const stats = b.executor.pollerStats();
        assert.equal(stats.commands, stats.cycles, "after the restart too, one qstat per cycle");
      } finally {
        await b?.service.close();
        store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it(
    "a spec with an array is refused at $.array by an executor that runs none, and nothing is recorded",
    SLOW,
    async () => {
      const { LocalJobExecutor } = await import("../../src/executors/local.ts");
      // An executor that runs no arrays (every built-in one now does).
      class NoArrays extends LocalJobExecutor {
        override get runsArrays(): boolean {
          return false;
        }
      }
      const store = new JobStore(":memory:");
      const service = new JobService({
        store,
        executors: { local: new NoArrays() },
        defaultExecutor: "local",
      });
      try {
        await assert.rejects(
          service.submit({ version: 1, executable: "/bin/true", array: "1-3" }),
          /\$\.array: the local executor does not run job arrays/,
        );
        assert.equal(store.countJobs(), 0);
      } finally {
        await service.close();
        store.close();
      }
    },
  );
});

describe("job arrays over the PBS simulator (execute mode: real processes)", () => {
  it(
    "each element finds its index in PSIJ_ARRAY_INDEX and PBS_ARRAY_INDEX, and {index} in stdoutPath keeps their output apart",
    SLOW,
    async () => {
      const r = executeRig("psij-agent-array-exec-");
      const store = new JobStore(":memory:");
      const service = new JobService({
        store,
        executors: { sim: r.executor() },
        defaultExecutor: "sim",
      });
      try {
        const out = join(r.base, "out");
        mkdirSync(out);
        const { job } = await service.submit({
          version: 1,
          executable: "/bin/sh",
          arguments: [
            "-c",
            'echo "idx=$PSIJ_ARRAY_INDEX pbs=$PBS_ARRAY_INDEX"; exit $((PSIJ_ARRAY_INDEX % 4))',
          ],
          stdoutPath: `${out}/o'{index}'.txt`,
          stderrPath: `${out}/e.{index}`,
          directory: r.base,
          array: "2-8:3%2",
        });
        const deadline = Date.now() + 60_000;
        while (!isFinal(store.getJob(job.id)!.state) && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 100));
        }
        for (const i of [2, 5, 8]) {
          const el = store.getJob(`${job.id}[${i}]`)!;
          assert.equal(el.exitCode, i % 4, `${el.id}: ${el.message}`);
          assert.equal(el.state, i % 4 ? "FAILED" : "COMPLETED");
          assert.equal(readFileSync(`${out}/o'${i}'.txt`, "utf8"), `idx=${i} pbs=${i}\n`);
        }
        assert.equal(store.getJob(job.id)!.state, "FAILED");
      } finally {
        await service.close();
        await r.close();
        store.close();
      }
    },
  );
});
