/**
 * A qdel that certainly did not act (no connection to the server) is a
 * refusal: the job goes on, and its later end is not put down to the user.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CancelRefusedException } from "../../src/core/errors.ts";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import { advance, rig, untilFinal } from "./helpers.ts";

describe("a refused cancel", () => {
  it("qdel cannot connect: CancelRefusedException, the job runs on and ends COMPLETED", async () => {
    const { clock, executor, faults, runner } = rig();
    const job = new Job({ executable: "/bin/sleep", name: "r20" });
    await executor.submit(job);
    await advance(clock, 2000);
    assert.equal(job.status.state, JobState.ACTIVE);
    faults.inject({ kind: "connect", commands: ["qdel"], count: 1 });
    await assert.rejects(job.cancel(), (err: Error) => {
      assert.ok(err instanceof CancelRefusedException, String(err));
      assert.match(err.message, /qdel/);
      return true;
    });
    assert.equal(runner.count("qdel"), 1);
    const s = await untilFinal(clock, job);
    assert.deepEqual([s.state, s.exitCode], [JobState.COMPLETED, 0]);
  });

  it("a refused cancel, then the job vanishes without evidence: FAILED, not CANCELED", async () => {
    const { clock, executor, faults, server } = rig({ server: { historyEnabled: false } });
    const job = new Job({ executable: "/bin/sleep", name: "r10" });
    await executor.submit(job);
    await advance(clock, 2000);
    faults.inject({ kind: "connect", commands: ["qdel"], count: 1 });
    await assert.rejects(job.cancel(), CancelRefusedException);
    // History is off: once it ends, PBS forgets it, and model mode leaves no exit-code file.
    const s = await untilFinal(clock, job);
    assert.equal(server.jobs.has(job.nativeId!), false);
    assert.equal(s.state, JobState.FAILED, s.message);
    assert.notEqual(s.metadata?.evidence, "user-cancel");
  });

  it("the cancel may be asked again once the server answers, and then it is the user's", async () => {
    const { clock, executor, faults } = rig();
    const job = new Job({ executable: "/bin/sleep", name: "r60" });
    await executor.submit(job);
    await advance(clock, 2000);
    faults.inject({ kind: "connect", commands: ["qdel"], count: 1 });
    await assert.rejects(job.cancel(), CancelRefusedException);
    await job.cancel();
    const s = await untilFinal(clock, job);
    assert.deepEqual([s.state, s.metadata?.evidence], [JobState.CANCELED, "user-cancel"]);
  });
});
