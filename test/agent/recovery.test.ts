import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { JobStore } from "../../src/agent/store/store.ts";
import { specToJson } from "../../src/agent/spec-input.ts";
import { parseJobSpecDocument } from "../../src/core/json/index.ts";
import { JobState } from "../../src/core/job-state.ts";
import { manualAgent, SPEC } from "./fixtures/agent.ts";
import { ManualScheduler } from "./fixtures/manual-executor.ts";
import { VirtualClock } from "../../src/core/clock.ts";

/** An agent that "died": its service is dropped, the store and the scheduler stay. */
async function restart(store: JobStore, scheduler: ManualScheduler, stampLookup = true) {
  const next = manualAgent({ store, scheduler, stampLookup });
  const report = await next.service.recover();
  return { ...next, report };
}

/** What a crash between recording the intent and recording qsub's reply leaves behind. */
function intentOnly(store: JobStore, id: string, createdAt = 1) {
  store.createJob({
    id,
    executor: "manual",
    specJson: specToJson(parseJobSpecDocument(SPEC)),
    createdAt,
    stamp: id,
  });
}

describe("restart recovery", () => {
  it("re-attaches every non-final job and records only what changed meanwhile", async () => {
    const first = manualAgent();
    const a = (await first.service.submit(SPEC)).job;
    const b = (await first.service.submit(SPEC)).job;
    first.executor.move(b.nativeId!, JobState.COMPLETED, 0);
    await first.service.close();
    first.scheduler.jobs.get(a.nativeId!)!.state = JobState.ACTIVE; // moved while the agent was down

    const { service, executor, report } = await restart(first.store, first.scheduler);
    assert.deepEqual(report.reattached, [a.id]);
    assert.equal(service.getRecord(a.id).state, JobState.ACTIVE);
    const states = service.history(a.id).map((t) => t.state);
    assert.deepEqual(states, ["QUEUED", "STAGE_IN", "ACTIVE"], "each transition once");
    executor.move(a.nativeId!, JobState.COMPLETED, 0);
    assert.equal(service.getRecord(a.id).state, JobState.COMPLETED);
    assert.equal(
      service.getRecord(b.id).seq,
      first.store.getJob(b.id)!.seq,
      "final jobs untouched",
    );
  });

  it("reconciles an intent whose reply was lost: found by its stamp, attached, not resubmitted", async () => {
    const store = new JobStore(":memory:");
    const scheduler = new ManualScheduler();
    intentOnly(store, "jlost");
    scheduler.jobs.set("9.manual", {
      nativeId: "9.manual",
      stamp: "jlost",
      state: JobState.QUEUED,
    });
    const { service, report } = await restart(store, scheduler);
    assert.deepEqual(report.reconciled, ["jlost"]);
    assert.equal(scheduler.jobs.size, 1, "nothing submitted twice");
    const job = service.getRecord("jlost");
    assert.equal(job.nativeId, "9.manual");
    assert.equal(job.state, JobState.QUEUED);
    assert.equal(store.getIntent("jlost")?.outcome, "reconciled");
  });

  it("submits an intent the scheduler provably never saw", async () => {
    const store = new JobStore(":memory:");
    const scheduler = new ManualScheduler();
    intentOnly(store, "jnever");
    const { service, report } = await restart(store, scheduler);
    assert.deepEqual(report.resubmitted, ["jnever"]);
    assert.equal(scheduler.jobs.size, 1);
    assert.equal(service.getRecord("jnever").state, JobState.QUEUED);
  });

  it("marks FAILED 'submission state unknown' when the executor cannot look stamps up", async () => {
    const store = new JobStore(":memory:");
    const scheduler = new ManualScheduler();
    intentOnly(store, "jq");
    const { service, report } = await restart(store, scheduler, false);
    assert.equal(report.failed.length, 1);
    const job = service.getRecord("jq");
    assert.equal(job.state, JobState.FAILED);
    assert.match(job.message!, /submission state unknown/);
    assert.equal(scheduler.jobs.size, 0, "never resubmitted blindly");
  });

  it("marks FAILED a job whose native id the scheduler no longer knows, saying so", async () => {
    const first = manualAgent();
    const a = (await first.service.submit(SPEC)).job;
    first.scheduler.jobs.delete(a.nativeId!);
    const { service, report } = await restart(first.store, first.scheduler);
    assert.equal(report.failed[0]?.id, a.id);
    assert.match(service.getRecord(a.id).message!, /attach to 1\.manual failed/);
  });

  it("waits out the settle time before deciding a young intent never arrived", async () => {
    const clock = new VirtualClock();
    const store = new JobStore(":memory:");
    const scheduler = new ManualScheduler();
    intentOnly(store, "jyoung", clock.now());
    const next = manualAgent({ store, scheduler, clock, intentSettleMs: 60_000 });
    let done = false;
    const recovering = next.service.recover().then((r) => {
      done = true;
      return r;
    });
    await clock.advance(30_000);
    assert.equal(done, false, "still inside the settle time");
    assert.equal(next.service.recovering, true);
    // the dead agent's qsub arrives late
    scheduler.jobs.set("3.manual", {
      nativeId: "3.manual",
      stamp: "jyoung",
      state: JobState.QUEUED,
    });
    await clock.advance(30_000);
    const report = await recovering;
    assert.deepEqual(report.reconciled, ["jyoung"]);
    assert.deepEqual(report.resubmitted, []);
    assert.equal(scheduler.jobs.size, 1, "not submitted twice");
    assert.equal(next.service.recovering, false);
  });

  it("leaves alone the jobs of an executor this agent does not serve", async () => {
    const store = new JobStore(":memory:");
    store.createJob({
      id: "jother",
      executor: "slurm",
      specJson: specToJson(parseJobSpecDocument(SPEC)),
      createdAt: 1,
      stamp: "jother",
    });
    store.recordNativeId("jother", "77", 2);
    store.recordTransition("jother", { state: JobState.ACTIVE, time: 3 });
    const { service, report } = await restart(store, new ManualScheduler());
    assert.deepEqual(report.untracked, ["jother"]);
    assert.equal(service.getRecord("jother").state, JobState.ACTIVE, "not declared failed");
  });
});
