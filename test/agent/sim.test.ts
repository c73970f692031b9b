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
});
