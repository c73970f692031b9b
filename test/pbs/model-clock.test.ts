import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { InvalidStateException } from "../../src/core/errors.ts";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import { createExecutor, findExecutor } from "../../src/core/registry.ts";
import "../../src/executors/pbs.ts";
import { PbsExecutor } from "../../src/executors/pbs.ts";
import { advance, record, rig, untilFinal } from "./helpers.ts";

const SIX = ["QUEUED", "STAGE_IN", "ACTIVE", "STAGE_OUT", "CLEANUP", "COMPLETED"];

// The PSI/J conformance scenarios themselves are one kit (src/conformance), run on the PBS
// executor and the simulator by test/conformance/suite.test.ts (`--executor sim`) and on the
// real OpenPBS by test/conformance/schedulers.test.ts. What is here is what the kit cannot see
// from outside: exact histories, command counts, evidence and files, on the simulator's model
// clock (no waiting for real time).
describe("PBS executor on the simulator's model clock: what the conformance kit cannot see", () => {
  it("scenario 1: the six transitions, and the end taken from PBS's history record", async () => {
    const { clock, executor } = rig();
    const job = new Job({ executable: "/bin/date" });
    const seen = record(job);
    await executor.submit(job);
    const s = await untilFinal(clock, job);
    assert.equal(s.state, JobState.COMPLETED);
    assert.deepEqual(seen.map((x) => x.state), SIX);
    assert.equal(s.metadata?.evidence, "history");
  });

  it("scenario 4: cancel a running job → CANCELED, no STAGE_OUT; a second cancel does nothing", async () => {
    const { clock, executor, runner } = rig();
    const job = new Job({ executable: "/bin/sleep", arguments: ["30"], name: "r30" });
    const seen = record(job);
    await executor.submit(job);
    while (job.status.state !== JobState.ACTIVE) await clock.advance(500);
    await job.cancel();
    assert.equal(job.status.state, JobState.CANCELED);
    await job.cancel();
    await advance(clock, 60_000);
    assert.equal(job.status.state, JobState.CANCELED);
    assert.equal(runner.count("qdel"), 1);
    assert.deepEqual(seen.map((x) => x.state), ["QUEUED", "STAGE_IN", "ACTIVE", "CANCELED"]);
  });

  it("scenario 4: a cancelled queued job ends CANCELED though PBS records no Exit_status", async () => {
    const { clock, executor } = rig({
      server: { nodes: [{ name: "n1", ncpus: 1, memBytes: 2 ** 30, ngpus: 0 }] },
    });
    const blocker = new Job({ executable: "/bin/sleep", name: "r300" });
    const queued = new Job({ executable: "/bin/date" });
    await executor.submit(blocker);
    await executor.submit(queued);
    await advance(clock, 3000);
    assert.equal(queued.status.state, JobState.QUEUED);
    await queued.cancel();
    await advance(clock, 10_000);
    assert.equal(queued.status.state, JobState.CANCELED);
    assert.deepEqual(queued.history.map((x) => x.state), ["QUEUED", "CANCELED"]);
  });

  it("scenario 10: a second Job and a second executor attached to a running id see COMPLETED", async () => {
    const { clock, executor, newExecutor } = rig();
    const job = new Job({ executable: "/bin/sleep", name: "r20" });
    await executor.submit(job);
    while (job.status.state !== JobState.ACTIVE) await clock.advance(500);
    const twin = new Job();
    const seenTwin = record(twin);
    await executor.attach(twin, job.nativeId!);
    assert.equal(twin.status.state, JobState.ACTIVE);
    const other = newExecutor();
    const far = new Job();
    await other.attach(far, job.nativeId!);
    await untilFinal(clock, job);
    await untilFinal(clock, twin);
    await untilFinal(clock, far);
    for (const j of [job, twin, far]) assert.equal(j.status.state, JobState.COMPLETED);
    assert.deepEqual(seenTwin.map((s) => s.state), [
      "QUEUED",
      "STAGE_IN",
      "ACTIVE",
      "STAGE_OUT",
      "CLEANUP",
      "COMPLETED",
    ]);
  });

  it("scenario 10: attach only accepts a NEW job, verifies the id first, no callback before", async () => {
    const { executor } = rig();
    const job = new Job({ executable: "/bin/date" });
    await executor.submit(job);
    await assert.rejects(executor.attach(job, job.nativeId!), InvalidStateException);
    const fresh = new Job();
    let calledDuringLookup = false;
    let lookedUp = false;
    fresh.addStatusCallback(() => {
      if (!lookedUp) calledDuringLookup = true;
    });
    const p = executor.attach(fresh, job.nativeId!);
    assert.equal(fresh.status.state, JobState.NEW);
    lookedUp = true;
    await p;
    assert.equal(calledDuringLookup, false);
    assert.ok(([JobState.QUEUED, JobState.ACTIVE] as JobState[]).includes(fresh.status.state));
  });

  it("scenario 11: attaching an id PBS does not know (and history cannot show) ends FAILED", async () => {
    const { executor } = rig();
    const job = new Job();
    await executor.attach(job, "4242.pbs-sim");
    assert.equal(job.status.state, JobState.FAILED);
    assert.equal(job.status.metadata?.evidence, "no-evidence");
    assert.match(job.status.message!, /does not know job 4242\.pbs-sim/);
  });

  it("scenario 11: attaching a finished id gives its recorded end", async () => {
    const { clock, executor, newExecutor } = rig();
    const job = new Job({ executable: "/bin/date", name: "x3" });
    await executor.submit(job);
    await untilFinal(clock, job);
    const later = new Job();
    await newExecutor().attach(later, job.nativeId!);
    assert.equal(later.status.state, JobState.FAILED);
    assert.equal(later.status.exitCode, 3);
  });

  it("scenario 20: one status command per poll for 200 jobs", async () => {
    const { clock, executor, runner } = rig({
      server: { nodes: [{ name: "big", ncpus: 512, memBytes: 2 ** 40, ngpus: 0 }] },
    });
    const jobs = Array.from(
      { length: 200 },
      () => new Job({ executable: "/bin/date", name: "r10" }),
    );
    for (const j of jobs) await executor.submit(j);
    const before = runner.count("qstat");
    const cyclesBefore = executor.pollerStats().cycles;
    await advance(clock, 30_000);
    assert.ok(jobs.every((j) => j.status.state === JobState.COMPLETED));
    const cycles = executor.pollerStats().cycles - cyclesBefore;
    assert.equal(runner.count("qstat") - before, cycles);
    const c = runner.calls.filter((x) => x[0] === "qstat");
    assert.equal(c[0].length, 5 + 200);
  });

  it("scenario 20: no polling while nothing is tracked", async () => {
    const { clock, executor, runner } = rig();
    await advance(clock, 120_000, 10_000);
    assert.equal(runner.count("qstat"), 0);
    const job = new Job({ executable: "/bin/date", name: "r1" });
    await executor.submit(job);
    await untilFinal(clock, job);
    const n = runner.count("qstat");
    await advance(clock, 120_000, 10_000);
    assert.equal(runner.count("qstat"), n);
  });

  it("scenario 24: registry names pbs, pbspro, openpbs; unknown names list the known ones", () => {
    for (const name of ["pbs", "PBSPro", "openpbs"]) {
      assert.equal(findExecutor(name).name, "pbs");
    }
    assert.ok(createExecutor("pbspro", { runner: rig().runner }) instanceof PbsExecutor);
    assert.throws(() => findExecutor("nope"), /known executors: .*openpbs.*pbs.*pbspro/);
  });

  it("scenario 25: no leftover files after final states unless keepFiles", async () => {
    const { clock, executor, workDir, newExecutor } = rig();
    const job = new Job({ executable: "/bin/date", name: "r1" });
    await executor.submit(job);
    assert.deepEqual(readdirSync(workDir), [`${job.id}.job`]); // the script qsub was given
    await untilFinal(clock, job);
    assert.deepEqual(readdirSync(workDir), []);
    const keeper = newExecutor({ keepFiles: true });
    const kept = new Job({ executable: "/bin/date", name: "r1" });
    await keeper.submit(kept);
    await untilFinal(clock, kept);
    assert.equal(readdirSync(workDir).filter((f) => f.endsWith(".job")).length, 1);
    assert.ok(existsSync(workDir));
  });

  it("the work directory is created when missing", async () => {
    const { clock, workDir, newExecutor } = rig();
    const ex = newExecutor({ workDir: `${workDir}/deeper/still` });
    const job = new Job({ executable: "/bin/date", name: "r1" });
    await ex.submit(job);
    assert.ok(existsSync(`${workDir}/deeper/still`));
    await untilFinal(clock, job);
  });
});
