import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import fc from "fast-check";
import { join } from "node:path";
import { Job } from "../../src/core/job.ts";
import type { JobSpec } from "../../src/core/job-spec.ts";
import { JobState } from "../../src/core/job-state.ts";
import { StageOutFlags } from "../../src/core/staging.ts";
import { PbsExecutor, type PbsExecutorConfig } from "../../src/executors/pbs.ts";
import { findOnPath } from "../../src/launchers/index.ts";
import { executeRig } from "./helpers.ts";

const { base, server, executor: sharedDirExecutor, close } = executeRig("psij-pbs-exec-");
let n = 0;

/** An executor with a work directory of its own. */
function executor(config: PbsExecutorConfig = {}): PbsExecutor {
  return sharedDirExecutor({ workDir: join(base, `work${++n}`), ...config });
}

function jobDir(): string {
  const d = join(base, `job${++n}`);
  mkdirSync(d);
  return d;
}

async function run(spec: JobSpec, ex = executor()): Promise<Job> {
  const job = new Job(spec);
  await ex.submit(job);
  await job.wait({ timeout: 30_000 });
  return job;
}

after(close);

describe("PBS executor, execute mode (the script really runs)", { timeout: 60000 }, () => {
  it("scenario 1: /bin/date → COMPLETED, exit 0, from the exit-code file and PBS agreeing", async () => {
    const job = await run({ executable: "/bin/date" });
    assert.equal(job.status.state, JobState.COMPLETED);
    assert.equal(job.status.exitCode, 0);
    assert.deepEqual(job.history.map((s) => s.state), [
      "QUEUED",
      "STAGE_IN",
      "ACTIVE",
      "STAGE_OUT",
      "CLEANUP",
      "COMPLETED",
    ]);
    assert.equal(job.history.at(-1)!.metadata?.evidence, "exit-code-file");
  });

  it("scenario 2: /bin/false → FAILED, exit 1, and PBS's Exit_status says 1 too", async () => {
    const ex = executor();
    const facts: Record<string, unknown>[] = [];
    ex.addFinalFactsListener((_j, f) => facts.push(f));
    const job = await run({ executable: "/bin/false" }, ex);
    assert.equal(job.status.state, JobState.FAILED);
    assert.equal(job.status.exitCode, 1);
    // The end came from the exit-code file, or with PBS's record: either way PBS's word arrives.
    for (const end = Date.now() + 10_000; !facts.length && Date.now() < end;) {
      if (job.status.metadata?.exitStatus !== undefined) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(job.status.metadata?.exitStatus ?? facts[0]?.exitStatus, 1);
  });

  it("scenario 3: a missing executable → FAILED, exit 127, a message naming it", async () => {
    const job = await run({ executable: "/no/such/program-xyz" });
    assert.equal(job.status.state, JobState.FAILED);
    assert.equal(job.status.exitCode, 127);
    assert.match(job.status.message!, /\/no\/such\/program-xyz/);
  });

  it("scenario 7: stdout, stderr and stdin files", async () => {
    const d = jobDir();
    writeFileSync(join(d, "in.txt"), "from stdin");
    const out = await run({
      executable: "/bin/echo",
      arguments: ["-n", "_x_"],
      stdoutPath: join(d, "out.txt"),
    });
    assert.equal(out.status.state, JobState.COMPLETED);
    assert.equal(readFileSync(join(d, "out.txt"), "utf8"), "_x_");
    await run({
      executable: "/bin/bash",
      arguments: ["-c", "printf _e_ >&2"],
      stderrPath: join(d, "err.txt"),
    });
    assert.equal(readFileSync(join(d, "err.txt"), "utf8"), "_e_");
    await run({
      executable: "/bin/cat",
      stdinPath: join(d, "in.txt"),
      stdoutPath: join(d, "cat.txt"),
    });
    assert.equal(readFileSync(join(d, "cat.txt"), "utf8"), "from stdin");
  });

  it("scenario 8: environment {TEST_INT: 1, TEST_VAR: '_y_'} → the job sees _y_1", async () => {
    const d = jobDir();
    const job = await run({
      executable: "/bin/bash",
      arguments: ["-c", 'printf %s "$TEST_VAR$TEST_INT"'],
      environment: { TEST_INT: 1, TEST_VAR: "_y_" },
      stdoutPath: join(d, "env.txt"),
    });
    assert.equal(job.status.state, JobState.COMPLETED);
    assert.equal(readFileSync(join(d, "env.txt"), "utf8"), "_y_1");
  });

  it("scenario 13: 2 nodes × 2 processes → PSIJ_NODEFILE has one line per process on 2 hosts", async () => {
    const d = jobDir();
    const job = await run({
      executable: "/bin/bash",
      arguments: ["-c", 'cat "$PSIJ_NODEFILE"'],
      resources: { nodeCount: 2, processesPerNode: 2 },
      stdoutPath: join(d, "nodes.txt"),
    });
    assert.equal(job.status.state, JobState.COMPLETED);
    const lines = readFileSync(join(d, "nodes.txt"), "utf8").trim().split("\n");
    assert.equal(lines.length, 4);
    assert.equal(new Set(lines).size, 2);
  });

  it("scenario 13: the multiple launcher starts one copy per process, each told its index", async () => {
    const d = jobDir();
    const job = await run({
      executable: "/bin/bash",
      arguments: ["-c", 'echo "$PSIJ_PROCESS_INDEX"'],
      resources: { processCount: 4 },
      launcher: "multiple",
      stdoutPath: join(d, "idx.txt"),
    });
    assert.equal(job.status.state, JobState.COMPLETED);
    const idx = readFileSync(join(d, "idx.txt"), "utf8").trim().split("\n").sort();
    assert.deepEqual(idx, ["0", "1", "2", "3"]);
  });

  it("scenario 13: the mpirun launcher runs one rank per process", {
    skip: findOnPath("mpirun") ? undefined : "no mpirun on PATH here",
  }, async () => {
    const d = jobDir();
    const job = await run({
      executable: "/bin/hostname",
      resources: { processCount: 2 },
      launcher: "mpirun",
      stdoutPath: join(d, "ranks.txt"),
    });
    assert.equal(job.status.state, JobState.COMPLETED, job.status.message);
    assert.equal(readFileSync(join(d, "ranks.txt"), "utf8").trim().split("\n").length, 2);
  });

  it("scenario 16: history purged before the poller saw the end: the exit-code file gives FAILED 3", async () => {
    const ex = executor({ pollFloorMs: 60_000, pollCeilingMs: 60_000 });
    const job = new Job({ executable: "/bin/bash", arguments: ["-c", "exit 3"] });
    await ex.submit(job);
    const ec = join(ex.workDir, `${job.nativeId}.ec`);
    for (const end = Date.now() + 30_000; !server.find(job.nativeId!)?.isHistory;) {
      assert.ok(Date.now() < end, "the job did not end within 30 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(existsSync(ec));
    server.purgeHistory(job.nativeId!);
    const ex2 = executor({ workDir: ex.workDir }); // a restarted agent: same work directory
    const twin = new Job();
    await ex2.attach(twin, job.nativeId!);
    assert.equal(twin.status.state, JobState.FAILED);
    assert.equal(twin.status.exitCode, 3);
    assert.equal(twin.status.metadata?.evidence, "exit-code-file");
    await ex.close();
  });

  it("scenario 17: a failure before the completion marker → FAILED with the script's output", async () => {
    const d = jobDir();
    const job = await run({
      executable: "/bin/date",
      directory: d,
      stageIn: [{ source: join(d, "missing-input"), target: "in" }],
    });
    assert.equal(job.status.state, JobState.FAILED);
    assert.match(job.status.message!, /stage-in failed/);
    assert.match(job.status.message!, /missing-input/);
  });

  it("scenario 21: preLaunch is sourced, so an exported function is visible to the job", async () => {
    const d = jobDir();
    writeFileSync(join(d, "pre.sh"), "greet() { printf 'hello %s' \"$1\"; }\nexport -f greet\n");
    const job = await run({
      executable: "/bin/bash",
      arguments: ["-c", "greet world"],
      preLaunch: join(d, "pre.sh"),
      stdoutPath: join(d, "out.txt"),
    });
    assert.equal(job.status.state, JobState.COMPLETED);
    assert.equal(readFileSync(join(d, "out.txt"), "utf8"), "hello world");
  });

  it("a preLaunch that runs `exit 0` stops the script early: PBS says 0, the job is FAILED, not COMPLETED", async () => {
    const d = jobDir();
    writeFileSync(join(d, "pre.sh"), "echo leaving early\nexit 0\n");
    const job = await run({
      executable: "/bin/bash",
      arguments: ["-c", "echo ran > ran.txt"],
      directory: d,
      preLaunch: join(d, "pre.sh"),
    }, executor({ graceMs: 500 }));
    assert.equal(job.status.state, JobState.FAILED);
    assert.equal(job.status.metadata?.exitStatus, 0);
    assert.match(job.status.message!, /did not run to its end/);
    assert.match(job.status.message!, /leaving early/);
    assert.equal(existsSync(join(d, "ran.txt")), false);
    assert.ok(!job.history.some((s) => s.state === JobState.COMPLETED));
  });

  it("scenario 22: stage in (COPY, LINK, MOVE), stage out by flags, cleanup only inside the job directory", async () => {
    const d = jobDir();
    const src = jobDir();
    writeFileSync(join(src, "a.txt"), "A");
    writeFileSync(join(src, "b.txt"), "B");
    writeFileSync(join(src, "c.txt"), "C");
    mkdirSync(join(src, "tree"));
    writeFileSync(join(src, "tree", "t.txt"), "T");
    const outside = join(src, "keep-me.txt");
    writeFileSync(outside, "K");
    const job = await run({
      executable: "/bin/bash",
      arguments: ["-c", "cat a b c tree/t.txt > result.txt; echo x > scratch"],
      directory: d,
      stageIn: [
        { source: join(src, "a.txt"), target: "a", mode: "COPY" },
        { source: join(src, "b.txt"), target: "b", mode: "LINK" },
        { source: `file://${join(src, "c.txt")}`, target: "c", mode: "MOVE" },
        { source: join(src, "tree"), target: "tree", mode: "COPY" },
      ],
      stageOut: [
        { source: "result.txt", target: join(src, "result.txt"), flags: StageOutFlags.ON_SUCCESS },
        { source: "result.txt", target: join(src, "never.txt"), flags: StageOutFlags.ON_ERROR },
        {
          source: "absent.txt",
          target: join(src, "absent.txt"),
          flags: StageOutFlags.ALWAYS | StageOutFlags.IF_PRESENT,
        },
      ],
      cleanup: ["scratch", outside],
    });
    assert.equal(job.status.state, JobState.COMPLETED, job.status.message);
    assert.equal(readFileSync(join(src, "result.txt"), "utf8"), "ABCT");
    assert.equal(existsSync(join(src, "never.txt")), false);
    assert.equal(existsSync(join(src, "c.txt")), false); // moved
    assert.equal(existsSync(join(d, "scratch")), false); // cleaned
    assert.equal(readFileSync(outside, "utf8"), "K"); // outside the job directory: kept
  });

  it("stage-out and cleanup flags naming no outcome (NONE, IF_PRESENT alone) mean every outcome", async () => {
    const d = jobDir();
    const stageOut = (tag: string) => [
      { source: "r.txt", target: join(d, `${tag}-none.txt`), flags: StageOutFlags.NONE },
      { source: "r.txt", target: join(d, `${tag}-ifp.txt`), flags: StageOutFlags.IF_PRESENT },
      { source: "absent", target: join(d, `${tag}-absent.txt`), flags: StageOutFlags.IF_PRESENT },
    ];
    const ok = await run({
      executable: "/bin/bash",
      arguments: ["-c", "echo ok > r.txt; echo x > scratch"],
      directory: d,
      stageOut: stageOut("ok"),
      cleanup: ["scratch"],
      cleanupFlags: StageOutFlags.NONE,
    });
    assert.equal(ok.status.state, JobState.COMPLETED, ok.status.message);
    assert.equal(readFileSync(join(d, "ok-none.txt"), "utf8"), "ok\n");
    assert.equal(readFileSync(join(d, "ok-ifp.txt"), "utf8"), "ok\n");
    assert.equal(existsSync(join(d, "ok-absent.txt")), false);
    assert.equal(existsSync(join(d, "scratch")), false);
    const bad = await run({
      executable: "/bin/bash",
      arguments: ["-c", "echo bad > r.txt; exit 3"],
      directory: d,
      stageOut: stageOut("bad"),
    });
    assert.equal(bad.status.state, JobState.FAILED);
    assert.equal(bad.status.exitCode, 3, bad.status.message);
    assert.equal(readFileSync(join(d, "bad-none.txt"), "utf8"), "bad\n");
    assert.equal(readFileSync(join(d, "bad-ifp.txt"), "utf8"), "bad\n");
  });

  it("scenario 4: cancel a running job → CANCELED; its files are tidied once PBS ends it", async () => {
    const ex = executor();
    const job = new Job({ executable: "/bin/sleep", arguments: ["30"] });
    await ex.submit(job);
    await job.wait({ targetStates: [JobState.ACTIVE], timeout: 10_000 });
    await job.cancel();
    assert.equal(job.status.state, JobState.CANCELED);
    await job.cancel();
    for (const end = Date.now() + 30_000; readdirSync(ex.workDir).length > 0 && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(readdirSync(ex.workDir), []);
  });

  it("scenario 25: no .ec/.out files left after final states; kept with keepFiles", async () => {
    const ex = executor();
    await run({ executable: "/bin/true" }, ex);
    await run({ executable: "/bin/false" }, ex);
    // An end taken from the exit-code file is tidied when PBS's record of it comes (PBS
    // delivers its own -o/-e as the job ends).
    for (const end = Date.now() + 10_000; readdirSync(ex.workDir).length > 0 && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(readdirSync(ex.workDir), []);
    const keeper = executor({ keepFiles: true });
    const job = await run({ executable: "/bin/true" }, keeper);
    const files = readdirSync(keeper.workDir);
    assert.ok(files.includes(`${job.nativeId}.ec`));
    assert.ok(files.includes(`${job.nativeId}.out`));
    assert.ok(files.some((f) => f.endsWith(".job")));
  });

  it("hostile values run end to end and arrive intact (property, execute mode)", async () => {
    const d = jobDir();
    const fixed = ["it's", 'a "b"', "$(touch pwned)", "`touch pwned`", "x\n#PBS -q evil", "ünï 🎉"];
    const value = fc.oneof(
      fc.constantFrom(...fixed),
      fc.string({ unit: "binary", maxLength: 40 }).filter((v) => !v.includes("\0")),
    );
    let i = 0;
    await fc.assert(
      fc.asyncProperty(value, value, async (arg, env) => {
        const out = join(d, `out${++i}.txt`);
        const job = await run({
          executable: "/bin/bash",
          arguments: ["-c", 'printf %s "$1|$HOSTILE"', "_", arg],
          environment: { HOSTILE: env },
          name: arg || "x",
          directory: d,
          stdoutPath: out,
        });
        assert.equal(job.status.state, JobState.COMPLETED, job.status.message);
        assert.equal(readFileSync(out, "utf8"), `${arg}|${env}`);
      }),
      { numRuns: Math.min(Number(process.env.PROPERTY_RUNS ?? 100), 15) },
    );
    assert.equal(existsSync(join(d, "pwned")), false);
  });
});
