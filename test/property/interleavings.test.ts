/**
 * Interleavings: the agent's own concurrency (cancels, twice, racing the
 * poller's cycles, submits in between) with every reply delivered in an order
 * fast-check's scheduler picks. Each command acts when it is sent, as a real
 * one does; only its answer is late. The same invariants as the model-based
 * suite hold at the end.
 */
import { describe, it } from "node:test";
import fc from "fast-check";
import { Stack } from "../helpers/stack.ts";
import { KNOWN_BUGS, specDoc } from "./arbitraries.ts";
import { Cancel, type Model, Submit } from "./commands.ts";
import { checkAll, FailingStatusWatch } from "./invariants.ts";
import { quiesce, runs, timeoutFor } from "./run.ts";

const RUNS = runs(60);

type Op = { kind: "cancel"; pick: number; twice: boolean } | { kind: "advance"; ms: number } | {
  kind: "submit";
  doc: Record<string, unknown>;
};

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat(), twice: fc.boolean() }),
  fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
  fc.record({ kind: fc.constant("submit" as const), doc: specDoc }),
);

async function scenario(s: fc.Scheduler, first: Record<string, unknown>[], ops: Op[]) {
  const stack = new Stack({ pollFloorMs: 1000, graceMs: 30_000 });
  const watch = new FailingStatusWatch(stack);
  try {
    await stack.start();
    const model: Model = { jobs: [] };
    for (const d of first) await new Submit(d).run(model, stack);
    stack.deliver = (reply, label) => s.schedule(reply, label);
    const tasks = ops.map((o) => {
      if (o.kind === "advance") return stack.advance(o.ms);
      if (o.kind === "submit") return new Submit(o.doc).run(model, stack);
      return new Cancel(o.pick, o.twice).run(model, stack);
    });
    await s.waitFor(Promise.all(tasks));
    stack.deliver = undefined;
    await s.waitAll();
    await quiesce(stack);
    checkAll(stack, watch, true, { tolerate: !KNOWN_BUGS });
  } finally {
    stack.dispose();
  }
}

describe("interleavings (fc.scheduler): replies arrive in any order", () => {
  it(
    "cancels, submits and poll cycles racing one another keep every invariant",
    { timeout: timeoutFor(RUNS) },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.scheduler(),
          fc.array(specDoc, { minLength: 1, maxLength: 3 }),
          fc.array(op, { minLength: 1, maxLength: 6 }),
          (s, first, ops) => scenario(s, first, ops),
        ),
        {
          numRuns: RUNS,
          seed: process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined,
          path: process.env.PROPERTY_PATH || undefined,
        },
      );
    },
  );
});
