/**
 * Dependencies and holds (issue 13, items 2, 3, 7) through the agent's API
 * over the PBS executor and the in-process simulator, on a virtual clock:
 * a chain a → b → c (afterok) where a fails, a chain that completes, a job
 * submitted held and released later, and the ids a dependency may name.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/agent/http/app.ts";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { VirtualClock } from "../../src/core/clock.ts";
import { PbsExecutor } from "../../src/executors/pbs.ts";
import { Faults } from "../../simulator/faults.ts";
import { createSimRunner } from "../../simulator/runner.ts";
import { SimServer } from "../../simulator/server/server.ts";

const SPEC = { version: 1, executable: "/bin/true", attributes: { duration: 3600 } };

function simAgent() {
  const dir = mkdtempSync(join(tmpdir(), "psij-agent-deps-"));
  const clock = new VirtualClock();
  const server = new SimServer({ clock, mode: "model" });
  const other = new SimServer({ clock, mode: "model" });
  const commands: string[][] = [];
  const inner = createSimRunner(server, new Faults());
  const runner = {
    run(argv: string[], opts?: any) {
      commands.push(argv);
      return inner.run(argv, opts);
    },
  };
  const executor = new PbsExecutor({ workDir: join(dir, "work"), runner, clock });
  const foreign = new PbsExecutor({
    workDir: join(dir, "other"),
    runner: createSimRunner(other, new Faults()),
    clock,
  });
  const service = new JobService({
    store: new JobStore(":memory:"),
    executors: { sim: executor, other: foreign },
    defaultExecutor: "sim",
    clock,
  });
  const app = createApp(service);
  const post = async (path: string, body?: unknown) => {
    const res = await app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() as any };
  };
  const get = async (id: string) => await (await app.request(`/v1/jobs/${id}`)).json() as any;
  /** Advances the clock a minute at a time until `done` (at most `minutes`). */
  const until = async (done: () => Promise<boolean>, minutes = 60) => {
    for (let i = 0; i < minutes && !(await done()); i++) await clock.advance(60_000);
    return done();
  };
  const close = async () => {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { server, service, post, get, until, commands, close };
}

const seq = (nativeId: string) => nativeId.split(".")[0];

describe("dependencies between agent jobs (PBS simulator)", () => {
  it("a chain a → b → c (afterok) where a fails ends b and c FAILED, naming the dependency and how it ended", async () => {
    const t = simAgent();
    try {
      const a = (await t.post("/v1/jobs", SPEC)).body;
      t.server.setOutcome(seq(a.nativeId), { runtimeMs: 120_000, exitStatus: 3 });
      const b = await t.post("/v1/jobs", { ...SPEC, dependsOn: [{ job: a.id, when: "ok" }] });
      assert.equal(b.status, 201);
      const c = await t.post("/v1/jobs", { ...SPEC, dependsOn: [{ job: b.body.id }] });
      assert.equal(c.status, 201);
      // The scheduler got the native ids, as qsub -W depend=afterok:<id>.
      const qsubs = t.commands.filter((argv) => argv[0] === "qsub").length;
      assert.equal(qsubs, 3);
      const done = await t.until(async () => (await t.get(c.body.id)).state === "FAILED");
      assert.ok(done, "c ends");
      const [ja, jb, jc] = [await t.get(a.id), await t.get(b.body.id), await t.get(c.body.id)];
      assert.equal(ja.state, "FAILED");
      assert.equal(ja.exitCode, 3);
      assert.equal(jb.state, "FAILED", "b is not CANCELED: nobody canceled it");
      assert.match(
        jb.message,
        new RegExp(`job ${a.id} ended FAILED with exit code 3.*\\(when ok\\)`),
      );
      assert.equal(jb.history.at(-1).evidence, "dependency");
      assert.ok(!jb.history.some((h: any) => h.state === "ACTIVE"), "b never ran");
      assert.equal(jc.state, "FAILED");
      assert.match(jc.message, new RegExp(`job ${b.body.id} ended FAILED, .*\\(when ok\\)`));
      assert.ok(!jc.history.some((h: any) => h.state === "ACTIVE"), "c never ran");
    } finally {
      await t.close();
    }
  });

  it("afterok waits for the dependency to complete, then runs; notok of a completed job never runs", async () => {
    const t = simAgent();
    try {
      const a = (await t.post("/v1/jobs", SPEC)).body;
      t.server.setOutcome(seq(a.nativeId), { runtimeMs: 600_000, exitStatus: 0 });
      const b = (await t.post("/v1/jobs", { ...SPEC, dependsOn: [{ job: a.id }] })).body;
      const n = (await t.post("/v1/jobs", { ...SPEC, dependsOn: [{ job: a.id, when: "notok" }] }))
        .body;
      await t.until(async () => (await t.get(a.id)).state === "ACTIVE");
      const waiting = await t.get(b.id);
      assert.equal(waiting.state, "QUEUED", "b waits while a runs");
      assert.equal(waiting.message, `waiting for job ${a.id}`);
      assert.ok(await t.until(async () => (await t.get(b.id)).state === "COMPLETED"));
      const ja = await t.get(a.id);
      const jb = await t.get(b.id);
      const aEnd = Date.parse(ja.history.at(-1).time);
      const bRan = Date.parse(jb.history.find((h: any) => h.state === "ACTIVE").time);
      assert.ok(bRan >= aEnd, "b ran only after a completed");
      assert.ok(await t.until(async () => (await t.get(n.id)).state === "FAILED"));
      assert.match(
        (await t.get(n.id)).message,
        /ended COMPLETED with exit code 0, .* failed \(when notok\)/,
      );
      // Named after its dependency ended: decided at once, nothing sent.
      const late = await t.post("/v1/jobs", { ...SPEC, dependsOn: [{ job: a.id, when: "notok" }] });
      assert.equal(late.status, 201);
      assert.equal(late.body.state, "FAILED");
      assert.equal(late.body.nativeId, undefined);
      const after = await t.post("/v1/jobs", { ...SPEC, dependsOn: [{ job: a.id, when: "any" }] });
      assert.ok(after.body.nativeId, "a met dependency is dropped and the job sent");
    } finally {
      await t.close();
    }
  });

  it("a job can depend on a whole array (afterok on its native id 1[].server)", async () => {
    const t = simAgent();
    try {
      const arr = (await t.post("/v1/jobs", { ...SPEC, array: "1-3" })).body;
      const b = (await t.post("/v1/jobs", { ...SPEC, dependsOn: [{ job: arr.id }] })).body;
      assert.equal(b.message, `waiting for job ${arr.id}`);
      const qsubB = t.commands.filter((argv) => argv[0] === "qsub").at(-1)!;
      assert.ok(qsubB, "b was sent to PBS");
      assert.ok(await t.until(async () => (await t.get(b.id)).state === "COMPLETED"));
      assert.equal((await t.get(arr.id)).state, "COMPLETED");
      // PBS's own stamps: b started after the last element ended.
      const at = (h: any[], state: string) =>
        Date.parse(h.find((x) => x.state === state).schedulerTime);
      const started = at((await t.get(b.id)).history, "ACTIVE");
      for (const i of [1, 2, 3]) {
        const ended = at((await t.get(`${arr.id}[${i}]`)).history, "COMPLETED");
        assert.ok(started >= ended, `b started after element ${i} ended`);
      }
    } finally {
      await t.close();
    }
  });

  it("a dependency on an unknown id or on another executor's job is a 422 naming the field", async () => {
    const t = simAgent();
    try {
      const unknown = await t.post("/v1/jobs", { ...SPEC, dependsOn: [{ job: "j-nope" }] });
      assert.equal(unknown.status, 422);
      assert.match(JSON.stringify(unknown.body), /\$\.dependsOn\[0\]\.job/);
      assert.match(unknown.body.detail, /no job with id "j-nope"/);
      const theirs = (await t.post("/v1/jobs?executor=other", SPEC)).body;
      const foreign = await t.post("/v1/jobs", {
        ...SPEC,
        dependsOn: [{ job: theirs.id, when: "any" }],
      });
      assert.equal(foreign.status, 422);
      assert.match(foreign.body.detail, /\$\.dependsOn\[0\]\.job: .*other executor/);
      const badWhen = await t.post("/v1/jobs", {
        ...SPEC,
        dependsOn: [{ job: theirs.id, when: "x" }],
      });
      assert.equal(badWhen.status, 422);
      assert.match(badWhen.body.detail, /\$\.dependsOn\[0\]\.when/);
      assert.equal(t.service.list({}).jobs.length, 1, "nothing refused was recorded");
    } finally {
      await t.close();
    }
  });
});

describe("holds (PBS simulator)", () => {
  it("a job submitted held stays QUEUED with held: true until released, then runs", async () => {
    const t = simAgent();
    try {
      const posted = await t.post("/v1/jobs", { ...SPEC, hold: true });
      assert.equal(posted.status, 201);
      const id = posted.body.id;
      t.server.setOutcome(seq(posted.body.nativeId), { runtimeMs: 60_000, exitStatus: 0 });
      await t.until(async () => (await t.get(id)).held === true, 5);
      const held = await t.get(id);
      assert.equal(held.state, "QUEUED");
      assert.equal(held.held, true);
      // Virtual hours pass: a held job does not start.
      assert.equal(await t.until(async () => (await t.get(id)).state !== "QUEUED", 30), false);
      assert.equal((await t.get(id)).held, true);
      const released = await t.post(`/v1/jobs/${id}/release`);
      assert.equal(released.status, 200);
      assert.equal(released.body.held, undefined);
      assert.ok(t.commands.some((argv) => argv[0] === "qrls"));
      assert.ok(await t.until(async () => (await t.get(id)).state === "COMPLETED"));
      assert.equal((await t.get(id)).held, undefined);
      const again = await t.post(`/v1/jobs/${id}/hold`);
      assert.equal(again.status, 409, "a final job cannot be held");
    } finally {
      await t.close();
    }
  });

  it("hold and release a queued job through the API (qhold, qrls)", async () => {
    const t = simAgent();
    try {
      const a = (await t.post("/v1/jobs", SPEC)).body;
      t.server.setOutcome(seq(a.nativeId), { runtimeMs: 600_000, exitStatus: 0 });
      // b waits for a in PBS (state H, Hold_Types s): that is not a hold.
      const b = (await t.post("/v1/jobs", { ...SPEC, dependsOn: [{ job: a.id }] })).body;
      await t.until(() => Promise.resolve(false), 2);
      assert.equal((await t.get(b.id)).held, undefined, "waiting for a dependency is not held");
      const held = await t.post(`/v1/jobs/${b.id}/hold`);
      assert.equal(held.status, 200, JSON.stringify(held.body));
      assert.equal(held.body.held, true);
      assert.ok(t.commands.some((argv) => argv[0] === "qhold" && argv[1] === b.nativeId));
      await t.until(() => Promise.resolve(false), 3);
      const seen = await t.get(b.id);
      assert.equal(seen.held, true, "the scheduler's record agrees (state H, Hold_Types u)");
      assert.equal(seen.state, "QUEUED");
      const released = await t.post(`/v1/jobs/${b.id}/release`);
      assert.equal(released.status, 200);
      assert.equal(released.body.held, undefined);
      assert.ok(t.commands.some((argv) => argv[0] === "qrls" && argv[1] === b.nativeId));
      assert.ok(await t.until(async () => (await t.get(b.id)).state === "COMPLETED"));
      assert.equal((await t.get(a.id)).state, "COMPLETED");
    } finally {
      await t.close();
    }
  });
});

describe("dependencies across an agent restart (PBS simulator)", () => {
  it("a dependency that fails while the agent is down: after the restart the dependent is FAILED naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-agent-deps-restart-"));
    try {
      const clock = new VirtualClock();
      const server = new SimServer({ clock, mode: "model" });
      const store = new JobStore(join(dir, "agent.db"));
      const agent = () =>
        new JobService({
          store,
          executors: {
            sim: new PbsExecutor({
              workDir: join(dir, "work"),
              runner: createSimRunner(server, new Faults()),
              clock,
            }),
          },
          defaultExecutor: "sim",
        });
      const first = agent();
      const a = (await first.submit(SPEC)).job;
      server.setOutcome(seq(a.nativeId!), { runtimeMs: 120_000, exitStatus: 2 });
      const b = (await first.submit({ ...SPEC, dependsOn: [{ job: a.id }] })).job;
      await first.close(); // the agent goes away; PBS runs a, fails it and deletes b
      for (let i = 0; i < 10; i++) await clock.advance(60_000);

      const second = agent();
      await second.recover();
      const deadline = 60;
      for (let i = 0; i < deadline && !isFinalState(second.getRecord(b.id).state); i++) {
        await clock.advance(60_000);
      }
      const rb = second.getRecord(b.id);
      assert.equal(second.getRecord(a.id).state, "FAILED");
      assert.equal(rb.state, "FAILED", rb.message);
      assert.match(rb.message!, new RegExp(`^dependency never met: job ${a.id} ended FAILED`));
      await second.close();
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function isFinalState(s: string): boolean {
  return s === "COMPLETED" || s === "FAILED" || s === "CANCELED";
}

describe("dependencies when qsub's reply is lost (PBS simulator)", () => {
  it("a job sent again after a qsub that timed out without acting still carries its dependency's native id", async () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-agent-deps-resend-"));
    try {
      const clock = new VirtualClock();
      const server = new SimServer({
        clock,
        mode: "model",
        historyRetentionMs: 3_600_000,
        outcome: () => ({ runtimeMs: 600_000, exitStatus: 0 }),
      });
      const faults = new Faults();
      const service = new JobService({
        store: new JobStore(":memory:"),
        executors: {
          pbs: new PbsExecutor({
            workDir: join(dir, "work"),
            runner: createSimRunner(server, faults),
            clock,
            commandTimeoutMs: 5000,
            historyRetentionMs: 3_600_000,
            env: {},
            home: dir,
          }),
        },
        defaultExecutor: "pbs",
        clock,
      });
      const settle = async <T>(p: Promise<T>): Promise<T> => {
        let done = false;
        p.then(() => (done = true), () => (done = true));
        for (let t = 0; !done && t < 3_600_000; t += 1000) await clock.advance(1000);
        return await p;
      };
      const a = (await service.submit(SPEC)).job;
      faults.inject({ kind: "hang", commands: ["qsub"], count: 1, ms: 3_600_000, acts: false });
      const b = (await settle(service.submit({ ...SPEC, dependsOn: [{ job: a.id }] }))).job;
      assert.equal(b.state, "NEW", "qsub's reply was lost");
      await settle(service.settled());
      const rb = service.getRecord(b.id);
      assert.ok(rb.nativeId, `sent again: ${rb.state} ${rb.message}`);
      const simB = server.jobs.get(rb.nativeId!)!;
      assert.match(simB.dependText ?? "", new RegExp(`afterok:${a.nativeId!.replace(".", "\\.")}`));
      await service.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
