/** Attaching by the bare sequence number a user types (`1234`, not `1234.server`). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import { advance, rig, untilFinal } from "./helpers.ts";

describe("attach by a short id", () => {
  it("follows the job to its end under PBS's full id", async () => {
    const { clock, executor, newExecutor } = rig();
    const job = new Job({ executable: "/bin/date", name: "r20x3" });
    await executor.submit(job);
    await advance(clock, 2000);
    const full = job.nativeId!;
    const short = full.split(".")[0];
    assert.notEqual(short, full);

    const other = newExecutor();
    const attached = new Job();
    await other.attach(attached, short);
    assert.equal(attached.nativeId, full, "the id PBS answers with");
    assert.equal(attached.status.state, JobState.ACTIVE);
    const s = await untilFinal(clock, attached);
    assert.deepEqual([s.state, s.exitCode], [JobState.FAILED, 3]);
    await other.close();
  });
});
