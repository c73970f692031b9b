/**
 * A new message for the state a job is already in: PSI/J ignores the update
 * (no transition, no callback, the status unchanged); the executor's note
 * listeners hear of each new message once.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Job, JobState, type JobStatus } from "../../src/core/index.ts";
import { TestExecutor } from "./helpers.ts";

describe("job notes (a new message, same state)", () => {
  it("listeners hear each new message once; the job's status, history and callbacks are untouched", async () => {
    const ex = new TestExecutor();
    const job = new Job({ executable: "/bin/true" });
    const callbacks: JobStatus[] = [], notes: JobStatus[] = [];
    job.addStatusCallback((_j, s) => callbacks.push(s));
    const remove = ex.addJobNoteListener((_j, s) => notes.push(s));
    await ex.submit(job);
    const before = job.status;
    const full = "Not Running: Insufficient amount of resource: ncpus";
    assert.deepEqual(ex.push(job, JobState.QUEUED, { message: full }), []);
    ex.push(job, JobState.QUEUED, { message: full });
    ex.push(job, JobState.QUEUED, { message: "Not Running: Job would conflict with reservation" });
    ex.push(job, JobState.QUEUED); // no message: nothing to say
    assert.deepEqual(notes.map((n) => [n.state, n.message]), [
      [JobState.QUEUED, full],
      [JobState.QUEUED, "Not Running: Job would conflict with reservation"],
    ]);
    assert.equal(job.status, before, "an equal state is ignored, as PSI/J says");
    assert.deepEqual(job.history.map((s) => s.state), [JobState.QUEUED]);
    assert.equal(callbacks.length, 1, "only the QUEUED transition called back");
    remove();
    ex.push(job, JobState.QUEUED, { message: "after removal" });
    assert.equal(notes.length, 2);
  });

  it("no note for an earlier state, for the transition's own message, or after the end", async () => {
    const ex = new TestExecutor();
    const job = new Job({ executable: "/bin/true" });
    const notes: string[] = [];
    ex.addJobNoteListener((_j, s) => notes.push(s.message!));
    await ex.submit(job);
    ex.push(job, JobState.ACTIVE, { message: "Job run at ..." });
    ex.push(job, JobState.ACTIVE, { message: "Job run at ..." });
    ex.push(job, JobState.QUEUED, { message: "late queued comment" });
    ex.push(job, JobState.COMPLETED, { exitCode: 0 });
    ex.push(job, JobState.COMPLETED, { message: "something else" });
    assert.deepEqual(notes, []);
  });

  it("a throwing listener harms neither the job nor the other listeners", async () => {
    const ex = new TestExecutor();
    const job = new Job({ executable: "/bin/true" });
    const seen: string[] = [];
    ex.addJobNoteListener(() => {
      throw new Error("listener bug");
    });
    ex.addJobNoteListener((_j, s) => seen.push(s.message!));
    await ex.submit(job);
    ex.push(job, JobState.QUEUED, { message: "held" });
    assert.deepEqual(seen, ["held"]);
    assert.equal(job.status.state, JobState.QUEUED);
  });
});
