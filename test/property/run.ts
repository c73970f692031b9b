/**
 * Running a command list against a fresh stack with the invariants checked
 * after every command and at the end, and the run settings (runs, seed,
 * path) that make a failure replayable.
 * @module
 */
import fc from "fast-check";
import { Stack, type StackOptions } from "../helpers/stack.ts";
import { clearAllFaults, type Cmd, type Model } from "./commands.ts";
import { checkAll, type CheckOptions, FailingStatusWatch } from "./invariants.ts";

/** Runs per property: PROPERTY_RUNS (npm run test:deep sets 10000), else `ci`. */
export function runs(ci: number): number {
  return Number(process.env.PROPERTY_RUNS) || ci;
}

/** A generous per-test timeout that grows with the number of runs. */
export function timeoutFor(n: number, msPerRun = 400): number {
  return Math.max(60_000, n * msPerRun);
}

/** How long (virtual) the end phase waits for everything to settle. */
const END_LIMIT_MS = 6 * 3_600_000;

/** Clears faults, then advances time until every job is final and PBS is idle. */
export async function quiesce(stack: Stack): Promise<void> {
  clearAllFaults(stack);
  const end = stack.clock.now() + END_LIMIT_MS;
  while (stack.clock.now() < end) {
    await stack.advance(30_000);
    const live = [...stack.server.jobs.values()].some((j) => !j.finished);
    if (!live && stack.agent.store.nonFinalJobs().length === 0) break;
  }
}

/** Setup, every command with its check, the end phase and the final check. */
export async function runModel(
  cmds: Iterable<Cmd>,
  options: StackOptions & CheckOptions & { prepare?: (stack: Stack) => void } = {},
): Promise<void> {
  const stack = new Stack(options);
  options.prepare?.(stack);
  const check = { tolerate: options.tolerate };
  const watch = new FailingStatusWatch(stack);
  try {
    await stack.start();
    const model: Model = { jobs: [] };
    const setup = () => ({ model, real: stack });
    // asyncModelRun executes each command whose check passes; the invariants
    // run after each one through the wrapper below.
    const checked = [...cmds].map((c) => withCheck(c, watch, check));
    await fc.asyncModelRun(setup, checked);
    await quiesce(stack);
    checkAll(stack, watch, true, check);
  } finally {
    stack.dispose();
  }
}

function withCheck(c: Cmd, watch: FailingStatusWatch, check: CheckOptions): Cmd {
  return {
    check: (m) => c.check(m),
    run: async (m, s) => {
      await c.run(m, s);
      checkAll(s, watch, false, check);
    },
    toString: () => c.toString(),
  };
}

/**
 * fc.check with PROPERTY_SEED / PROPERTY_PATH honoured; a failure throws one
 * message with the seed, the path, the replay command and the shrunk list.
 */
export async function checkProperty(
  name: string,
  prop: fc.IAsyncProperty<[Iterable<Cmd>, ...unknown[]]>,
  numRuns: number,
): Promise<void> {
  const seed = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined;
  const path = process.env.PROPERTY_PATH || undefined;
  const started = Date.now();
  const out = await fc.check(prop, {
    numRuns: path ? 1 : numRuns,
    seed,
    path,
    endOnFailure: false,
  });
  if (process.env.PROPERTY_REPORT) {
    console.log(`${name}: ${out.numRuns} runs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  if (!out.failed) return;
  const shrunk = out.counterexample
    ? out.counterexample.map((v) =>
      typeof v === "object" && !(Symbol.iterator in Object(v)) ? JSON.stringify(v) : String(v)
    ).join("\n  with ")
    : "(none)";
  const replayPath = /replayPath="([^"]*)"/.exec(shrunk)?.[1];
  throw new Error(
    `${name} failed after ${out.numRuns} runs (${out.numShrinks} shrinks)\n` +
      `seed ${out.seed}, path ${out.counterexamplePath}\n` +
      `replay: PROPERTY_SEED=${out.seed} PROPERTY_PATH=${out.counterexamplePath} ` +
      (replayPath ? `PROPERTY_REPLAY_PATH='${replayPath}' ` : "") +
      `node_modules/.bin/bun test test/property/\n` +
      `shrunk commands: ${shrunk}\n` +
      `error: ${
        out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)
      }`,
  );
}
