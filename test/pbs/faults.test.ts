import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { SubmitException } from "../../src/core/errors.ts";
import { Job } from "../../src/core/job.ts";
import { isFinal, JobState } from "../../src/core/job-state.ts";
import { interpretStatus } from "../../src/executors/pbs/status.ts";
import { advance, record, rig, untilFinal } from "./helpers.ts";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 100);

function finals(job: Job): string[] {
  return job.history.filter((s) => isFinal(s.state)).map((s) => s.state);
}

describe("PBS executor under faults (simulator, model mode)", () => {
  it("scenario 18: qstat failing 5 times then recovering finalises nothing; degraded meanwhile", async () => {
    const { clock, executor, faults } = rig();
    const jobs = Array.from(
      { length: 5 },
      () => new Job({ executable: "/bin/sleep", name: "r300" }),
    );
    for (const j of jobs) await executor.submit(j);
    faults.inject({ kind: "connect", commands: ["qstat"], count: 5 });
    await advance(clock, 1500);
    assert.equal(executor.health().status, "degraded");
    assert.match(executor.health().lastError!, /cannot connect to server/);
    for (const j of jobs) assert.equal(j.status.state, JobState.QUEUED);
    await advance(clock, 30_000);
    assert.equal(executor.health().status, "degraded"); // backing off: 2, 4, 8, 16 s
    await advance(clock, 40_000);
    assert.equal(executor.health().status, "ok");
    for (const j of jobs) assert.equal(j.status.state, JobState.ACTIVE);
    for (const j of jobs) await untilFinal(clock, j);
    for (const j of jobs) assert.deepEqual(finals(j), ["COMPLETED"]);
  });

  it("scenario 18: a hanging qstat times out, changes no job, and the poller carries on", async () => {
    const { clock, executor, faults, newExecutor } = rig();
    const ex = newExecutor({ commandTimeoutMs: 5000 });
    const job = new Job({ executable: "/bin/sleep", name: "r30" });
    await ex.submit(job);
    faults.inject({ kind: "hang", commands: ["qstat"], count: 2 });
    await advance(clock, 8000);
    assert.equal(ex.health().status, "degraded");
    assert.equal(job.status.state, JobState.QUEUED);
    assert.equal((await untilFinal(clock, job)).state, JobState.COMPLETED);
    void executor;
  });

  it("scenario 18: one unknown id among 50 never blinds the others; it ends FAILED saying what was seen", async () => {
    const { clock, executor, runner } = rig({
      server: { nodes: [{ name: "big", ncpus: 64, memBytes: 2 ** 38, ngpus: 0 }] },
    });
    const jobs = Array.from(
      { length: 49 },
      () => new Job({ executable: "/bin/date", name: "r10" }),
    );
    for (const j of jobs) await executor.submit(j);
    const ghost = new Job();
    // Known when attached (so the attach verifies it), then gone without a trace.
    const victim = new Job({ executable: "/bin/date", name: "r1000" });
    await executor.submit(victim);
    await advance(clock, 3000);
    await executor.attach(ghost, victim.nativeId!);
    rigPurge(runner, victim.nativeId!);
    await advance(clock, 15_000);
    for (const j of jobs) assert.equal(j.status.state, JobState.COMPLETED);
    assert.equal(isFinal(victim.status.state), false); // still within the grace period
    await advance(clock, 60_000);
    for (const j of [victim, ghost]) {
      assert.equal(j.status.state, JobState.FAILED);
      assert.equal(j.status.metadata?.evidence, "no-evidence");
      assert.match(
        j.status.message!,
        /no evidence of how PBS job .* ended: qstat -x has called it unknown/,
      );
      assert.match(j.status.message!, /no exit-code file appeared/);
      assert.match(j.status.message!, /last seen by this agent in state R/);
    }
  });

  it("history purged before the poller saw the end: the exit-code file decides (0 → COMPLETED, 3 → FAILED 3)", async () => {
    for (const [code, state] of [[0, JobState.COMPLETED], [3, JobState.FAILED]] as const) {
      const { clock, server, workDir, newExecutor } = rig();
      const ex = newExecutor({ pollFloorMs: 10_000, pollCeilingMs: 10_000 });
      const job = new Job({ executable: "/bin/date", name: "r2" });
      await ex.submit(job);
      await clock.advance(3000);
      // The job's script wrote its exit code; then PBS forgot the job early.
      writeFileSync(join(workDir, `${job.nativeId}.ec`), `${code}\n`);
      server.purgeHistory(job.nativeId!);
      const s = await untilFinal(clock, job);
      assert.equal(s.state, state);
      assert.equal(s.exitCode, code);
      assert.equal(s.metadata?.evidence, "exit-code-file");
    }
  });

  it("history purged and no exit-code file: the grace period runs, then FAILED with no evidence", async () => {
    const { clock, server, newExecutor } = rig();
    const ex = newExecutor({ pollFloorMs: 10_000, pollCeilingMs: 10_000, graceMs: 30_000 });
    const job = new Job({ executable: "/bin/date", name: "r2" });
    await ex.submit(job);
    await clock.advance(3000);
    server.purgeHistory(job.nativeId!);
    await advance(clock, 25_000);
    assert.equal(isFinal(job.status.state), false);
    const s = await untilFinal(clock, job);
    assert.equal(s.state, JobState.FAILED);
    assert.match(s.message!, /never seen in qstat by this agent/);
  });

  it("a server with job history disabled: plain qstat, and the exit-code file decides", async () => {
    const { clock, executor, workDir, runner } = rig({ server: { historyEnabled: false } });
    const ok = new Job({ executable: "/bin/date", name: "r5" });
    const lost = new Job({ executable: "/bin/date", name: "r5" });
    await executor.submit(ok);
    await executor.submit(lost);
    await advance(clock, 2000);
    assert.equal(ok.status.state, JobState.ACTIVE);
    assert.equal(executor.health().status, "ok");
    // the job's script writes its exit code; the other job's file never appears
    writeFileSync(join(workDir, `${ok.nativeId}.ec`), "0\n");
    const s = await untilFinal(clock, ok);
    assert.deepEqual([s.state, s.metadata?.evidence], [JobState.COMPLETED, "exit-code-file"]);
    const l = await untilFinal(clock, lost);
    assert.deepEqual([l.state, l.metadata?.evidence], [JobState.FAILED, "no-evidence"]);
    const last = runner.calls.filter((c) => c[0] === "qstat").at(-1)!;
    assert.ok(!last.includes("-x"), "switched to qstat without -x");
  });

  it("scenario 19: cancel racing completion → no error, one final state", async () => {
    for (const offset of [-1000, 0, 1000]) {
      const { clock, executor } = rig();
      const job = new Job({ executable: "/bin/date", name: "r10" });
      await executor.submit(job);
      await advance(clock, 2000);
      assert.equal(job.status.state, JobState.ACTIVE);
      // the job ends 10 s after it started (about t=1 s); cancel around that instant
      await clock.advanceTo(clock.now() + 9000 + offset);
      await job.cancel();
      await advance(clock, 30_000);
      assert.equal(finals(job).length, 1, `offset ${offset}: ${finals(job)}`);
      assert.ok(
        ([JobState.CANCELED, JobState.COMPLETED] as string[]).includes(job.status.state),
      );
    }
  });

  it("scenario 19: a cancel after PBS finished the job ('Job has finished', 35) is not an error", async () => {
    const { clock, executor, newExecutor } = rig();
    const job = new Job({ executable: "/bin/date", name: "r1" });
    await executor.submit(job);
    await advance(clock, 5000);
    const late = new Job();
    const other = newExecutor({ pollFloorMs: 60_000 });
    await other.attach(late, job.nativeId!);
    await job.cancel(); // already final: nothing to do
    assert.deepEqual(finals(job), ["COMPLETED"]);
  });

  it("qsub refused: SubmitException (not transient), the job stays NEW and can be resubmitted", async () => {
    const { executor, faults } = rig();
    faults.inject({ kind: "qsub-refuse", text: "Unknown queue", code: 15018 });
    const job = new Job({ executable: "/bin/date" });
    await assert.rejects(executor.submit(job), (e: unknown) => {
      assert.ok(e instanceof SubmitException);
      assert.equal(e.transient, false);
      assert.match(e.message, /Unknown queue/);
      return true;
    });
    assert.equal(job.status.state, JobState.NEW);
    await executor.submit(job);
    assert.equal(job.status.state, JobState.QUEUED);
  });

  it("qsub reply lost: a transient SubmitException, and findByStamp finds the job PBS did create", async () => {
    const { executor, faults } = rig();
    faults.inject({ kind: "qsub-lost-reply" });
    const job = new Job({ executable: "/bin/date", name: "r100" });
    await assert.rejects(
      executor.submit(job),
      (e: unknown) => e instanceof SubmitException && e.transient,
    );
    const found = await executor.findByStamp(job.id);
    assert.equal(found.length, 1);
    assert.match(found[0], /^\d+\.pbs-sim$/);
  });

  it("a qdel that acts but answers late: PBS's record of the deletion seen first still ends CANCELED", async () => {
    const { clock, executor, faults, server } = rig();
    const job = new Job({ executable: "/bin/sleep", name: "r300" });
    await executor.submit(job);
    await advance(clock, 3000);
    assert.equal(job.status.state, JobState.ACTIVE);
    faults.inject({ kind: "hang", commands: ["qdel"], count: 1, ms: 8000, acts: true });
    let done = false;
    const cancel = job.cancel().then(() => (done = true));
    await advance(clock, 6000);
    assert.equal(done, false, "qdel has not answered yet");
    assert.equal(server.jobs.get(job.nativeId!)?.state, "F"); // PBS ended it already
    assert.ok(!isFinal(job.status.state), `not decided before qdel's reply: ${job.status.state}`);
    await advance(clock, 4000);
    await cancel;
    await advance(clock, 3000);
    assert.deepEqual(finals(job), ["CANCELED"]);
  });

  it("findByStamp: a failing qstat in the look-up throws; it never answers 'no such job'", async () => {
    const { executor, faults } = rig();
    const job = new Job({ executable: "/bin/date", name: "r100" });
    await executor.submit(job);
    faults.inject({ kind: "connect", commands: ["qstat"], count: 1 });
    await assert.rejects(executor.findByStamp(job.id), /stamp look-up failed.*cannot connect/);
    assert.deepEqual(await executor.findByStamp(job.id), [job.nativeId]);
  });

  it("findByStamp asked for together: one listing answers them all; a later one gets its own", async () => {
    const { executor, runner } = rig();
    const jobs = Array.from(
      { length: 12 },
      () => new Job({ executable: "/bin/date", name: "r100" }),
    );
    for (const j of jobs) await executor.submit(j);
    const before = runner.count("qselect");
    const answers = await Promise.all([
      ...jobs.map((j) => executor.findByStamp(j.id)),
      executor.findByStamp("no-such-stamp"),
    ]);
    assert.equal(runner.count("qselect") - before, 1, "one qselect for 13 look-ups");
    assert.deepEqual(answers, [...jobs.map((j) => [j.nativeId]), []]);
    // A job made after that listing is found by the next look-up's own listing.
    const late = new Job({ executable: "/bin/date", name: "r100" });
    await executor.submit(late);
    assert.deepEqual(await executor.findByStamp(late.id), [late.nativeId]);
    assert.equal(runner.count("qselect") - before, 2);
  });

  it("findByStamp asked for together: a shared listing that fails fails them all; the next answers", async () => {
    const { executor, faults } = rig();
    const jobs = Array.from(
      { length: 3 },
      () => new Job({ executable: "/bin/date", name: "r100" }),
    );
    for (const j of jobs) await executor.submit(j);
    faults.inject({ kind: "connect", commands: ["qselect"], count: 1 });
    const settled = await Promise.allSettled(jobs.map((j) => executor.findByStamp(j.id)));
    for (const r of settled) {
      assert.equal(r.status, "rejected");
      assert.match(
        String((r as PromiseRejectedResult).reason),
        /stamp look-up failed for 3 stamps/,
      );
    }
    for (const j of jobs) assert.deepEqual(await executor.findByStamp(j.id), [j.nativeId]);
  });

  it("findByStamp with cJSON bug #2672: a job that is not first in the batch is still found", async () => {
    const { executor } = rig({ server: { jsonEncoder: "cjson", cjsonMultiIdBug: true } });
    const jobs = Array.from(
      { length: 3 },
      () => new Job({ executable: "/bin/date", name: "r100" }),
    );
    for (const j of jobs) await executor.submit(j);
    for (const j of jobs) assert.deepEqual(await executor.findByStamp(j.id), [j.nativeId]);
    assert.deepEqual(await executor.findByStamp("no-such-stamp"), []);
  });

  it("cJSON multi-id bug (#2672): ids left out of the output are looked up one by one", async () => {
    const { clock, executor } = rig({ server: { jsonEncoder: "cjson", cjsonMultiIdBug: true } });
    const jobs = Array.from(
      { length: 5 },
      () => new Job({ executable: "/bin/date", name: "r5x2" }),
    );
    for (const j of jobs) await executor.submit(j);
    for (const j of jobs) await untilFinal(clock, j);
    for (const j of jobs) {
      assert.deepEqual([j.status.state, j.status.exitCode], [JobState.FAILED, 2]);
    }
    assert.ok(executor.pollerStats().probes >= 4, "the left-out ids were looked up");
  });

  it("a job PBS says can never run ends FAILED with PBS's reason (and is deleted)", async () => {
    const { clock, executor, runner } = rig();
    const job = new Job({ executable: "/bin/date", resources: { processCount: 64 } });
    await executor.submit(job);
    const s = await untilFinal(clock, job, 60_000);
    assert.equal(s.state, JobState.FAILED);
    assert.match(s.message!, /can never run: Can Never Run/);
    assert.ok(runner.count("qdel") >= 1);
  });

  it("can never run: a failed qdel leaves the job unjudged; FAILED only once PBS confirms the deletion", async () => {
    const { clock, executor, runner, faults, server } = rig();
    const job = new Job({ executable: "/bin/date", resources: { processCount: 64 } });
    await executor.submit(job);
    faults.inject({ kind: "connect", commands: ["qdel"], count: 1 });
    for (let i = 0; i < 120 && runner.count("qdel") < 1; i++) await clock.advance(500);
    assert.equal(runner.count("qdel"), 1);
    await clock.advance(0);
    assert.equal(job.status.state, JobState.QUEUED, "not FAILED on a qdel that failed");
    assert.notEqual(server.jobs.get(job.nativeId!)?.state, "F");
    const s = await untilFinal(clock, job, 60_000);
    assert.equal(s.state, JobState.FAILED);
    assert.match(s.message!, /can never run: Can Never Run/);
    assert.equal(runner.count("qdel"), 2);
    await advance(clock, 5000);
    assert.equal(server.jobs.get(job.nativeId!)?.state, "F"); // deleted: it will not run later
  });

  it("walltime exceeded → FAILED 'walltime exceeded'", async () => {
    const { clock, executor } = rig();
    const job = new Job({ executable: "/bin/sleep", name: "r500", attributes: { duration: 60 } });
    const seen = record(job);
    await executor.submit(job);
    const s = await untilFinal(clock, job);
    assert.equal(s.state, JobState.FAILED);
    assert.match(s.message!, /walltime exceeded/);
    assert.ok(seen.some((x) => x.state === JobState.ACTIVE));
  });

  it("quirky JSON (numeric Job_Name, backslashes and quotes in Variable_List) never stops the poller", async () => {
    const { clock, executor } = rig();
    const quirks: Record<string, string>[] = [
      { "pbs.N": "123" },
      { "pbs.v": "WIN=C:\\dir\\bin" },
      { "pbs.v": 'Q="starts with a quote' },
      { "pbs.v": "E=,F=1" },
    ];
    const jobs = quirks.map((customAttributes) =>
      new Job({ executable: "/bin/date", attributes: { customAttributes } })
    );
    for (const j of jobs) await executor.submit(j);
    for (const j of jobs) await untilFinal(clock, j);
    for (const j of jobs) assert.equal(j.status.state, JobState.COMPLETED, j.status.message);
  });

  it("interpretStatus never throws and never calls an id missing from a failed command (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 400 }),
        fc.string({ maxLength: 200 }),
        fc.integer({ min: 0, max: 255 }),
        (stdout, stderr, exitCode) => {
          const r = interpretStatus(["1.s", "2.s"], { exitCode, stdout, stderr });
          if (r.error) assert.deepEqual(r.missing, []);
          for (const id of r.missing) assert.ok(["1.s", "2.s"].includes(id));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

/** Purges a job from the simulator's history or live set, as an early purge would. */
function rigPurge(runner: { inner: unknown }, id: string): void {
  const server =
    (runner.inner as { server: import("../../simulator/server/server.ts").SimServer }).server;
  const job = server.find(id)!;
  server.forget(job);
}
