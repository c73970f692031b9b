/**
 * The agent over the PBS executor and the in-process simulator on a virtual
 * clock: a job through its states, a scheduler that stops answering, and a
 * restart that finds the simulator's jobs again.
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

function simAgent(clock: VirtualClock, server: SimServer, store: JobStore, dir: string) {
  const faults = new Faults();
  const executor = new PbsExecutor({
    workDir: join(dir, "work"),
    runner: createSimRunner(server, faults),
    clock,
  });
  const service = new JobService({ store, executors: { sim: executor }, defaultExecutor: "sim" });
  return { faults, executor, service, app: createApp(service) };
}

async function json(res: Response | Promise<Response>): Promise<any> {
  return await (await res).json();
}

const SPEC = { version: 1, executable: "/bin/true", attributes: { duration: 3600 } };

describe("agent over the PBS simulator (virtual clock)", () => {
  it("keeps serving while qstat fails, reports degraded, and moves on when PBS answers again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-agent-sim-"));
    try {
      const clock = new VirtualClock();
      const server = new SimServer({ clock, mode: "model" });
      const { app, faults } = simAgent(clock, server, new JobStore(":memory:"), dir);
      const post = await app.request("/v1/jobs", {
        method: "POST",
        body: JSON.stringify(SPEC),
        headers: { "content-type": "application/json" },
      });
      assert.equal(post.status, 201);
      const job = await json(post);
      server.setOutcome(job.nativeId.split(".")[0], { runtimeMs: 600_000, exitStatus: 0 });
      faults.inject({ kind: "connect", commands: ["qstat"], count: 1_000_000 });
      await clock.advance(120_000);
      const health = await json(app.request("/v1/health"));
      assert.equal(health.status, "degraded");
      assert.match(health.executors.sim.lastError, /qstat/);
      const during = await json(app.request(`/v1/jobs/${job.id}`));
      assert.equal(during.state, "QUEUED", "a failing status command changes no job");
      faults.clear();
      for (
        let i = 0;
        i < 40 && (await json(app.request(`/v1/jobs/${job.id}`))).state !== "COMPLETED";
        i++
      ) {
        await clock.advance(60_000);
      }
      const done = await json(app.request(`/v1/jobs/${job.id}`));
      assert.equal(done.state, "COMPLETED");
      assert.equal(done.exitCode, 0);
      assert.equal((await json(app.request("/v1/health"))).status, "ok");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("re-attaches a job across an agent restart and sees it finish", async () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-agent-sim-"));
    try {
      const clock = new VirtualClock();
      const server = new SimServer({ clock, mode: "model" });
      const store = new JobStore(join(dir, "agent.db"));
      const first = simAgent(clock, server, store, dir);
      const job = await json(
        first.app.request("/v1/jobs", {
          method: "POST",
          body: JSON.stringify(SPEC),
          headers: { "content-type": "application/json" },
        }),
      );
      server.setOutcome(job.nativeId.split(".")[0], { runtimeMs: 300_000, exitStatus: 4 });
      await first.service.close(); // the agent goes away; PBS keeps the job

      const second = simAgent(clock, server, store, dir);
      const report = await second.service.recover();
      assert.deepEqual(report.reattached, [job.id]);
      for (let i = 0; i < 40 && second.service.getRecord(job.id).state !== "FAILED"; i++) {
        await clock.advance(60_000);
      }
      const done = await json(second.app.request(`/v1/jobs/${job.id}`));
      assert.equal(done.state, "FAILED");
      assert.equal(done.exitCode, 4);
      const states = done.history.map((t: { state: string }) => t.state);
      assert.equal(new Set(states).size, states.length, "each state once");
      await second.service.close();
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stores no transition before the one stored before it: event times never go backwards, a quick failure passes ACTIVE", async () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-agent-sim-"));
    try {
      const clock = new VirtualClock(Date.UTC(2026, 0, 1) + 437); // off the whole second
      const server = new SimServer({
        clock,
        mode: "model",
        outcome: (q) =>
          q.name === "quickfail"
            ? { runtimeMs: 0, exitStatus: 1 }
            : { runtimeMs: 5000, exitStatus: 0 },
      });
      const store = new JobStore(":memory:");
      const { app, service } = simAgent(clock, server, store, dir);
      const post = async (name: string) =>
        await json(app.request("/v1/jobs", {
          method: "POST",
          body: JSON.stringify({ ...SPEC, name }),
          headers: { "content-type": "application/json" },
        }));
      const quick = await post("quickfail");
      await clock.advance(463);
      const later = await post("fivesec");
      for (let i = 0; i < 60 && service.getRecord(later.id).state !== "COMPLETED"; i++) {
        await clock.advance(1000);
      }
      const events = store.eventsAfter(0);
      for (let i = 1; i < events.length; i++) {
        assert.ok(
          events[i].time >= events[i - 1].time,
          `event ${events[i].eventId} at ${events[i].time}, before event ` +
            `${events[i - 1].eventId} at ${events[i - 1].time}`,
        );
      }
      const failed = await json(app.request(`/v1/jobs/${quick.id}`));
      assert.equal(failed.state, "FAILED");
      assert.deepEqual(
        failed.history.map((t: { state: string }) => t.state),
        ["QUEUED", "STAGE_IN", "ACTIVE", "FAILED"],
      );
      // PBS's whole-second obittime, kept beside the time the agent saw the end.
      const end = failed.history.at(-1);
      assert.match(end.schedulerTime, /:\d\d\.000Z$/);
      assert.ok(Date.parse(end.time) >= Date.parse(end.schedulerTime));
      await service.close();
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
