// The truth of a job's recorded history against the simulator: a transition
// is stamped when the executor saw its evidence, never at PBS's whole-second
// stamp (kept as schedulerTime); and a job that ran passes ACTIVE whatever
// its end, while one that never ran does not.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import type { JobStatus } from "../../src/core/job-status.ts";
import { executeRig, rig, untilFinal } from "./helpers.ts";

const states = (job: Job) => job.history.map((s) => s.state);
const of = (job: Job, state: JobState): JobStatus => job.history.find((s) => s.state === state)!;

function assertMonotone(job: Job): void {
  const times = job.history.map((s) => s.time);
  for (let i = 1; i < times.length; i++) {
    assert.ok(times[i] >= times[i - 1], `history times go backwards: ${times}`);
  }
}

describe("transition times (simulator, model mode, virtual clock)", () => {
  it("are never before the real event: COMPLETED at or after the job's end, not at PBS's whole second", async () => {
    const { clock, server, executor } = rig();
    await clock.advance(437); // off the whole second, as real submissions are
    const job = new Job({ executable: "/bin/sleep", arguments: ["5"], name: "r5" });
    await executor.submit(job);
    await untilFinal(clock, job);
    assert.equal(job.status.state, JobState.COMPLETED);
    const sim = server.find(job.nativeId!)!;
    const startMs = sim.startedAtMs!, endMs = startMs + 5000; // r5: PBS ran it 5 s
    assert.ok(of(job, JobState.ACTIVE).time >= startMs, "ACTIVE before the job started");
    assert.ok(
      job.status.time >= endMs,
      `COMPLETED at ${job.status.time}, before the job ended at ${endMs}`,
    );
    assertMonotone(job);
    // PBS's own stamps are kept, as PBS gave them (whole seconds).
    assert.equal(of(job, JobState.ACTIVE).schedulerTime, Math.floor(startMs / 1000) * 1000);
    assert.equal(job.status.schedulerTime, Math.floor(endMs / 1000) * 1000);
    assert.equal(of(job, JobState.STAGE_IN).schedulerTime, undefined, "synthesised: no stamp");
  });
});

describe("quick jobs and ACTIVE (simulator, model mode)", () => {
  it("a job that failed before any poll saw it run still passes ACTIVE; one that completed does too", async () => {
    const { clock, executor } = rig();
    const failed = new Job({ executable: "/bin/false", name: "r0x1" });
    const completed = new Job({ executable: "/bin/true", name: "r0" });
    await executor.submit(failed);
    await executor.submit(completed);
    await untilFinal(clock, failed);
    await untilFinal(clock, completed);
    assert.equal(failed.status.state, JobState.FAILED);
    assert.equal(failed.status.exitCode, 1);
    assert.deepEqual(states(failed), ["QUEUED", "STAGE_IN", "ACTIVE", "FAILED"]);
    assert.equal(of(failed, JobState.ACTIVE).metadata?.evidence, "synthesized");
    assert.deepEqual(states(completed), [
      "QUEUED",
      "STAGE_IN",
      "ACTIVE",
      "STAGE_OUT",
      "CLEANUP",
      "COMPLETED",
    ]);
  });

  it("a job deleted while it waited in the queue never shows ACTIVE", async () => {
    const { clock, executor } = rig({
      server: { nodes: [{ name: "one", ncpus: 1, memBytes: 2 ** 32, ngpus: 0 }] },
    });
    const running = new Job({ executable: "/bin/sleep", name: "r600" });
    const waiting = new Job({ executable: "/bin/sleep", name: "r5" });
    await executor.submit(running);
    await executor.submit(waiting);
    await clock.advance(3000);
    assert.equal(waiting.status.state, JobState.QUEUED);
    await waiting.cancel();
    await untilFinal(clock, waiting);
    assert.deepEqual(states(waiting), ["QUEUED", "CANCELED"]);
    await running.cancel();
  });

  it("a running job PBS ended (walltime) before any poll saw it run passes ACTIVE", async () => {
    const { clock, newExecutor } = rig();
    // The first poll comes 10 s after the submit; PBS kills the job at 2 s.
    const executor = newExecutor({ pollFloorMs: 10_000 });
    const job = new Job({
      executable: "/bin/sleep",
      name: "r600",
      attributes: { duration: 1 },
    });
    await executor.submit(job);
    await untilFinal(clock, job);
    assert.equal(job.status.state, JobState.FAILED);
    assert.match(job.status.message ?? "", /walltime/);
    assert.deepEqual(states(job).slice(-2), ["ACTIVE", "FAILED"]);
  });
});

describe("transition times and ACTIVE (simulator, execute mode: real processes)", () => {
  const r = executeRig("psij-pbs-truth-");
  after(r.close);

  it(
    "COMPLETED is never stamped before the job's last command ran",
    { timeout: 60_000 },
    async () => {
      const dir = join(r.base, "job");
      mkdirSync(dir);
      const job = new Job({
        executable: "/bin/sh",
        arguments: ["-c", "sleep 1; date +%s%3N > last"],
        directory: dir,
      });
      await r.executor().submit(job);
      await job.wait({ timeout: 30_000 });
      assert.equal(job.status.state, JobState.COMPLETED);
      const last = Number(readFileSync(join(dir, "last"), "utf8"));
      assert.ok(
        job.status.time >= last,
        `COMPLETED at ${new Date(job.status.time).toISOString()}, ` +
          `last command at ${new Date(last).toISOString()}`,
      );
      assertMonotone(job);
    },
  );

  it(
    "a running job cancelled before any poll saw it run passes ACTIVE (its output file shows it ran)",
    { timeout: 60_000 },
    async () => {
      // The first poll comes a minute after the submit: only the job's own file says it started.
      const ex = r.executor({ pollFloorMs: 60_000, pollCeilingMs: 60_000 });
      const job = new Job({ executable: "/bin/sleep", arguments: ["30"] });
      await ex.submit(job);
      const out = join(ex.workDir, `${job.nativeId}.out`);
      for (const end = Date.now() + 30_000; !existsSync(out) && Date.now() < end;) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(existsSync(out), "the job script started");
      await job.cancel();
      await job.wait({ timeout: 30_000 });
      assert.equal(job.status.state, JobState.CANCELED);
      assert.deepEqual(states(job), ["QUEUED", "STAGE_IN", "ACTIVE", "CANCELED"]);
    },
  );

  it(
    "/bin/false goes QUEUED → ACTIVE → FAILED, like a quick success",
    { timeout: 60_000 },
    async () => {
      const job = new Job({ executable: "/bin/false" });
      await r.executor().submit(job);
      await job.wait({ timeout: 30_000 });
      assert.equal(job.status.state, JobState.FAILED);
      assert.equal(job.status.exitCode, 1);
      assert.deepEqual(states(job), ["QUEUED", "STAGE_IN", "ACTIVE", "FAILED"]);
    },
  );
});
