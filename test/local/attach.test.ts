import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { Job, JobState, type JobStatus } from "../../src/core/index.ts";
import { LocalJobExecutor } from "../../src/executors/local.ts";
import { SLOW, WAIT_MS } from "./helpers.ts";

const SIX = ["QUEUED", "STAGE_IN", "ACTIVE", "STAGE_OUT", "CLEANUP", "COMPLETED"];

function recorded(job: Job): string[] {
  const states: string[] = [];
  job.addStatusCallback((_j, s) => states.push(s.state));
  return states;
}

describe("local executor: shared specs, throttling, attach", () => {
  it(
    "scenario 9: one spec shared by two jobs: both complete, the spec is unchanged",
    SLOW,
    async () => {
      const spec = { executable: "/bin/echo", arguments: ["${HOME}"] };
      const copy = structuredClone(spec);
      const ex = new LocalJobExecutor();
      const a = new Job(spec), b = new Job(spec);
      await ex.submit(a);
      await ex.submit(b);
      assert.notEqual(a.nativeId, b.nativeId);
      assert.equal((await a.wait({ timeout: WAIT_MS }))?.state, JobState.COMPLETED);
      assert.equal((await b.wait({ timeout: WAIT_MS }))?.state, JobState.COMPLETED);
      assert.deepEqual(spec, copy);
    },
  );

  it("scenario 9: 10 jobs throttled 3 at a time from the executor callback", SLOW, async () => {
    const ex = new LocalJobExecutor();
    const pending = Array.from(
      { length: 10 },
      () => new Job({ executable: "/bin/sleep", arguments: ["0.1"] }),
    );
    const all = [...pending];
    let running = 0, peak = 0;
    const errors: unknown[] = [];
    const startNext = () => {
      const job = pending.shift();
      if (!job) return;
      running++;
      peak = Math.max(peak, running);
      ex.submit(job).catch((e) => errors.push(e));
    };
    ex.addJobStatusCallback((_job, s: JobStatus) => {
      if (s.state === JobState.COMPLETED || s.state === JobState.FAILED) {
        running--;
        startNext(); // submitted from inside the callback
      }
    });
    for (let i = 0; i < 3; i++) startNext();
    for (const job of all) {
      const final = await job.wait({ timeout: WAIT_MS });
      assert.equal(final?.state, JobState.COMPLETED);
    }
    assert.deepEqual(errors, []);
    assert.equal(peak, 3);
  });

  it(
    "scenario 10: a second Job on a second executor attaches to a running native id",
    SLOW,
    async () => {
      const first = new Job({ executable: "/bin/sleep", arguments: ["0.5"] });
      const firstStates = recorded(first);
      await new LocalJobExecutor().submit(first);
      assert.ok(await first.wait({ targetStates: [JobState.ACTIVE], timeout: WAIT_MS }));

      const other = new LocalJobExecutor();
      const second = new Job();
      const secondStates = recorded(second);
      await other.attach(second, first.nativeId!);
      assert.deepEqual(secondStates, [], "no callback before attach returns");
      assert.equal(second.nativeId, first.nativeId);

      const third = new Job();
      const thirdStates = recorded(third);
      await new LocalJobExecutor().attach(third, first.nativeId!);

      for (const job of [first, second, third]) {
        assert.equal((await job.wait({ timeout: WAIT_MS }))?.state, JobState.COMPLETED);
      }
      assert.deepEqual(firstStates, SIX);
      assert.deepEqual(secondStates, SIX);
      assert.deepEqual(thirdStates, SIX);
      assert.equal(second.status.exitCode, 0);
    },
  );

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
