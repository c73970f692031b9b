import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConflictError, SubmitFailedError } from "../../src/agent/errors.ts";
import { InvalidJobException } from "../../src/core/errors.ts";
import { JobState } from "../../src/core/job-state.ts";
import type { TransitionRecord } from "../../src/agent/store/types.ts";
import { manualAgent, SPEC } from "./fixtures/agent.ts";

describe("JobService", () => {
  it("submits: records the job, its native id and QUEUED, and closes the intent", async () => {
    const { service, store } = manualAgent();
    const { job, created } = await service.submit(SPEC);
    assert.equal(created, true);
    assert.equal(job.state, JobState.QUEUED);
    assert.equal(job.nativeId, "1.manual");
    assert.equal(store.getIntent(job.id)?.outcome, "submitted");
    assert.deepEqual(service.history(job.id).map((t) => t.evidence), ["submit"]);
  });

  it("accepts psij-python's snake_case form too", async () => {
    const { service } = manualAgent();
    const { job } = await service.submit({ executable: "/bin/true", stdout_path: "/tmp/x" });
    assert.equal(JSON.parse(job.specJson).stdoutPath, "/tmp/x");
  });

  it("rejects a malformed spec naming the field, and stores nothing", async () => {
    const { service, store } = manualAgent();
    await assert.rejects(
      service.submit({ version: 1, executable: "/bin/true", colour: "red" }),
      (err: unknown) => err instanceof InvalidJobException && err.field === "$.colour",
    );
    assert.equal(store.countJobs(), 0);
  });

  it("returns the first job for a repeated idempotency key, and refuses the key for another request", async () => {
    const { service, scheduler } = manualAgent();
    const a = await service.submit(SPEC, { idempotencyKey: "k-1" });
    const b = await service.submit(SPEC, { idempotencyKey: "k-1" });
    assert.equal(b.created, false);
    assert.equal(b.job.id, a.job.id);
    assert.equal(scheduler.jobs.size, 1, "submitted to the scheduler once");
    await assert.rejects(
      service.submit({ ...SPEC, arguments: ["other"] }, { idempotencyKey: "k-1" }),
      ConflictError,
    );
  });

  it("leaves a refused job FAILED with the scheduler's words", async () => {
    const { service, scheduler, store } = manualAgent();
    scheduler.refuseNext = "qsub: Unknown queue";
    let jobId = "";
    await assert.rejects(service.submit(SPEC), (err: unknown) => {
      assert.ok(err instanceof SubmitFailedError);
      jobId = err.jobId;
      return true;
    });
    const job = store.getJob(jobId)!;
    assert.equal(job.state, JobState.FAILED);
    assert.match(job.message!, /Unknown queue/);
    assert.equal(store.getIntent(jobId)?.outcome, "refused");
  });

  it("cancels a job (CANCELED), and a cancel of a final job changes nothing", async () => {
    const { service, executor } = manualAgent();
    const { job } = await service.submit(SPEC);
    const after = await service.cancel(job.id);
    assert.equal(after.state, JobState.CANCELED);
    const again = await service.cancel(job.id);
    assert.equal(again.state, JobState.CANCELED);
    executor.move(job.nativeId!, JobState.COMPLETED, 0);
    assert.equal(service.getRecord(job.id).state, JobState.CANCELED, "final is final");
  });

  it("attaches to a native id once; a second attach returns the same job", async () => {
    const { service, scheduler } = manualAgent();
    scheduler.jobs.set("77.manual", { nativeId: "77.manual", stamp: "x", state: JobState.ACTIVE });
    const a = await service.attach("77.manual");
    assert.equal(a.created, true);
    assert.equal(a.job.state, JobState.ACTIVE);
    const b = await service.attach("77.manual");
    assert.equal(b.created, false);
    assert.equal(b.job.id, a.job.id);
  });

  it("publishes every transition once, and a subscriber from an event id gets the rest", async () => {
    const { service, executor } = manualAgent();
    const live: TransitionRecord[] = [];
    const stopLive = service.subscribe(0, (e) => live.push(e));
    const { job } = await service.submit(SPEC);
    executor.move(job.nativeId!, JobState.ACTIVE);
    executor.move(job.nativeId!, JobState.COMPLETED, 0);
    await new Promise((r) => setTimeout(r, 10));
    stopLive();
    assert.deepEqual(live.map((e) => e.state), [
      "QUEUED",
      "STAGE_IN",
      "ACTIVE",
      "STAGE_OUT",
      "CLEANUP",
      "COMPLETED",
    ]);
    const resumed: TransitionRecord[] = [];
    const stop = service.subscribe(live[2].eventId, (e) => resumed.push(e));
    await new Promise((r) => setTimeout(r, 10));
    stop();
    assert.deepEqual(resumed.map((e) => e.eventId), live.slice(3).map((e) => e.eventId));
  });
});

describe("JobService view cache", () => {
  it("serves a job's JSON from cache and drops it on every change", async () => {
    const { service, executor } = manualAgent();
    const { job } = await service.submit(SPEC);
    const first = service.jobJson(job.id)!;
    assert.equal(service.jobJson(job.id), first, "same text while nothing changed");
    executor.move(job.nativeId!, JobState.ACTIVE);
    const after = JSON.parse(service.jobJson(job.id)!);
    assert.equal(after.state, "ACTIVE");
    assert.equal(after.history.length, 3);
    service.store.recordNativeId(job.id, "other.id", Date.now());
    assert.equal(JSON.parse(service.jobJson(job.id)!).nativeId, "other.id");
  });
});
