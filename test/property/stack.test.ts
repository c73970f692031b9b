import { describe, it } from "node:test";
import fc from "fast-check";
import { commands, KNOWN_BUGS, stackOptions } from "./arbitraries.ts";
import { checkProperty, runModel, runs, timeoutFor } from "./run.ts";

const RUNS = runs(150);

describe("the whole stack under faults (model-based: agent, store, PBS executor, simulator)", () => {
  it(
    "keeps every invariant through random submits, cancels, faults, clock jumps and restarts",
    { timeout: timeoutFor(RUNS) },
    async () => {
      const replayPath = process.env.PROPERTY_REPLAY_PATH || undefined;
      await checkProperty(
        "stack model",
        fc.asyncProperty(
          commands(replayPath),
          stackOptions,
          (cmds, options) =>
            runModel(cmds, {
              ...options,
              tolerate: !KNOWN_BUGS,
            }),
        ),
        RUNS,
      );
    },
  );
});
