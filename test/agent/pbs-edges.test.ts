/**
 * The agent over the PBS executor at two edges: a refused cancel (qdel could
 * not reach the server) answers 502 cancel-refused and takes back the stored
 * cancel request, so a later end of the job is not put down to the user; and
 * attaching by the short id a user types stores PBS's full id.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { createApp } from "../../src/agent/http/app.ts";
import { Job } from "../../src/core/job.ts";
import type { Clock } from "../../src/core/clock.ts";
import type { JobExecutor } from "../../src/core/executor.ts";
import { advance, rig } from "../pbs/helpers.ts";

/** A JobService and its API over an in-memory store, serving one executor as "pbs". */
function agentOver(executor: JobExecutor, clock: Clock) {
  const store = new JobStore(":memory:");
  const service = new JobService({
    store,
    executors: { pbs: executor },
    defaultExecutor: "pbs",
    clock,
  });
  const close = async () => {
    await service.close();
    store.close();
  };
  return { store, service, app: createApp(service), close };
}

describe("agent: a refused cancel", () => {
  it("answers 502 cancel-refused and keeps no cancel request; a later cancel is recorded", async () => {
    const { clock, executor, faults } = rig();
    const { store, service, app, close } = agentOver(executor, clock);
    try {
      const { job } = await service.submit({ version: 1, executable: "/bin/sleep", name: "r60" });
      await advance(clock, 3000);
      assert.equal(store.getJob(job.id)!.state, "ACTIVE");

      faults.inject({ kind: "connect", commands: ["qdel"], count: 1 });
      const refused = await app.request(`/v1/jobs/${job.id}/cancel`, {
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      assert.equal(refused.status, 502);
      const body = (await refused.json()) as { type: string; detail: string };
      assert.equal(body.type.split("/").at(-1), "cancel-refused");
      assert.match(body.detail, /Couldn't connect to cluster/);
      assert.equal(store.cancelRequestedAt(job.id), undefined, "the refused request is taken back");
      assert.equal(store.getJob(job.id)!.state, "ACTIVE");

      const ok = await app.request(`/v1/jobs/${job.id}/cancel`, {
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      assert.equal(ok.status, 200);
      assert.notEqual(store.cancelRequestedAt(job.id), undefined);
      assert.equal(((await ok.json()) as { state: string }).state, "CANCELED");
    } finally {
      await close();
    }
  });
});

describe("agent: attach by a short PBS id", () => {
  it("stores the full id PBS answers with; attaching by that id again finds the same job", async () => {
    const { clock, executor, newExecutor } = rig();
    // A job the agent never submitted, made through another client of the same PBS.
    const outside = new Job({ executable: "/bin/date", name: "r30" });
    const other = newExecutor();
    await other.submit(outside);
    await advance(clock, 2000);
    const full = outside.nativeId!;
    const { store, service, close } = agentOver(executor, clock);
    try {
      const { job, created } = await service.attach(full.split(".")[0]);
      assert.equal(created, true);
      assert.equal(store.getJob(job.id)!.nativeId, full);
      const again = await service.attach(full);
      assert.deepEqual([again.created, again.job.id], [false, job.id]);
    } finally {
      await close();
      await other.close();
    }
  });
});

describe("agent: a queued job's scheduler comment", () => {
  it("GET shows PBS's latest comment as the job's message; the history is unchanged", async () => {
    // One node of 4 cpus: the second 4-cpu job waits for the first.
    const { clock, executor } = rig({
      server: { nodes: [{ name: "n1", ncpus: 4, memBytes: 2 ** 33, ngpus: 0 }] },
    });
    const { service, app, close } = agentOver(executor, clock);
    try {
      const ncpus = 4;
      const big = { version: 1, executable: "/bin/date", resources: { processCount: ncpus } };
      await service.submit({ ...big, name: "r600" });
      const { job } = await service.submit({ ...big, name: "r5" });
      await advance(clock, 3000);
      const res = await app.request(`/v1/jobs/${job.id}`);
      const view = (await res.json()) as {
        state: string;
        message?: string;
        history: Array<{ state: string; message?: string }>;
      };
      assert.equal(view.state, "QUEUED");
      assert.match(view.message ?? "", /^Not Running: Insufficient amount of resource: ncpus/);
      assert.deepEqual(view.history.map((t) => t.state), ["QUEUED"]);
    } finally {
      await close();
    }
  });
});
