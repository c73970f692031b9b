/**
 * A PBS job's end from its exit-code file (src/executors/pbs/early-end.ts):
 * heard as the file appears while PBS still shows the job running, or found
 * by the next poll; PBS's record, when it comes, reaches the final-facts
 * listeners. Model mode: the simulator runs no script, so the test writes the
 * file as the job script would (to a temporary name, then moved into place).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import type { VirtualClock } from "../../src/core/clock.ts";
import type { PbsExecutor } from "../../src/executors/pbs.ts";
import { advance, rig, untilFinal } from "./helpers.ts";

function writeExitCode(workDir: string, nativeId: string, code: number): void {
  const path = join(workDir, `${nativeId}.ec`);
  writeFileSync(`${path}.tmp`, `${code}\n`);
  renameSync(`${path}.tmp`, path);
}

/**
 * Waits on the real clock until the job is final or `ms` pass: the watcher is
 * real file events, and a wait timeout on the rig's clock would never fire.
 */
async function settle(job: Job, ms = 3000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([job.wait(), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** Submits the job and advances the rig's clock until PBS runs it. */
async function untilActive(clock: VirtualClock, executor: PbsExecutor, job: Job): Promise<void> {
  await executor.submit(job);
  while (job.status.state !== JobState.ACTIVE) await clock.advance(500);
}

describe("PBS: a job's end from its exit-code file", () => {
  it("is heard at once while PBS still shows the job running; PBS's record adds its facts later", async () => {
    const { clock, executor, server, workDir } = rig();
    const job = new Job({ executable: "/bin/sleep", name: "r120" });
    const facts: Record<string, unknown>[] = [];
    executor.addFinalFactsListener((j, f) => {
      if (j === job) facts.push(f);
    });
    await untilActive(clock, executor, job);
    writeExitCode(workDir, job.nativeId!, 0);
    await settle(job);
    assert.equal(job.status.state, JobState.COMPLETED);
    assert.equal(job.status.exitCode, 0);
    assert.equal(job.status.metadata?.evidence, "exit-code-file");
    assert.equal(server.jobs.get(job.nativeId!)?.state, "R", "PBS had not recorded an end");
    assert.equal(facts.length, 0, "no record of PBS yet");
    // PBS ends it in its own time (the model's 120 s); its record is then asked for and added.
    await advance(clock, 130_000);
    assert.equal(facts.length, 1, "PBS's record reached the listener once");
    assert.equal(facts[0].pbsState, "F");
    assert.equal(facts[0].exitStatus, 0);
    assert.equal(job.status.state, JobState.COMPLETED, "the end stays what the file said");
  });

  it("a failing code ends it FAILED with that code", async () => {
    const { clock, executor, workDir } = rig();
    const job = new Job({ executable: "/bin/sleep", name: "r120" });
    await untilActive(clock, executor, job);
    writeExitCode(workDir, job.nativeId!, 3);
    await settle(job);
    assert.equal(job.status.state, JobState.FAILED);
    assert.equal(job.status.exitCode, 3);
  });

  it("the next poll finds a file the watcher did not hear (written before it started)", async () => {
    const { clock, executor, workDir } = rig();
    const job = new Job({ executable: "/bin/sleep", name: "r120" });
    await executor.submit(job);
    // Before the first status poll: nothing watches the directory yet.
    writeExitCode(workDir, job.nativeId!, 0);
    await untilFinal(clock, job, 10_000);
    assert.equal(job.status.state, JobState.COMPLETED);
    assert.equal(job.status.metadata?.evidence, "exit-code-file");
  });

  it("a code of 128 or more (a signal: a walltime kill, a qdel) waits for PBS's record", async () => {
    const { clock, executor, workDir } = rig();
    const job = new Job({ executable: "/bin/sleep", name: "r20" });
    await untilActive(clock, executor, job);
    writeExitCode(workDir, job.nativeId!, 143);
    await settle(job, 500);
    await advance(clock, 5_000);
    assert.equal(job.status.state, JobState.ACTIVE, "PBS still shows it running: not ended");
    await untilFinal(clock, job);
    assert.notEqual(job.status.metadata?.pbsState, undefined, "the end came with PBS's record");
  });

  it("while qstat fails, the file waits until PBS answers again", async () => {
    const { clock, executor, workDir, faults } = rig();
    const job = new Job({ executable: "/bin/sleep", name: "r120" });
    await untilActive(clock, executor, job);
    faults.inject({ kind: "connect", commands: ["qstat"], count: 1_000 });
    while (executor.pollerStats().consecutiveFailures === 0) await clock.advance(500);
    writeExitCode(workDir, job.nativeId!, 0);
    await settle(job, 500);
    assert.equal(job.status.state, JobState.ACTIVE, "not ended while PBS does not answer");
    faults.clear();
    await untilFinal(clock, job, 60_000);
    assert.equal(job.status.state, JobState.COMPLETED);
    assert.equal(job.status.metadata?.evidence, "exit-code-file");
  });

  it("a job the user asked to cancel is not ended on its file", async () => {
    const { clock, executor, workDir, faults } = rig();
    const job = new Job({ executable: "/bin/sleep", name: "r120" });
    await untilActive(clock, executor, job);
    // The qdel acts, but its reply is late: the reply and PBS's record decide how the job ended.
    faults.inject({ kind: "hang", commands: ["qdel"], ms: 5_000, acts: true });
    const canceling = job.cancel().catch(() => {});
    await new Promise((r) => setTimeout(r, 10));
    writeExitCode(workDir, job.nativeId!, 0);
    await settle(job, 500);
    assert.equal(job.status.state, JobState.ACTIVE, "not ended on its file while qdel is out");
    await advance(clock, 60_000);
    assert.equal(job.status.state, JobState.CANCELED, job.status.message);
    await canceling;
  });
});
