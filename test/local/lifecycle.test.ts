import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Job, JobState } from "../../src/core/index.ts";
import { LocalJobExecutor } from "../../src/executors/local.ts";
import { alive, eventually, runJob, SLOW, tempDir, WAIT_MS } from "./helpers.ts";

describe("local executor: lifecycle", () => {
  let dir: ReturnType<typeof tempDir>;
  before(() => {
    dir = tempDir();
  });
  after(() => dir.remove());

  // The six transitions, exit code 0 and their order are the conformance kit's scenario 1
  // (src/conformance, run on the local executor by test/conformance/suite.test.ts): this is
  // what is the local executor's own.
  it("a local native id names this process and a counter: local-<pid>-<n>", SLOW, async () => {
    const { final, job } = await runJob({ executable: "/bin/date" });
    assert.equal(final.state, JobState.COMPLETED);
    assert.equal(job.nativeId, `local-${process.pid}-${job.nativeId!.split("-")[2]}`);
  });

  it("scenario 1 (the shell path, preLaunch): the same six transitions", SLOW, async () => {
    const { states, final } = await runJob({ executable: "/bin/date", preLaunch: "/dev/null" });
    assert.equal(final.state, JobState.COMPLETED);
    assert.deepEqual(states, ["QUEUED", "STAGE_IN", "ACTIVE", "STAGE_OUT", "CLEANUP", "COMPLETED"]);
  });

  it("scenario 2: a non-zero exit through the shell path keeps its code", SLOW, async () => {
    const { final } = await runJob({
      executable: "/bin/sh",
      arguments: ["-c", "exit 3"],
      postLaunch: "/dev/null",
    });
    assert.equal(final.state, JobState.FAILED);
    assert.equal(final.exitCode, 3);
  });

  it("scenario 3: the same through the multiple launcher", SLOW, async () => {
    const { final } = await runJob({
      executable: "no-such-program-xyz",
      launcher: "multiple",
      resources: { processCount: 2 },
    });
    assert.equal(final.state, JobState.FAILED);
    assert.equal(final.exitCode, 127);
    assert.ok(final.message?.includes("no-such-program-xyz"), final.message);
  });

  it("a job killed by a signal fails with a message naming the signal", SLOW, async () => {
    const { final } = await runJob({ executable: "/bin/sh", arguments: ["-c", "kill -KILL $$"] });
    assert.equal(final.state, JobState.FAILED);
    assert.equal(final.exitCode, 128 + 9);
    assert.match(final.message ?? "", /SIGKILL/);
  });

  it("a missing directory fails with a message naming it", SLOW, async () => {
    const missing = join(dir.path, "nowhere");
    const { final } = await runJob({ executable: "/bin/true", directory: missing });
    assert.equal(final.state, JobState.FAILED);
    assert.ok(final.message?.includes(missing), final.message);
  });

  it(
    "scenario 4: cancel of a running sleep ends CANCELED without STAGE_OUT; a second cancel does nothing",
    SLOW,
    async () => {
      const job = new Job({ executable: "/bin/sleep", arguments: ["30"] });
      const states: string[] = [];
      job.addStatusCallback((_j, s) => states.push(s.state));
      await new LocalJobExecutor().submit(job);
      assert.ok(await job.wait({ targetStates: [JobState.ACTIVE], timeout: WAIT_MS }));
      await job.cancel();
      await job.cancel();
      const final = await job.wait({ timeout: WAIT_MS });
      assert.equal(final?.state, JobState.CANCELED);
      assert.deepEqual(states, ["QUEUED", "STAGE_IN", "ACTIVE", "CANCELED"]);
      await job.cancel(); // after the final state: still nothing
      assert.equal(job.status.state, JobState.CANCELED);
      assert.equal(job.history.length, 4);
    },
  );

  it("scenario 4: cancel kills the whole process tree", SLOW, async () => {
    const pidFile = join(dir.path, "child.pid");
    const job = new Job({
      executable: "/bin/sh",
      arguments: ["-c", `sleep 300 & echo $! > '${pidFile}'; wait`],
    });
    await new LocalJobExecutor().submit(job);
    let childPid = 0;
    assert.ok(
      await eventually(() => {
        try {
          childPid = Number(readFileSync(pidFile, "utf8").trim());
        } catch {
          return false;
        }
        return childPid > 0;
      }),
    );
    assert.ok(alive(childPid));
    await job.cancel();
    assert.equal((await job.wait({ timeout: WAIT_MS }))?.state, JobState.CANCELED);
    assert.ok(await eventually(() => !alive(childPid)), "the grandchild was killed too");
  });

  it("scenario 4: cancel through the shell path kills the tree too", SLOW, async () => {
    const job = new Job({
      executable: "/bin/sleep",
      arguments: ["30"],
      launcher: "multiple",
      resources: { processCount: 2 },
    });
    await new LocalJobExecutor().submit(job);
    assert.ok(await job.wait({ targetStates: [JobState.ACTIVE], timeout: WAIT_MS }));
    await job.cancel();
    assert.equal((await job.wait({ timeout: WAIT_MS }))?.state, JobState.CANCELED);
  });

  it(
    "scenario 4: a cancel right after submit ends CANCELED and leaves no process",
    SLOW,
    async () => {
      for (const extra of [{}, { preLaunch: "/dev/null" }]) {
        const job = new Job({ executable: "/bin/sleep", arguments: ["30"], ...extra });
        await new LocalJobExecutor().submit(job);
        await job.cancel();
        const final = await job.wait({ timeout: WAIT_MS });
        assert.equal(final?.state, JobState.CANCELED);
        assert.ok(!job.history.some((s) => s.state === JobState.STAGE_OUT));
        const pid = final?.metadata?.pid as number | undefined;
        if (pid !== undefined) assert.ok(await eventually(() => !alive(pid)));
      }
    },
  );

  it(
    "scenario 6: wait returns the target state or a later one, and null on timeout",
    SLOW,
    async () => {
      const done = new Job({ executable: "/bin/true" });
      await new LocalJobExecutor().submit(done);
      const s = await done.wait({ targetStates: [JobState.ACTIVE], timeout: WAIT_MS });
      assert.ok(s && ["ACTIVE", "STAGE_OUT", "CLEANUP", "COMPLETED"].includes(s.state));
      assert.equal((await done.wait({ timeout: WAIT_MS }))?.state, JobState.COMPLETED);

      const slow = new Job({ executable: "/bin/sleep", arguments: ["30"] });
      await new LocalJobExecutor().submit(slow);
      assert.equal(await slow.wait({ timeout: 50 }), null);
      await slow.cancel();
      assert.equal((await slow.wait({ timeout: WAIT_MS }))?.state, JobState.CANCELED);
    },
  );

  it(
    "scenario 12: list() includes a just-submitted native id, and drops it once final",
    SLOW,
    async () => {
      const ex = new LocalJobExecutor();
      const job = new Job({ executable: "/bin/sleep", arguments: ["30"] });
      await ex.submit(job);
      assert.ok((await ex.list()).includes(job.nativeId!));
      assert.ok(!(await new LocalJobExecutor().list()).includes(job.nativeId!), "per instance");
      await job.cancel();
      await job.wait({ timeout: WAIT_MS });
      assert.ok(!(await ex.list()).includes(job.nativeId!));
    },
  );

  it("a spec the local executor cannot run is refused at submit and the job stays NEW", async () => {
    const ex = new LocalJobExecutor();
    const job = new Job({ executable: "/bin/true", launcher: "no-such-launcher" });
    await assert.rejects(ex.submit(job), /launcher.*known launchers: single, multiple, mpirun/);
    assert.equal(job.status.state, JobState.NEW);
    job.spec!.launcher = "single";
    await ex.submit(job);
    assert.equal((await job.wait({ timeout: WAIT_MS }))?.state, JobState.COMPLETED);
  });
});
