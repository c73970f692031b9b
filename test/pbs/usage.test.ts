/**
 * What a job used, as PBS reports it (simulator, execute mode): the queue,
 * the execution hosts, the time it waited, and resources_used from the
 * history record; and `status`'s lines for them.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createApp } from "../../src/agent/http/app.ts";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { formatJob } from "../../src/agent/cli/format.ts";
import { jobUsage } from "../../src/agent/cli/usage.ts";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import { execHosts } from "../../src/executors/pbs/usage.ts";
import { executeRig } from "./helpers.ts";

const rig = executeRig("psij-pbs-usage-");
after(rig.close);

describe("what a job used (PBS simulator, execute mode)", { timeout: 90_000 }, () => {
  it("exec_host's host names, in order, once each", () => {
    assert.deepEqual(execHosts("node1/0*2+node1/1+node2/0"), ["node1", "node2"]);
    assert.equal(execHosts(""), undefined);
    assert.equal(execHosts(undefined), undefined);
  });

  it("the end comes from the exit-code file; PBS's record then adds the queue, hosts, wait and resources_used", async () => {
    const job = new Job({ executable: "/bin/sleep", arguments: ["1"] });
    const ex = rig.executor();
    let facts: Record<string, unknown> | undefined;
    ex.addFinalFactsListener((j, f) => {
      if (j === job) facts = f;
    });
    await ex.submit(job);
    await job.wait({ timeout: 60_000 });
    assert.equal(job.status.state, JobState.COMPLETED, job.status.message);
    assert.equal(job.status.metadata?.evidence, "exit-code-file");
    for (let i = 0; i < 300 && !facts; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(facts, "PBS's record of the job never reached the final-facts listeners");
    assert.equal(facts.exitStatus, 0);
    assert.equal(facts.pbsState, "F");
    const m = { ...job.status.metadata, ...facts };
    const rec = rig.server.jobs.get(job.nativeId!)!;
    assert.equal(m.queue, rec.queue);
    // The rig's cluster is node01 and node02 (one chunk: one host).
    assert.equal((m.execHosts as string[]).length, 1);
    assert.match((m.execHosts as string[])[0], /^node0[12]$/);
    assert.equal(typeof m.queuedSeconds, "number");
    assert.ok((m.queuedSeconds as number) >= 0);
    const used = m.resourcesUsed as Record<string, unknown>;
    assert.ok(used && typeof used.walltime === "string", JSON.stringify(m));
  });

  it("status shows them, from the job's history", async () => {
    const service = new JobService({
      store: new JobStore(":memory:"),
      executors: { sim: rig.executor() },
      defaultExecutor: "sim",
    });
    const app = createApp(service);
    const res = await app.request("/v1/jobs", {
      method: "POST",
      body: JSON.stringify({
        version: 1,
        executable: "/bin/true",
        attributes: { queueName: "workq" },
      }),
      headers: { "content-type": "application/json" },
    });
    const { id } = await res.json() as any;
    let job: any;
    for (let i = 0; i < 600; i++) {
      job = await (await app.request(`/v1/jobs/${id}`)).json();
      if (job.state === "COMPLETED" || job.state === "FAILED") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(job.state, "COMPLETED", job.message);
    // Ended on its exit-code file; PBS's record, when it comes, is added to that final entry.
    const last = () => job.history[job.history.length - 1];
    assert.equal(last().evidence, "exit-code-file");
    for (let i = 0; i < 300 && last().metadata?.pbsState !== "F"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = await (await app.request(`/v1/jobs/${id}`)).json();
    }
    assert.equal(last().metadata?.pbsState, "F", JSON.stringify(last()));
    assert.equal(last().metadata?.exitStatus, 0);
    assert.equal(last().state, "COMPLETED");
    assert.equal(last().evidence, "exit-code-file");
    const u = jobUsage(job);
    assert.equal(u.queue, "workq");
    const text = formatJob(job);
    assert.match(text, /^queue {6}workq$/m);
    assert.match(text, new RegExp(`^hosts      ${u.execHosts![0]}$`, "m"));
    assert.match(text, /^waited {5}\d\d:\d\d:\d\d in the queue$/m);
    assert.match(text, /^used {7}.*walltime=/m);
    await service.close();
  });
});
