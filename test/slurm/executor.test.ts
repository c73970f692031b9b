// The Slurm executor against the real Slurm (scripts/slurm/up.sh): the
// conformance scenarios that apply. Skipped with the reason when no Slurm
// answers; failing instead when REQUIRE_SLURM=1. Robust on a loaded 2-core
// host: no assertion on time, jobs that need no CPU are held or delayed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

  it("/bin/date → COMPLETED, exit 0, each of the six callbacks once in order", SLOW, async () => {
    needSlurm();
    const job = new Job({ executable: "/bin/date" });
    const seen: string[] = [];
    job.setStatusCallback((_j, s) => seen.push(s.state));
    await ex.submit(job);
    submitted.push(job);
    const s = await finish(job);
    assert.equal(s.state, JobState.COMPLETED);
    assert.equal(s.exitCode, 0);
    assert.deepEqual(seen, ["QUEUED", "STAGE_IN", "ACTIVE", "STAGE_OUT", "CLEANUP", "COMPLETED"]);
    assert.match(job.nativeId!, /^\d+$/);
  });

  it("/bin/false → FAILED, exit 1", SLOW, async () => {
    needSlurm();
    const s = await finish(await run({ executable: "/bin/false" }));
    assert.equal(s.state, JobState.FAILED);
    assert.equal(s.exitCode, 1);
  });

  it("a missing executable → FAILED, exit 127, message naming it", SLOW, async () => {
    needSlurm();
    const s = await finish(await run({ executable: "/no/such/psij-exe" }));
    assert.equal(s.state, JobState.FAILED);
    assert.equal(s.exitCode, 127);
    assert.match(s.message ?? "", /\/no\/such\/psij-exe/);
  });

  it("stdout, stderr and stdin paths hold exactly what the job wrote", SLOW, async () => {
    needSlurm();
    const out = join(dir, "o.txt"), err = join(dir, "e.txt"), inp = join(dir, "i.txt");
    const cat = join(dir, "c.txt");
    writeFileSync(inp, "_in_\n");
    const a = await run({ executable: "/bin/echo", arguments: ["-n", "_x_"], stdoutPath: out });
    const b = await run({
      executable: "/bin/bash",
      arguments: ["-c", "echo -n _e_ >&2"],
      stderrPath: err,
    });
    const c = await run({ executable: "/bin/cat", stdinPath: inp, stdoutPath: cat });
    for (const j of [a, b, c]) assert.equal((await finish(j)).state, JobState.COMPLETED);
    assert.equal(readFileSync(out, "utf8"), "_x_");
    assert.equal(readFileSync(err, "utf8"), "_e_");
    assert.equal(readFileSync(cat, "utf8"), "_in_\n");
  });

  it("environment {TEST_INT: 1, TEST_VAR: '_y_'} → the job sees _y_1", SLOW, async () => {
    needSlurm();
    const out = join(dir, "env.txt");
    const job = await run({
      executable: "/bin/bash",
      arguments: ["-c", "echo -n $TEST_VAR$TEST_INT"],
      environment: { TEST_INT: 1, TEST_VAR: "_y_" },
      stdoutPath: out,
    });
    assert.equal((await finish(job)).state, JobState.COMPLETED);
    assert.equal(readFileSync(out, "utf8"), "_y_1");
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

  it("cancel a running job → CANCELED, no STAGE_OUT", SLOW, async () => {
    needSlurm();
    const job = await run({ executable: "/bin/sleep", arguments: ["300"] });
    const active = await job.wait({ targetStates: [JobState.ACTIVE], timeout: WAIT });
    assert.equal(active?.state, JobState.ACTIVE);
    await job.cancel();
    const s = await finish(job);
    assert.equal(s.state, JobState.CANCELED);
    assert.ok(!job.history.some((h) => h.state === JobState.STAGE_OUT));
    await job.cancel();
  });

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

  it("attach from a second executor follows the job to COMPLETED", SLOW, async () => {
    needSlurm();
    const job = await run({ executable: "/bin/sleep", arguments: ["2"] });
    const ex2 = new SlurmExecutor({ workDir: join(dir, "work"), pollFloorMs: 500 });
    try {
      const other = new Job();
      let calledDuringAttach = false;
      let attaching = true;
      other.setStatusCallback(() => {
        if (attaching) calledDuringAttach = true;
      });
      await ex2.attach(other, job.nativeId!);
      attaching = false;
      assert.equal(calledDuringAttach, false);
      const [a, b] = await Promise.all([finish(job), finish(other)]);
      assert.equal(a.state, JobState.COMPLETED);
      assert.equal(b.state, JobState.COMPLETED);
    } finally {
      await ex2.close();
    }
  });

  it("attach to an id Slurm never had ends FAILED, never hangs", SLOW, async () => {
    needSlurm();
    const job = new Job();
    await ex.attach(job, "99999999");
    const s = await finish(job);
    assert.equal(s.state, JobState.FAILED);
    assert.match(s.message ?? "", /99999999/);
  });

  it("list() includes a just-submitted job", SLOW, async () => {
    needSlurm();
    const job = await run(heldSpec());
    assert.ok((await ex.list()).includes(job.nativeId!));
    await job.cancel();
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

  it("no job files are left after final states", SLOW, async () => {
    needSlurm();
    for (const j of submitted) await j.wait({ timeout: WAIT });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(readdirSync(join(dir, "work")), []);
  });
});
