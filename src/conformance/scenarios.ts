/**
 * The PSI/J conformance scenarios (../shared/reference/psij-model.md) as
 * checks that run real jobs through any JobExecutor: what an executor author
 * runs (`psij-agent conformance --executor NAME`) to learn whether a new
 * executor is right. A scenario that cannot apply to every executor (the PBS
 * script's directives, the status parser of one scheduler) is listed with the
 * reason it is skipped and where it is tested instead.
 * @module
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidJobException, InvalidStateException, SubmitException } from "../core/errors.ts";
import type { JobExecutor } from "../core/executor.ts";
import type { JobSpec } from "../core/job-spec.ts";
import { isFinal, JobState, stateOrder, transitionPath } from "../core/job-state.ts";
import { Job } from "../core/job.ts";

export interface ScenarioContext {
  executor: JobExecutor;
  /** Makes a second executor of the same kind on the same work directory, when it can. */
  another?: () => JobExecutor;
  /** A scratch directory for this scenario's files, already created. */
  dir: string;
  /** How long a job may take to reach a state (ms). */
  timeoutMs: number;
}

/** A scenario's check throws on failure; returns a note, or `{ skip }` when it does not apply. */
export type ScenarioResult = void | string | { skip: string };

export interface Scenario {
  /** The number in psij-model.md. */
  number: number;
  title: string;
  /** Set when the scenario never applies here: the reason. */
  skip?: string;
  run?(ctx: ScenarioContext): Promise<ScenarioResult>;
}

class Failure extends Error {}

function check(ok: unknown, message: string): asserts ok {
  if (!ok) throw new Failure(message);
}

async function submit(ctx: ScenarioContext, spec: JobSpec, ex = ctx.executor): Promise<Job> {
  const job = new Job(spec);
  await ex.submit(job);
  return job;
}

async function finish(ctx: ScenarioContext, job: Job): Promise<Job> {
  const s = await job.wait({ timeout: ctx.timeoutMs });
  check(
    s,
    `job ${job.nativeId} did not end within ${ctx.timeoutMs / 1000} s (state ${job.status.state})`,
  );
  return job;
}

async function reach(ctx: ScenarioContext, job: Job, state: JobState): Promise<void> {
  const s = await job.wait({ timeout: ctx.timeoutMs, targetStates: [state] });
  check(
    s,
    `job ${job.nativeId} did not reach ${state} within ${ctx.timeoutMs / 1000} s ` +
      `(state ${job.status.state})`,
  );
}

function expectState(job: Job, state: JobState, exitCode?: number): void {
  const s = job.status;
  check(
    s.state === state,
    `job ${job.nativeId} ended ${s.state}${s.message ? ` (${s.message})` : ""}, expected ${state}`,
  );
  if (exitCode !== undefined) {
    check(s.exitCode === exitCode, `exit code ${s.exitCode}, expected ${exitCode}`);
  }
}

async function throwsError(
  what: string,
  f: () => Promise<unknown>,
  kind?: new (...args: never[]) => Error,
): Promise<void> {
  try {
    await f();
  } catch (err) {
    check(
      !kind || err instanceof kind,
      `${what} raised ${(err as Error).name} (${(err as Error).message}), not ${kind?.name}`,
    );
    return;
  }
  throw new Failure(`${what} did not raise an error`);
}

/**
 * Submits `n` short jobs, at most `width` at a time, each next one from the
 * executor's callback when one ends (psij-model scenario 9's second half).
 */
async function throttled(ctx: ScenarioContext, n: number, width: number): Promise<string> {
  const pending = Array.from({ length: n }, () => new Job({ executable: "/bin/true" }));
  const mine = new Set(pending);
  const all = [...pending];
  let running = 0, peak = 0;
  const errors: string[] = [];
  const next = () => {
    const job = pending.shift();
    if (!job) return;
    running++;
    peak = Math.max(peak, running);
    ctx.executor.submit(job).catch((e) => errors.push((e as Error).message));
  };
  const stop = ctx.executor.addJobStatusCallback((j, s) => {
    if (mine.has(j) && isFinal(s.state)) {
      running--;
      next();
    }
  });
  try {
    for (let i = 0; i < width; i++) next();
    // A job not yet submitted is waited for too: the callback submits it when an earlier one ends.
    for (const job of all) {
      await job.wait({ timeout: ctx.timeoutMs });
      check(!errors.length, `a submit from the callback failed: ${errors.join("; ")}`);
      expectState(job, JobState.COMPLETED, 0);
    }
  } finally {
    stop();
  }
  check(peak === width, `${peak} jobs were in flight at most, expected ${width}`);
  return `${n} jobs, at most ${peak} at once`;
}

const sh = (dir: string, script: string, extra: Partial<JobSpec> = {}): JobSpec => ({
  executable: "/bin/bash",
  arguments: ["-c", script],
  directory: dir,
  ...extra,
});

/** QUEUED, STAGE_IN, ACTIVE, STAGE_OUT, CLEANUP, COMPLETED: what scenario 1 must see. */
const SIX = transitionPath(JobState.NEW, JobState.COMPLETED);

const read = (p: string) => (existsSync(p) ? readFileSync(p, "utf8") : "(missing)");

export const SCENARIOS: Scenario[] = [
  {
    number: 1,
    title:
      "/bin/date → COMPLETED 0; its callbacks and the executor's see the six states once each, in order",
    async run(ctx) {
      const job = new Job({ executable: "/bin/date", directory: ctx.dir });
      const seen: JobState[] = [];
      const seenByExecutor: JobState[] = [];
      job.addStatusCallback((_j, s) => seen.push(s.state));
      const stop = ctx.executor.addJobStatusCallback((j, s) => {
        if (j === job) seenByExecutor.push(s.state);
      });
      try {
        await ctx.executor.submit(job);
        await finish(ctx, job);
      } finally {
        stop();
      }
      expectState(job, JobState.COMPLETED, 0);
      check(seen.join(" ") === SIX.join(" "), `callbacks saw ${seen.join(", ")}`);
      check(
        seenByExecutor.join(" ") === SIX.join(" "),
        `the executor's callback saw ${seenByExecutor.join(", ")}`,
      );
      const times = job.history.map((s) => s.time);
      check(times.every((t, i) => i === 0 || t >= times[i - 1]), "transition times go back");
    },
  },
  {
    number: 2,
    title: "/bin/false → FAILED 1",
    async run(ctx) {
      const job = await finish(ctx, await submit(ctx, { executable: "/bin/false" }));
      expectState(job, JobState.FAILED, 1);
    },
  },
  {
    number: 3,
    title: "a missing executable → FAILED 127 naming it, or refused at submit",
    async run(ctx) {
      const exe = "/nonexistent/psij-conformance-exe";
      let job: Job;
      try {
        job = await submit(ctx, { executable: exe, directory: ctx.dir });
      } catch (err) {
        check(
          err instanceof SubmitException || err instanceof InvalidJobException,
          `submit threw ${(err as Error).name}`,
        );
        return "refused at submit";
      }
      await finish(ctx, job);
      expectState(job, JobState.FAILED, 127);
      check(job.status.message?.includes(exe), `message does not name it: ${job.status.message}`);
    },
  },
  {
    number: 4,
    title: "sleep, wait for ACTIVE, cancel → CANCELED (no STAGE_OUT); a second cancel does nothing",
    async run(ctx) {
      const job = await submit(ctx, { executable: "/bin/sleep", arguments: ["60"] });
      await reach(ctx, job, JobState.ACTIVE);
      await job.cancel();
      await finish(ctx, job);
      expectState(job, JobState.CANCELED);
      check(
        !job.history.some((s) => s.state === JobState.STAGE_OUT),
        "the history has STAGE_OUT",
      );
      await job.cancel();
      expectState(job, JobState.CANCELED);
    },
  },
  {
    number: 5,
    title: "cancel of a job never submitted, a second submit, no spec → errors of their kind",
    async run(ctx) {
      await throwsError(
        "cancel of a new job",
        () => ctx.executor.cancel(new Job({ executable: "/bin/true" })),
        InvalidStateException,
      );
      const job = await submit(ctx, { executable: "/bin/true" });
      await throwsError("a second submit", () => ctx.executor.submit(job), InvalidStateException);
      await throwsError(
        "submit with no spec",
        () => ctx.executor.submit(new Job()),
        InvalidJobException,
      );
      await finish(ctx, job);
    },
  },
  {
    number: 6,
    title: "wait returns the state or a later one; null on timeout",
    async run(ctx) {
      const job = await submit(ctx, { executable: "/bin/sleep", arguments: ["60"] });
      const early = await job.wait({ timeout: 1, targetStates: [JobState.COMPLETED] });
      check(early === null, `wait(1 ms) returned ${early?.state}`);
      const queued = await job.wait({ timeout: ctx.timeoutMs, targetStates: [JobState.QUEUED] });
      check(queued && stateOrder(queued.state) >= stateOrder(JobState.QUEUED), "no QUEUED");
      await job.cancel();
      await finish(ctx, job);
    },
  },
  {
    number: 7,
    title: "stdout and stderr files hold exactly what the job wrote; stdin through cat",
    async run(ctx) {
      const out = join(ctx.dir, "out"), err = join(ctx.dir, "err");
      const job = await submit(
        ctx,
        sh(ctx.dir, "echo -n _x_; echo -n _e_ >&2", { stdoutPath: out, stderrPath: err }),
      );
      await finish(ctx, job);
      expectState(job, JobState.COMPLETED, 0);
      check(read(out) === "_x_", `stdout holds ${JSON.stringify(read(out))}`);
      check(read(err) === "_e_", `stderr holds ${JSON.stringify(read(err))}`);
      const input = join(ctx.dir, "in"), catOut = join(ctx.dir, "cat.out");
      writeFileSync(input, "_in_\n");
      const cat = await finish(
        ctx,
        await submit(ctx, { executable: "/bin/cat", stdinPath: input, stdoutPath: catOut }),
      );
      expectState(cat, JobState.COMPLETED, 0);
      check(read(catOut) === "_in_\n", `cat wrote ${JSON.stringify(read(catOut))}`);
    },
  },
  {
    number: 8,
    title: "environment {TEST_INT: 1, TEST_VAR: _y_} → the job sees _y_1",
    async run(ctx) {
      const out = join(ctx.dir, "env.out");
      const job = await finish(
        ctx,
        await submit(
          ctx,
          sh(ctx.dir, 'echo -n "$TEST_VAR$TEST_INT"', {
            environment: { TEST_INT: "1", TEST_VAR: "_y_" },
            stdoutPath: out,
          }),
        ),
      );
      expectState(job, JobState.COMPLETED, 0);
      check(read(out) === "_y_1", `the job saw ${JSON.stringify(read(out))}`);
    },
  },
  {
    number: 9,
    title:
      "one spec shared by two jobs: both complete; 10 jobs throttled 3 at a time from the executor callback",
    async run(ctx) {
      const spec: JobSpec = { executable: "/bin/true" };
      const jobs = [await submit(ctx, spec), await submit(ctx, spec)];
      for (const j of jobs) expectState(await finish(ctx, j), JobState.COMPLETED, 0);
      check(jobs[0].nativeId !== jobs[1].nativeId, "both jobs got one native id");
      check(JSON.stringify(spec) === '{"executable":"/bin/true"}', "submitting changed the spec");
      return await throttled(ctx, 10, 3);
    },
  },
  {
    number: 10,
    title: "a second Job, and a second executor, attached to a running native id → COMPLETED",
    async run(ctx) {
      const job = await submit(ctx, { executable: "/bin/sleep", arguments: ["3"] });
      await throwsError(
        "attaching a job that is not NEW",
        () => ctx.executor.attach(job, job.nativeId!),
        InvalidStateException,
      );
      await reach(ctx, job, JobState.ACTIVE);
      const second = new Job();
      await ctx.executor.attach(second, job.nativeId!);
      check(second.nativeId === job.nativeId, `the attached job's id is ${second.nativeId}`);
      const others: Job[] = [];
      if (ctx.another) {
        const third = new Job();
        await ctx.another().attach(third, job.nativeId!);
        others.push(third);
      }
      for (const j of [job, second, ...others]) {
        expectState(await finish(ctx, j), JobState.COMPLETED);
        const order = j.history.map((s) => stateOrder(s.state));
        check(
          order.every((o, i) => i === 0 || o > order[i - 1]),
          `an attached job's history: ${j.history.map((s) => s.state).join(", ")}`,
        );
      }
      return ctx.another ? undefined : "no second executor of this kind: the second Job only";
    },
  },
  {
    number: 11,
    title: "attach to a native id that ended long ago ends in a final state, never hangs",
    async run(ctx) {
      const done = await finish(ctx, await submit(ctx, { executable: "/bin/true" }));
      const again = new Job();
      try {
        await ctx.executor.attach(again, done.nativeId!);
      } catch (err) {
        return `refused: ${(err as Error).message}`;
      }
      await finish(ctx, again);
      return again.status.state;
    },
  },
  {
    number: 12,
    title: "list() includes a just-submitted native id",
    async run(ctx) {
      const job = await submit(ctx, { executable: "/bin/sleep", arguments: ["60"] });
      const ids = await ctx.executor.list();
      await job.cancel();
      await finish(ctx, job);
      check(
        ids.includes(job.nativeId!),
        `list() gave ${ids.join(", ") || "nothing"}, not ${job.nativeId}`,
      );
    },
  },
  {
    number: 13,
    title: "2 processes, launcher multiple → 2 ranks; PSIJ_NODEFILE has one line per process",
    async run(ctx) {
      const out = join(ctx.dir, "ranks");
      const nodes = join(ctx.dir, "nodes");
      let job: Job;
      try {
        job = await submit(ctx, {
          executable: "/bin/bash",
          arguments: ["-c", `echo rank; wc -l <"$PSIJ_NODEFILE" >${nodes}`],
          launcher: "multiple",
          resources: { processCount: 2 },
          stdoutPath: out,
          directory: ctx.dir,
        });
      } catch (err) {
        if (err instanceof InvalidJobException) return { skip: `refused: ${err.message}` };
        throw err;
      }
      await finish(ctx, job);
      expectState(job, JobState.COMPLETED, 0);
      const ranks = read(out).split("\n").filter((l) => l === "rank").length;
      check(ranks === 2, `${ranks} ranks ran`);
      check(read(nodes).trim() === "2", `PSIJ_NODEFILE had ${read(nodes).trim()} lines`);
    },
  },
  {
    number: 14,
    skip:
      "one scheduler's script directives: test/pbs/directives.test.ts, test/pbs/hostile.test.ts, " +
      "test/slurm/script.test.ts, test/sge/script.test.ts (an outside executor's own tests)",
    title: "every spec field maps to its directive; hostile values change nothing",
  },
  {
    number: 15,
    skip: "one scheduler's status parser: test/pbs/state.test.ts, test/slurm/parse.test.ts",
    title: "status parsing of every scheduler state",
  },
  {
    number: 16,
    title: "the exit-code file decides: exit 3 → FAILED 3",
    async run(ctx) {
      const job = await finish(ctx, await submit(ctx, sh(ctx.dir, "exit 3")));
      expectState(job, JobState.FAILED, 3);
    },
  },
  {
    number: 17,
    title: "failure before the launch (missing stage-in file) → FAILED with the script's output",
    async run(ctx) {
      const missing = join(ctx.dir, "no-such-input");
      const job = await finish(
        ctx,
        await submit(ctx, {
          executable: "/bin/true",
          directory: ctx.dir,
          stageIn: [{ source: missing, target: join(ctx.dir, "in-copy") }],
        }),
      );
      expectState(job, JobState.FAILED);
      check(
        /stage-in|no-such-input/.test(job.status.message ?? ""),
        `message: ${job.status.message}`,
      );
    },
  },
  {
    number: 18,
    skip:
      "needs a status command that fails on demand: test/pbs/faults.test.ts, test/slurm/truth.test.ts",
    title: "a failing status command finalises nothing",
  },
  {
    number: 19,
    title: "cancel racing completion → no error, one final state",
    async run(ctx) {
      const job = await submit(ctx, { executable: "/bin/true" });
      await job.cancel();
      await finish(ctx, job);
      const finals = job.history.filter((s) => isFinal(s.state));
      check(finals.length === 1, `final states: ${finals.map((s) => s.state).join(", ")}`);
      return job.status.state;
    },
  },
  {
    number: 20,
    skip: "counts one scheduler's commands: test/batch/poller.test.ts",
    title: "one status command per poll for N jobs",
  },
  {
    number: 21,
    title: "preLaunch is sourced: an exported function is visible to the job",
    async run(ctx) {
      const pre = join(ctx.dir, "pre.sh"), out = join(ctx.dir, "pre.out");
      writeFileSync(pre, "psij_hello() { echo -n _pre_; }\nexport -f psij_hello\n");
      const job = await finish(
        ctx,
        await submit(ctx, sh(ctx.dir, "psij_hello", { preLaunch: pre, stdoutPath: out })),
      );
      expectState(job, JobState.COMPLETED, 0);
      check(read(out) === "_pre_", `the job printed ${JSON.stringify(read(out))}`);
    },
  },
  {
    number: 22,
    title: "staging: COPY in, COPY out",
    async run(ctx) {
      const src = join(ctx.dir, "stage-src"), back = join(ctx.dir, "stage-back");
      writeFileSync(src, "_s_");
      const job = await finish(
        ctx,
        await submit(
          ctx,
          sh(ctx.dir, "cat in > out", {
            stageIn: [{ source: src, target: join(ctx.dir, "in") }],
            stageOut: [{ source: join(ctx.dir, "out"), target: back }],
          }),
        ),
      );
      expectState(job, JobState.COMPLETED, 0);
      check(read(back) === "_s_", `staged out ${JSON.stringify(read(back))}`);
    },
  },
  {
    number: 23,
    skip: "the JSON form, not an executor: test/core/json.test.ts",
    title: "JobSpec JSON round trip",
  },
  {
    number: 24,
    skip: "the registry, not an executor: test/core/registry.test.ts",
    title: "registry names and aliases",
  },
  {
    number: 25,
    title: "no files of a finished job are left in the work directory",
    async run(ctx) {
      const workDir = (ctx.executor as unknown as { workDir?: unknown }).workDir;
      if (typeof workDir !== "string") return { skip: "this executor keeps no work directory" };
      const job = await finish(ctx, await submit(ctx, { executable: "/bin/true" }));
      expectState(job, JobState.COMPLETED, 0);
      const id = job.nativeId!;
      const leftNow = () =>
        existsSync(workDir)
          ? readdirSync(workDir).filter((f) => f.startsWith(`${id}.`) || f.startsWith(`${job.id}.`))
          : [];
      // An executor may tidy a moment after the end it reported (the PBS executor ends a job on
      // its exit-code file and tidies when PBS's record of the end comes).
      let left = leftNow();
      for (const end = Date.now() + ctx.timeoutMs; left.length && Date.now() < end;) {
        await new Promise((r) => setTimeout(r, 100));
        left = leftNow();
      }
      check(left.length === 0, `left in ${workDir}: ${left.join(", ")}`);
    },
  },
];

/** A fresh scratch folder for one scenario. */
export function scenarioDir(base: string, n: number): string {
  const dir = join(base, `scenario-${n}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export { Failure as ScenarioFailure };
