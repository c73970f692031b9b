import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { Job, JobState } from "../../src/core/index.ts";
import { LocalJobExecutor } from "../../src/executors/local.ts";
import { SLOW, WAIT_MS } from "./helpers.ts";

function recorded(job: Job): string[] {
  const states: string[] = [];
  job.addStatusCallback((_j, s) => states.push(s.state));
  return states;
}

describe("local executor: shared specs, throttling, attach", () => {
  it("scenario 10: attaching to a finished run replays its true outcome", SLOW, async () => {
    const first = new Job({ executable: "/bin/false" });
    await new LocalJobExecutor().submit(first);
    await first.wait({ timeout: WAIT_MS });
    const late = new Job();
    await new LocalJobExecutor().attach(late, first.nativeId!);
    const final = await late.wait({ timeout: WAIT_MS });
    assert.equal(final?.state, JobState.FAILED);
    assert.equal(final?.exitCode, 1);
  });

  it("scenario 10: cancelling an attached job cancels the run", SLOW, async () => {
    const first = new Job({ executable: "/bin/sleep", arguments: ["30"] });
    await new LocalJobExecutor().submit(first);
    const attached = new Job();
    await new LocalJobExecutor().attach(attached, first.nativeId!);
    await attached.cancel();
    assert.equal((await first.wait({ timeout: WAIT_MS }))?.state, JobState.CANCELED);
    assert.equal((await attached.wait({ timeout: WAIT_MS }))?.state, JobState.CANCELED);
  });

  it(
    "scenario 10: attach from another process after a restart ends FAILED, saying why",
    SLOW,
    async () => {
      const fixture = new URL("./fixtures/submit-one.ts", import.meta.url).pathname;
      const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
      const argv = isBun ? [fixture] : ["run", "-A", fixture];
      const nativeId = execFileSync(process.execPath, argv, { encoding: "utf8", timeout: WAIT_MS })
        .trim();
      assert.match(nativeId, /^local-\d+-\d+$/);
      const job = new Job();
      await new LocalJobExecutor().attach(job, nativeId);
      const final = await job.wait({ timeout: WAIT_MS });
      assert.equal(final?.state, JobState.FAILED);
      assert.match(final?.message ?? "", /issued by process \d+, not this one/);
    },
  );

  it("scenario 11: an unknown native id ends FAILED and never hangs", SLOW, async () => {
    const job = new Job();
    const states = recorded(job);
    await new LocalJobExecutor().attach(job, "no-such-id");
    assert.deepEqual(states, []);
    const final = await job.wait({ timeout: WAIT_MS });
    assert.equal(final?.state, JobState.FAILED);
    assert.match(final?.message ?? "", /no-such-id is not a local job of this process/);
  });

  it("attach accepts only NEW jobs", async () => {
    const ex = new LocalJobExecutor();
    const job = new Job({ executable: "/bin/true" });
    await ex.submit(job);
    await assert.rejects(ex.attach(job, job.nativeId!), /only a NEW job can be attached/);
    await job.wait({ timeout: WAIT_MS });
  });
});
