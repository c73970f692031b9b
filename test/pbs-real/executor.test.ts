// The PBS executor against the real OpenPBS (scripts/pbs/up.sh): the
// conformance scenarios of psij-model.md that apply to PBS, through the
// process CommandRunner and the real qsub/qstat/qdel/qselect. Skipped with the
// reason when no PBS answers; failing instead when REQUIRE_PBS=1. The
// scenarios run concurrently (see rig.ts). Where PBS can answer in several
// ways (the Exit_status of a qdel: 271, 265 or 0; when a walltime kill
// lands), the assertions hold for each of them.
import { after, before, describe } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Job } from "../../src/core/job.ts";
import type { JobSpec } from "../../src/core/job-spec.ts";
import { isFinal, JobState } from "../../src/core/job-state.ts";
import { StageOutFlags } from "../../src/core/staging.ts";
import type { PbsExecutor } from "../../src/executors/pbs.ts";
import { parseQstatJson } from "../../src/executors/pbs/parse/index.ts";
import { findOnPath } from "../../src/launchers/index.ts";
import {
  AsUserRunner,
  OPT,
  qstatJson,
  realExecutor,
  Scenarios,
  scratch,
  until,
  userExists,
  WAIT,
} from "./rig.ts";

const SIX = ["QUEUED", "STAGE_IN", "ACTIVE", "STAGE_OUT", "CLEANUP", "COMPLETED"];

describe("PBS executor against a real OpenPBS", () => {
  const { base, dir } = scratch("psij-pbs-real-");
  const executors: PbsExecutor[] = [];
  const submitted: Job[] = [];
  let shared: PbsExecutor;

  function executor(config: Parameters<typeof realExecutor>[1] = {}): PbsExecutor {
    const ex = realExecutor(join(base, `work-${executors.length}`), config);
    executors.push(ex);
    return ex;
  }
  async function submit(spec: JobSpec, ex = shared): Promise<Job> {
    const job = new Job(spec);
    await ex.submit(job);
    submitted.push(job);
    return job;
  }
  async function finish(job: Job) {
    const s = await job.wait({ timeout: WAIT });
    assert.ok(s, `job ${job.nativeId} did not end in ${WAIT} ms (state ${job.status.state})`);
    return s;
  }
  const run = async (spec: JobSpec, ex = shared) => finish(await submit(spec, ex));
  /** PBS's own record of a job once it is in history (job_state F). */
  async function pbsFinal(id: string) {
    let rec: ReturnType<typeof parseQstatJson>["jobs"] extends Map<string, infer R> ? R
      : never;
    await until(`PBS to record ${id} as finished`, () => {
      const r = parseQstatJson(qstatJson(id).stdout).jobs.get(id);
      if (r?.state === "F") rec = r;
      return r?.state === "F";
    });
    return rec!;
  }

  const s = new Scenarios();

  before(() => {
    if (OPT.skip) return;
    shared = executor();
    s.startAll();
  });
  after(async () => {
    await s.settled();
    for (const j of submitted) {
      if (!isFinal(j.status.state) && j.executor) await j.cancel().catch(() => {});
    }
    for (const ex of executors) await ex.close();
  });

  s.add("/bin/date → COMPLETED, exit 0, the six callbacks once each in order", async () => {
    const job = new Job({ executable: "/bin/date" });
    const seen: string[] = [];
    job.setStatusCallback((_j, st) => seen.push(st.state));
    await shared.submit(job);
    const st = await finish(job);
    assert.equal(st.state, JobState.COMPLETED, st.message);
    assert.equal(st.exitCode, 0);
    assert.deepEqual(seen, SIX);
    const rec = await pbsFinal(job.nativeId!);
    assert.equal(rec.exitStatus, 0);
  });

  s.add("/bin/false → FAILED, exit 1, PBS's Exit_status 1 too", async () => {
    const job = await submit({ executable: "/bin/false" });
    const st = await finish(job);
    assert.equal(st.state, JobState.FAILED);
    assert.equal(st.exitCode, 1);
    assert.equal((await pbsFinal(job.nativeId!)).exitStatus, 1);
  });

  s.add("a missing executable → FAILED, the message naming it", async () => {
    const st = await run({ executable: "/no/such/program-xyz" });
    assert.equal(st.state, JobState.FAILED);
    assert.equal(st.exitCode, 127);
    assert.match(st.message ?? "", /\/no\/such\/program-xyz/);
  });

  s.add("stdin, stdout and stderr files", async () => {
    const d = dir();
    writeFileSync(join(d, "in.txt"), "from stdin");
    const [a, b] = await Promise.all([
      run({
        executable: "/bin/bash",
        arguments: ["-c", "cat; printf _e_ >&2"],
        stdinPath: join(d, "in.txt"),
        stdoutPath: join(d, "out.txt"),
        stderrPath: join(d, "err.txt"),
      }),
      run({ executable: "/bin/echo", arguments: ["-n", "_x_"], stdoutPath: join(d, "x.txt") }),
    ]);
    assert.equal(a.state, JobState.COMPLETED, a.message);
    assert.equal(b.state, JobState.COMPLETED, b.message);
    assert.equal(readFileSync(join(d, "out.txt"), "utf8"), "from stdin");
    assert.equal(readFileSync(join(d, "err.txt"), "utf8"), "_e_");
    assert.equal(readFileSync(join(d, "x.txt"), "utf8"), "_x_");
  });

  s.add("environment and arguments with spaces and quotes arrive intact", async () => {
    const d = dir();
    const args = ["a b", "it's", 'say "hi"', "$(touch pwned)", "`touch pwned`", "ünï"];
    const st = await run({
      executable: "/bin/bash",
      arguments: ["-c", 'printf "%s|" "$@"; printf "%s/%s" "$TEST_VAR" "$TEST_INT"', "_", ...args],
      environment: { TEST_VAR: "x y 'z' \"w\" $HOME", TEST_INT: 1 },
      directory: d,
      stdoutPath: join(d, "out.txt"),
    });
    assert.equal(st.state, JobState.COMPLETED, st.message);
    assert.equal(
      readFileSync(join(d, "out.txt"), "utf8"),
      `${args.join("|")}|x y 'z' "w" $HOME/1`,
    );
    assert.equal(existsSync(join(d, "pwned")), false);
  });

  s.add("directory: the job runs in it", async () => {
    const d = dir();
    const st = await run({ executable: "/bin/pwd", directory: d, stdoutPath: join(d, "pwd.txt") });
    assert.equal(st.state, JobState.COMPLETED, st.message);
    assert.equal(readFileSync(join(d, "pwd.txt"), "utf8").trim(), d);
  });

  s.add("preLaunch and postLaunch are sourced around the job", async () => {
    const d = dir();
    writeFileSync(join(d, "pre.sh"), "greet() { printf 'hello %s' \"$1\"; }\nexport -f greet\n");
    writeFileSync(join(d, "post.sh"), "echo post > post.txt\n");
    const st = await run({
      executable: "/bin/bash",
      arguments: ["-c", "greet world"],
      directory: d,
      preLaunch: join(d, "pre.sh"),
      postLaunch: "post.sh",
      stdoutPath: join(d, "out.txt"),
    });
    assert.equal(st.state, JobState.COMPLETED, st.message);
    assert.equal(readFileSync(join(d, "out.txt"), "utf8"), "hello world");
    assert.equal(readFileSync(join(d, "post.txt"), "utf8"), "post\n");
  });

  s.add(
    "staging in (COPY, LINK, MOVE), out by flags, cleanup inside the job directory",
    async () => {
      const d = dir();
      const src = dir();
      for (const f of ["a", "b", "c"]) writeFileSync(join(src, `${f}.txt`), f.toUpperCase());
      const outside = join(src, "keep-me.txt");
      writeFileSync(outside, "K");
      const st = await run({
        executable: "/bin/bash",
        arguments: ["-c", "cat a b c > result.txt; echo x > scratch"],
        directory: d,
        stageIn: [
          { source: join(src, "a.txt"), target: "a", mode: "COPY" },
          { source: join(src, "b.txt"), target: "b", mode: "LINK" },
          { source: `file://${join(src, "c.txt")}`, target: "c", mode: "MOVE" },
        ],
        stageOut: [
          {
            source: "result.txt",
            target: join(src, "result.txt"),
            flags: StageOutFlags.ON_SUCCESS,
          },
          { source: "result.txt", target: join(src, "never.txt"), flags: StageOutFlags.ON_ERROR },
        ],
        cleanup: ["scratch", outside],
      });
      assert.equal(st.state, JobState.COMPLETED, st.message);
      assert.equal(readFileSync(join(src, "result.txt"), "utf8"), "ABC");
      assert.equal(existsSync(join(src, "never.txt")), false);
      assert.equal(existsSync(join(src, "c.txt")), false);
      assert.equal(existsSync(join(d, "scratch")), false);
      assert.equal(readFileSync(outside, "utf8"), "K");
    },
  );

  s.add("a missing stage-in file → FAILED naming it", async () => {
    const d = dir();
    const st = await run({
      executable: "/bin/date",
      directory: d,
      stageIn: [{ source: join(d, "missing-input"), target: "in" }],
    });
    assert.equal(st.state, JobState.FAILED);
    assert.match(st.message ?? "", /missing-input/);
  });

  s.add("the single launcher and PSIJ_NODEFILE: one line per process", async () => {
    const d = dir();
    const st = await run({
      executable: "/bin/bash",
      arguments: ["-c", 'cat "$PSIJ_NODEFILE"'],
      resources: { nodeCount: 1, processesPerNode: 2 },
      stdoutPath: join(d, "nodes.txt"),
    });
    assert.equal(st.state, JobState.COMPLETED, st.message);
    const lines = readFileSync(join(d, "nodes.txt"), "utf8").trim().split("\n");
    assert.equal(lines.length, 2);
    assert.equal(new Set(lines).size, 1);
  });

  s.add("the multiple launcher starts one copy per process, each told its index", async () => {
    const d = dir();
    const st = await run({
      executable: "/bin/bash",
      arguments: ["-c", 'echo "$PSIJ_PROCESS_INDEX"'],
      resources: { processCount: 3 },
      launcher: "multiple",
      stdoutPath: join(d, "idx.txt"),
    });
    assert.equal(st.state, JobState.COMPLETED, st.message);
    const idx = readFileSync(join(d, "idx.txt"), "utf8").trim().split("\n").sort();
    assert.deepEqual(idx, ["0", "1", "2"]);
  });

  s.add(
    "the mpirun launcher runs one rank per process",
    async () => {
      const d = dir();
      const st = await run({
        executable: "/bin/hostname",
        resources: { processCount: 2 },
        launcher: "mpirun",
        stdoutPath: join(d, "ranks.txt"),
      });
      assert.equal(st.state, JobState.COMPLETED, st.message);
      assert.equal(readFileSync(join(d, "ranks.txt"), "utf8").trim().split("\n").length, 2);
    },
    findOnPath("mpirun") ? undefined : "no mpirun on PATH here (no MPI installed)",
  );

  s.add("resources that fit (2 cpus, memory, a walltime) run, and PBS got them", async () => {
    const job = await submit({
      executable: "/bin/true",
      resources: { processCount: 2, memory: 64 * 2 ** 20 },
      attributes: { duration: 600 },
    });
    const st = await finish(job);
    assert.equal(st.state, JobState.COMPLETED, st.message);
    const rec = await pbsFinal(job.nativeId!);
    assert.equal(rec.resources.ncpus, "2");
    assert.equal(rec.resources.walltime, "00:10:00");
    assert.ok(rec.resources.mem, "PBS recorded no mem");
  });

  s.add(
    "ncpus=999 never runs: PBS's comment reaches the message, the job ends FAILED",
    async () => {
      const job = await submit({ executable: "/bin/true", resources: { processCount: 999 } });
      const st = await finish(job);
      assert.equal(st.state, JobState.FAILED);
      assert.match(st.message ?? "", /Can Never Run: Insufficient amount of resource: ncpus/);
      assert.ok(!job.history.some((h) => h.state === JobState.ACTIVE), "it never ran");
    },
  );

  s.add(
    "ncpus=999 with neverRunnable 'wait': QUEUED, PBS's comment told as its message",
    async () => {
      const ex = executor({ neverRunnable: "wait" });
      const notes: string[] = [];
      ex.addJobNoteListener((_j, st) => notes.push(`${st.state}: ${st.message}`));
      const job = await submit({ executable: "/bin/true", resources: { processCount: 999 } }, ex);
      await until("PBS's comment as a note", () => notes.some((n) => /Can Never Run/.test(n)));
      assert.match(notes.find((n) => /Can Never Run/.test(n))!, /^QUEUED: Can Never Run/);
      assert.equal(job.status.state, JobState.QUEUED);
      await job.cancel();
      assert.equal(job.status.state, JobState.CANCELED);
    },
  );

  s.add("walltime exceeded → FAILED, 'walltime exceeded'", async () => {
    const job = await submit({
      executable: "/bin/sleep",
      arguments: ["600"],
      attributes: { duration: 2 },
    });
    const st = await finish(job);
    assert.equal(st.state, JobState.FAILED);
    assert.match(st.message ?? "", /walltime exceeded/);
    assert.equal((await pbsFinal(job.nativeId!)).exitStatus, -29);
  });

  async function cancelCase(spec: JobSpec, ex: PbsExecutor, when: JobState) {
    const job = await submit(spec, ex);
    await job.wait({ targetStates: [when], timeout: WAIT });
    assert.equal(job.status.state, when);
    await job.cancel();
    assert.equal(job.status.state, JobState.CANCELED);
    // PBS's record, whatever Exit_status it chose, does not move it.
    const rec = await pbsFinal(job.nativeId!);
    await until("the executor to see PBS's end", () => !ex.pollerStats().tracked);
    assert.equal(job.status.state, JobState.CANCELED, `after Exit_status ${rec.exitStatus}`);
    assert.ok(!job.history.some((h) => isFinal(h.state) && h.state !== JobState.CANCELED));
    return rec;
  }
  const sleeper = (extra: JobSpec = {}): JobSpec => ({
    executable: "/bin/sleep",
    arguments: ["300"],
    ...extra,
  });

  s.add("cancel a queued job (qsub -a in the future: W) → CANCELED", async () => {
    const ex = executor();
    const at = new Date(Date.now() + 3600_000);
    const hhmm = `${String(at.getHours()).padStart(2, "0")}${
      String(at.getMinutes()).padStart(2, "0")
    }`;
    await cancelCase(
      sleeper({ attributes: { customAttributes: { "pbs.a": hhmm } } }),
      ex,
      JobState.QUEUED,
    );
  });

  s.add("cancel a held job (qsub -h) → CANCELED", async () => {
    await cancelCase(
      sleeper({ attributes: { customAttributes: { "pbs.h": true } } }),
      executor(),
      JobState.QUEUED,
    );
  });

  s.add("cancel a running job of root → CANCELED (PBS records Exit_status 0 or 271)", async () => {
    const rec = await cancelCase(sleeper(), executor(), JobState.ACTIVE);
    assert.ok(rec.exitStatus !== undefined, "PBS recorded an Exit_status");
  });

  s.add(
    "cancel a running job of user alice → CANCELED (PBS records 271, or 265 as it starts)",
    async () => {
      const ex = executor({ runner: new AsUserRunner("alice"), user: "alice" });
      const rec = await cancelCase(sleeper({ directory: dir() }), ex, JobState.ACTIVE);
      assert.equal(rec.owner?.split("@")[0], "alice");
    },
    userExists("alice") ? undefined : "no user alice here (scripts/pbs/up.sh creates one)",
  );

  s.add("cancel racing completion is not an error, and the state stays final", async () => {
    const ex = executor();
    const jobs = await Promise.all(
      [0, 1, 2, 3].map(() => submit({ executable: "/bin/sleep", arguments: ["1"] }, ex)),
    );
    await jobs[0].wait({ targetStates: [JobState.ACTIVE], timeout: WAIT });
    // Cancel them one after another as they end: some before, some after PBS ends them. A
    // qdel that finds the job already exiting or finished (35, 168) is no error, and the job's
    // own end, read at the next poll, is its final state: cancel() need not return it final.
    for (const j of jobs) await j.cancel();
    await until("every job to be final", () => jobs.every((j) => isFinal(j.status.state)));
    for (const j of jobs) await pbsFinal(j.nativeId!);
    await until("the executor to track nothing", () => !ex.pollerStats().tracked);
    for (const j of jobs) {
      assert.ok(
        ([JobState.CANCELED, JobState.COMPLETED] as string[]).includes(j.status.state),
        j.status.state,
      );
      assert.equal(j.history.filter((h) => isFinal(h.state)).length, 1);
    }
  });

  s.add("attach from a second executor instance follows the job to its end", async () => {
    const first = executor();
    const job = await submit({ executable: "/bin/sleep", arguments: ["3"] }, first);
    const second = executor({ workDir: first.workDir });
    const twin = new Job();
    await second.attach(twin, job.nativeId!);
    assert.equal(twin.nativeId, job.nativeId);
    const st = await finish(twin);
    assert.equal(st.state, JobState.COMPLETED, st.message);
    assert.equal((await finish(job)).state, JobState.COMPLETED);
  });

  s.add("list() names the user's live jobs (qselect)", async () => {
    const ex = executor();
    const job = await submit(sleeper({ attributes: { customAttributes: { "pbs.h": true } } }), ex);
    assert.ok((await ex.list()).includes(job.nativeId!));
    await job.cancel();
  });

  s.add("a hostile job name runs, PBS gets a legal one", async () => {
    const d = dir();
    const name = 'it\'s $(touch pwned) `x` "q" ; rm -rf / #PBS -q evil';
    const job = await submit({ executable: "/bin/true", name, directory: d });
    const st = await finish(job);
    assert.equal(st.state, JobState.COMPLETED, st.message);
    assert.equal(existsSync(join(d, "pwned")), false);
    const rec = await pbsFinal(job.nativeId!);
    assert.match(rec.name ?? "", /^[A-Za-z0-9_+.-]+$/);
    assert.equal(rec.queue, "workq");
  });

  s.add("a numeric job name '123.': PBS's invalid JSON is parsed", async () => {
    const job = await submit({ executable: "/bin/true", name: "123." });
    const st = await finish(job);
    assert.equal(st.state, JobState.COMPLETED, st.message);
    await pbsFinal(job.nativeId!);
    const out = qstatJson(job.nativeId!).stdout;
    assert.match(out, /"Job_Name":123\.,/);
    assert.throws(() => JSON.parse(out), "the released encoder prints invalid JSON");
    assert.equal(parseQstatJson(out).jobs.get(job.nativeId!)?.name, "123.");
  });
});
