// The Slurm executor against the real Slurm (scripts/slurm/up.sh): the
// conformance scenarios that apply. Skipped with the reason when no Slurm
// answers; failing instead when REQUIRE_SLURM=1. Robust on a loaded 2-core
// host: no assertion on time, jobs that need no CPU are held or delayed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import type { JobSpec } from "../../src/core/job-spec.ts";
import { createExecutor } from "../../src/core/registry.ts";
import { SlurmExecutor } from "../../src/executors/slurm.ts";
import { needSlurm, slurmOptions } from "./support.ts";

const SLOW = slurmOptions(300_000);
const LONG = slurmOptions(400_000);
const WAIT = 240_000; // ms a job may take to finish on a busy host (other suites share Slurm)

describe("Slurm executor against a real Slurm", () => {
  let dir = "";
  let ex: SlurmExecutor;
  let walltimeJob: Job | undefined;
  const submitted: Job[] = [];

  async function run(spec: JobSpec, executor = ex): Promise<Job> {
    const job = new Job(spec);
    await executor.submit(job);
    submitted.push(job);
    return job;
  }
  async function finish(job: Job) {
    const s = await job.wait({ timeout: WAIT });
    assert.ok(s, `job ${job.nativeId} did not finish in ${WAIT} ms (state ${job.status.state})`);
    return s;
  }
  const heldSpec = (extra: JobSpec = {}): JobSpec => ({
    executable: "/bin/true",
    attributes: { customAttributes: { "slurm.begin": "now+3600" } },
    ...extra,
  });

  before(async () => {
    if (SLOW.skip) return;
    needSlurm();
    dir = mkdtempSync(join(tmpdir(), "psij-slurm-test-"));
    ex = new SlurmExecutor({ workDir: join(dir, "work"), pollFloorMs: 500, pollCeilingMs: 4000 });
    // Slurm's shortest limit is a minute, enforced up to ~30 s late: start the
    // walltime job first so it runs while the other tests do.
    walltimeJob = await run({
      executable: "/bin/sleep",
      arguments: ["600"],
      attributes: { duration: 60 },
    });
  });

  after(async () => {
    if (!ex) return;
    const live = submitted.filter((j) => j.nativeId && j.executor === ex);
    for (const j of live) await ex.cancel(j).catch(() => {});
    await ex.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is registered as slurm", SLOW, () => {
    needSlurm();
    assert.ok(createExecutor("slurm", { workDir: join(dir, "w2") }) instanceof SlurmExecutor);
  });

  it(
    "cancel a pending job → CANCELED straight from QUEUED; cancel again does nothing",
    SLOW,
    async () => {
      needSlurm();
      const job = await run(heldSpec());
      assert.equal(job.status.state, JobState.QUEUED);
      await job.cancel();
      const s = await finish(job);
      assert.equal(s.state, JobState.CANCELED);
      assert.deepEqual(job.history.map((h) => h.state), ["QUEUED", "CANCELED"]);
      await job.cancel();
      assert.equal(job.status.state, JobState.CANCELED);
    },
  );

  it(
    "wait returns null on timeout, and the target (or a later) state otherwise",
    SLOW,
    async () => {
      needSlurm();
      const held = await run(heldSpec());
      assert.equal(await held.wait({ timeout: 300 }), null);
      const q = await held.wait({ targetStates: [JobState.QUEUED], timeout: 300 });
      assert.equal(q?.state, JobState.QUEUED);
      await held.cancel();
      const quick = await run({ executable: "/bin/true" });
      const s = await quick.wait({ targetStates: [JobState.ACTIVE], timeout: WAIT });
      assert.ok(s && ["ACTIVE", "STAGE_OUT", "CLEANUP", "COMPLETED"].includes(s.state));
    },
  );

  it("attach to an id Slurm never had ends FAILED, never hangs", SLOW, async () => {
    needSlurm();
    const job = new Job();
    await ex.attach(job, "99999999");
    const s = await finish(job);
    assert.equal(s.state, JobState.FAILED);
    assert.match(s.message ?? "", /99999999/);
  });

  it(
    "hostile values reach Slurm as values: job name with quotes, #, $() and backslashes",
    SLOW,
    async () => {
      needSlurm();
      const name = `a "b" 'c' #d $(e) \\f`;
      const job = await run(heldSpec({ name }));
      const r = spawnSync("squeue", ["--noheader", "-j", job.nativeId!, "-O", "Name:"], {
        encoding: "utf8",
      });
      assert.equal(r.stdout.replace(/\n$/, ""), name);
      await job.cancel();
    },
  );

  it("findByStamp finds a submission by the stamp in its comment", SLOW, async () => {
    needSlurm();
    const job = await run(heldSpec());
    const stamp = job.history[0].metadata?.stamp as string;
    assert.deepEqual(await ex.findByStamp(stamp), [job.nativeId]);
    await job.cancel();
  });

  it("walltime exceeded → FAILED with the reason", LONG, async () => {
    needSlurm();
    const s = await walltimeJob!.wait({ timeout: 360_000 });
    assert.equal(s?.state, JobState.FAILED);
    assert.match(s?.message ?? "", /walltime exceeded.*TimeLimit/);
  });

  it("2 tasks: PSIJ_NODEFILE has one line per process; srun runs both", SLOW, async () => {
    needSlurm();
    const out = join(dir, "nodes.txt"), ranks = join(dir, "ranks.txt");
    const single = await run({
      executable: "/bin/bash",
      arguments: ["-c", 'cat "$PSIJ_NODEFILE"'],
      resources: { processCount: 2 },
      stdoutPath: out,
    });
    const srun = await run({
      executable: "/bin/bash",
      arguments: ["-c", "echo $SLURM_PROCID"],
      resources: { processCount: 2 },
      launcher: "srun",
      stdoutPath: ranks,
    });
    assert.equal((await finish(single)).state, JobState.COMPLETED);
    assert.equal((await finish(srun)).state, JobState.COMPLETED);
    const hosts = readFileSync(out, "utf8").trim().split("\n");
    assert.equal(hosts.length, 2);
    assert.equal(new Set(hosts).size, 1);
    assert.deepEqual(readFileSync(ranks, "utf8").trim().split("\n").sort(), ["0", "1"]);
  });
});
