import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";

describe("transition times", () => {
  it("never go backwards, even when the scheduler's clock reports an earlier second", () => {
    const job = new Job({ executable: "/bin/true" });
    job._applyStatus({ state: JobState.QUEUED, time: 10_743 });
    job._applyStatus({ state: JobState.COMPLETED, time: 10_000, exitCode: 0 });
    const times = job.history.map((s) => s.time);
    assert.equal(job.history.length, 6);
    for (let i = 1; i < times.length; i++) {
      assert.ok(times[i] >= times[i - 1], `history times ${times}`);
    }
    assert.equal(job.status.time, 10_743);
  });
});
