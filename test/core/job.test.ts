import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidJobException,
  InvalidStateException,
  Job,
  JobState,
  type JobStatus,
  reportCallbackError,
  setCallbackErrorReporter,
  VirtualClock,
} from "../../src/core/index.ts";
import { states, TestExecutor } from "./helpers.ts";

const S = JobState;
const SIX = [S.QUEUED, S.STAGE_IN, S.ACTIVE, S.STAGE_OUT, S.CLEANUP, S.COMPLETED];

let reported: unknown[] = [];
const originalReporter = reportCallbackError;
beforeEach(() => {
  reported = [];
  setCallbackErrorReporter((err) => reported.push(err));
});
afterEach(() => {
  setCallbackErrorReporter(originalReporter);
});

async function submitted(ex = new TestExecutor()): Promise<{ ex: TestExecutor; job: Job }> {
  const job = new Job({ executable: "/bin/date" });
  await ex.submit(job);
  return { ex, job };
}

describe("Job status rules", () => {
  it("a new job is NEW with a UUID id and no history", () => {
    const job = new Job({ executable: "/bin/date" });
    assert.equal(job.status.state, S.NEW);
    assert.match(job.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual(job.history, []);
  });

  it("QUEUED→COMPLETED is observed as six transitions, the skipped ones synthesised", async () => {
    const ex = new TestExecutor();
    const job = new Job({ executable: "/bin/date" });
    const seen: JobStatus[] = [];
    job.setStatusCallback((_j, s) => seen.push(s));
    await ex.submit(job);
    ex.push(job, S.COMPLETED, { exitCode: 0 });
    assert.deepEqual(states(seen), SIX);
    assert.deepEqual(states(job.history), SIX);
    for (const s of seen.slice(1, 5)) assert.equal(s.metadata?.evidence, "synthesized");
    assert.equal(seen[5].exitCode, 0);
    assert.equal(seen[5].metadata?.nativeId, job.nativeId);
  });

  it("FAILED and CANCELED are entered directly, without synthesised states", async () => {
    for (const final of [S.FAILED, S.CANCELED]) {
      const { ex, job } = await submitted();
      ex.push(job, S.ACTIVE);
      ex.push(job, final);
      assert.deepEqual(states(job.history), [S.QUEUED, S.STAGE_IN, S.ACTIVE, final]);
    }
  });

  it("final is final: no later update changes the state or calls back", async () => {
    const { ex, job } = await submitted();
    ex.push(job, S.FAILED, { exitCode: 3 });
    let calls = 0;
    job.addStatusCallback(() => calls++);
    for (const s of [S.COMPLETED, S.CANCELED, S.ACTIVE, S.QUEUED, S.FAILED]) {
      assert.deepEqual(ex.push(job, s), []);
    }
    assert.equal(job.status.state, S.FAILED);
    assert.equal(job.status.exitCode, 3);
    assert.equal(calls, 0);
  });

  it("an equal or earlier state is ignored", async () => {
    const { ex, job } = await submitted();
    ex.push(job, S.ACTIVE);
    const before = job.status;
    assert.deepEqual(ex.push(job, S.ACTIVE, { message: "again" }), []);
    assert.deepEqual(ex.push(job, S.QUEUED), []);
    assert.equal(job.status, before);
    assert.equal(job.history.length, 3);
  });
});

describe("JobStatus", () => {
  it("time is the executor clock's when it saw the update; the scheduler's stamp stays beside it", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const { ex, job } = await submitted(new TestExecutor({ clock }));
    assert.equal(job.status.time, clock.now());
    await clock.advance(5000);
    const schedulerTime = clock.now() - 1000; // the scheduler's own (earlier) record of the start
    ex.push(job, S.ACTIVE, {
      schedulerTime,
      message: "running",
      metadata: { evidence: "scheduler" },
    });
    const [, stageIn, active] = job.history;
    assert.deepEqual([stageIn.time, active.time], [clock.now(), clock.now()]);
    assert.equal(active.schedulerTime, schedulerTime);
    assert.equal(stageIn.schedulerTime, undefined, "a synthesised state has no stamp of its own");
    assert.equal(active.message, "running");
    assert.deepEqual(active.metadata, { nativeId: job.nativeId, evidence: "scheduler" });
    ex.push(job, S.COMPLETED);
    assert.equal(job.status.time, clock.now());
  });

  it("a FAILED update with evidence that the job ran passes ACTIVE; one without does not", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const ex = new TestExecutor({ clock });
    const ran = (await submitted(ex)).job;
    const never = (await submitted(ex)).job;
    ex.push(ran, S.FAILED, { exitCode: 1, ran: true });
    ex.push(never, S.FAILED);
    assert.deepEqual(ran.history.map((s) => s.state), [S.QUEUED, S.STAGE_IN, S.ACTIVE, S.FAILED]);
    assert.deepEqual(never.history.map((s) => s.state), [S.QUEUED, S.FAILED]);
    assert.equal(ran.status.exitCode, 1);
    assert.equal("ran" in ran.status, false, "the evidence flag is not part of the status");
  });
});

describe("status callbacks", () => {
  it("function and object forms, job- and executor-level, once each in order", async () => {
    const ex = new TestExecutor();
    const log: string[] = [];
    ex.setJobStatusCallback((_j, s) => log.push(`exF:${s.state}`));
    ex.addJobStatusCallback({ jobStatusChanged: (_j, s) => log.push(`exO:${s.state}`) });
    const job = new Job({ executable: "/bin/date" });
    job.setStatusCallback({ jobStatusChanged: (j, s) => log.push(`jobO:${s.state}:${j === job}`) });
    job.addStatusCallback((_j, s) => log.push(`jobF:${s.state}`));
    await ex.submit(job);
    ex.push(job, S.COMPLETED);
    const expected = SIX.flatMap((s) => [`jobO:${s}:true`, `jobF:${s}`, `exF:${s}`, `exO:${s}`]);
    assert.deepEqual(log, expected);
  });

  it("setStatusCallback replaces, and the remover of addStatusCallback removes", async () => {
    const { ex, job } = await submitted();
    const log: string[] = [];
    job.addStatusCallback(() => log.push("a"));
    job.setStatusCallback(() => log.push("b"));
    const remove = job.addStatusCallback(() => log.push("c"));
    ex.push(job, S.STAGE_IN);
    remove();
    ex.push(job, S.ACTIVE);
    assert.deepEqual(log, ["b", "c", "b"]);
  });

  it("a throwing callback harms nothing: others run, the state advances, the error is reported", async () => {
    const ex = new TestExecutor();
    const seen: JobState[] = [];
    ex.setJobStatusCallback(() => {
      throw new Error("executor callback broke");
    });
    const job = new Job({ executable: "/bin/date" });
    job.addStatusCallback(() => {
      throw new Error("job callback broke");
    });
    job.addStatusCallback((_j, s) => seen.push(s.state));
    await ex.submit(job);
    ex.push(job, S.COMPLETED);
    assert.deepEqual(seen, SIX);
    assert.equal(job.status.state, S.COMPLETED);
    assert.equal(reported.length, 12);
  });

  it("a broken error reporter does not break the job either", async () => {
    setCallbackErrorReporter(() => {
      throw new Error("reporter broke");
    });
    const { ex, job } = await submitted();
    job.addStatusCallback(() => {
      throw new Error("x");
    });
    ex.push(job, S.COMPLETED);
    assert.equal(job.status.state, S.COMPLETED);
  });

  it("re-entrant updates from inside a callback are delivered in order, once each", async () => {
    const ex = new TestExecutor();
    const job = new Job({ executable: "/bin/date" });
    const log: string[] = [];
    job.addStatusCallback((_j, s) => {
      log.push(`a:${s.state}`);
      if (s.state === S.QUEUED) ex.push(job, S.ACTIVE); // re-enters
      if (s.state === S.ACTIVE) {
        ex.push(job, S.COMPLETED);
        throw new Error("and throws after re-entering");
      }
    });
    job.addStatusCallback((_j, s) => log.push(`b:${s.state}`));
    ex.addJobStatusCallback((_j, s) => log.push(`ex:${s.state}`));
    await ex.submit(job);
    assert.deepEqual(log, SIX.flatMap((s) => [`a:${s}`, `b:${s}`, `ex:${s}`]));
    assert.equal(job.status.state, S.COMPLETED);
    assert.equal(reported.length, 1);
  });
});

describe("wait", () => {
  it("scenario 6: wait returns when the target state or a later one is reached", async () => {
    const { ex, job } = await submitted(new TestExecutor({ clock: new VirtualClock() }));
    const active = job.wait({ targetStates: [S.ACTIVE] });
    const final = job.wait();
    ex.push(job, S.STAGE_OUT); // jumps past ACTIVE
    assert.equal((await active)?.state, S.STAGE_OUT);
    ex.push(job, S.COMPLETED);
    assert.equal((await final)?.state, S.COMPLETED);
  });

  it("scenario 6: wait returns null on timeout (virtual clock), and not before", async () => {
    const clock = new VirtualClock();
    const { job } = await submitted(new TestExecutor({ clock }));
    let result: JobStatus | null | undefined;
    job.wait({ timeout: 5000 }).then((r) => (result = r));
    await clock.advance(4999);
    assert.equal(result, undefined);
    await clock.advance(1);
    assert.equal(result, null);
    assert.equal(job.status.state, S.QUEUED);
  });

  it("wait for a non-final target returns a final state that bypasses it", async () => {
    const { ex, job } = await submitted(new TestExecutor({ clock: new VirtualClock() }));
    const w = job.wait({ targetStates: [S.ACTIVE], timeout: 60_000 });
    ex.push(job, S.FAILED, { exitCode: 1 });
    assert.equal((await w)?.state, S.FAILED);
  });

  it("wait for COMPLETED returns on FAILED and CANCELED too (any final state)", async () => {
    for (const final of [S.FAILED, S.CANCELED]) {
      const { ex, job } = await submitted(new TestExecutor({ clock: new VirtualClock() }));
      const w = job.wait({ targetStates: [S.COMPLETED] });
      ex.push(job, final);
      assert.equal((await w)?.state, final);
    }
  });

  it("an already satisfied wait resolves at once and leaves no timer behind", async () => {
    const clock = new VirtualClock();
    const { ex, job } = await submitted(new TestExecutor({ clock }));
    ex.push(job, S.ACTIVE);
    assert.equal((await job.wait({ targetStates: [S.QUEUED], timeout: 10 }))?.state, S.ACTIVE);
    const w = job.wait({ timeout: 1000 });
    ex.push(job, S.COMPLETED);
    assert.equal((await w)?.state, S.COMPLETED);
    assert.equal(clock.pendingSleepers(), 0);
  });
});

describe("executor contract", () => {
  it("scenario 5: cancel on a job never submitted is an InvalidStateException", async () => {
    const job = new Job({ executable: "/bin/date" });
    await assert.rejects(job.cancel(), InvalidStateException);
    await assert.rejects(new TestExecutor().cancel(job), InvalidStateException);
    assert.equal(job.status.state, S.NEW);
  });

  it("scenario 5: submitting a job twice is an InvalidStateException", async () => {
    const { ex, job } = await submitted();
    await assert.rejects(ex.submit(job), InvalidStateException);
    await assert.rejects(new TestExecutor().submit(job), InvalidStateException);
    assert.deepEqual(states(job.history), [S.QUEUED]);
  });

  it("scenario 5: submitting a job without a spec is an InvalidJobException on `spec`", async () => {
    const job = new Job();
    await assert.rejects(new TestExecutor().submit(job), (err: unknown) => {
      assert.ok(err instanceof InvalidJobException);
      assert.equal(err.field, "spec");
      return true;
    });
    assert.equal(job.executor, undefined);
  });

  it("an invalid spec is refused naming the field, and the job stays NEW and unbound", async () => {
    const job = new Job({ executable: "/bin/date", resources: { nodeCount: 0 } });
    await assert.rejects(new TestExecutor().submit(job), (err: unknown) => {
      assert.ok(err instanceof InvalidJobException);
      assert.equal(err.field, "resources.nodeCount");
      return true;
    });
    assert.equal(job.status.state, S.NEW);
    assert.equal(job.executor, undefined);
  });

  it("cancel ends CANCELED; a second cancel, or a cancel after the end, does nothing", async () => {
    const { ex, job } = await submitted();
    let calls = 0;
    job.addStatusCallback(() => calls++);
    await job.cancel();
    await job.cancel();
    assert.equal(job.status.state, S.CANCELED);
    assert.equal(calls, 1);
    const other = await submitted(ex);
    ex.push(other.job, S.COMPLETED);
    await other.job.cancel();
    assert.equal(other.job.status.state, S.COMPLETED);
  });

  it("cancel through another executor than the job's is refused", async () => {
    const { job } = await submitted();
    await assert.rejects(new TestExecutor().cancel(job), InvalidStateException);
  });

  it("attach binds only a NEW job, needs a native id, and makes no callback", async () => {
    const ex = new TestExecutor();
    const job = new Job();
    let calls = 0;
    job.addStatusCallback(() => calls++);
    await ex.attach(job, "t42");
    assert.equal(job.nativeId, "t42");
    assert.equal(job.executor, ex);
    assert.equal(calls, 0);
    await assert.rejects(ex.attach(job, "t43"), InvalidStateException);
    const { job: running } = await submitted();
    await assert.rejects(ex.attach(running, "t1"), InvalidStateException);
    await assert.rejects(ex.attach(new Job(), ""), InvalidJobException);
  });

  it("list returns the native ids the backend knows", async () => {
    const ex = new TestExecutor();
    const { job } = await submitted(ex);
    assert.deepEqual(await ex.list(), [job.nativeId]);
  });
});
