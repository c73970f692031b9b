/**
 * The agent and a refused cancel (qdel could not reach the server): the API
 * says so (502 cancel-refused), and the stored cancel request is taken back,
 * so a restart does not put the job's later end down to the user.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { createApp } from "../../src/agent/http/app.ts";
import { advance, rig } from "../pbs/helpers.ts";

describe("agent: a refused cancel", () => {
  it("answers 502 cancel-refused and keeps no cancel request; a later cancel is recorded", async () => {
    const { clock, executor, faults } = rig();
    const store = new JobStore(":memory:");
    const service = new JobService({
      store,
      executors: { pbs: executor },
      defaultExecutor: "pbs",
      clock,
    });
    const app = createApp(service);
    try {
      const { job } = await service.submit({ version: 1, executable: "/bin/sleep", name: "r60" });
      await advance(clock, 3000);
      assert.equal(store.getJob(job.id)!.state, "ACTIVE");

      faults.inject({ kind: "connect", commands: ["qdel"], count: 1 });
      const refused = await app.request(`/v1/jobs/${job.id}/cancel`, { method: "POST" });
      assert.equal(refused.status, 502);
      const body = (await refused.json()) as { type: string; detail: string };
      assert.equal(body.type.split("/").at(-1), "cancel-refused");
      assert.match(body.detail, /Couldn't connect to cluster/);
      assert.equal(store.cancelRequestedAt(job.id), undefined, "the refused request is taken back");
      assert.equal(store.getJob(job.id)!.state, "ACTIVE");

      const ok = await app.request(`/v1/jobs/${job.id}/cancel`, { method: "POST" });
      assert.equal(ok.status, 200);
      assert.notEqual(store.cancelRequestedAt(job.id), undefined);
      assert.equal(((await ok.json()) as { state: string }).state, "CANCELED");
    } finally {
      await service.close();
      store.close();
    }
  });
});
