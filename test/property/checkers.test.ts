/**
 * The invariant checkers catch what they claim to: each case breaks one
 * invariant on purpose (by writing to the store or the simulator behind the
 * agent's back) and expects the checker to name it. A checker that could not
 * fail would make the model-based suite pass for nothing.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Stack } from "../helpers/stack.ts";
import { runCommand } from "../../simulator/runner.ts";
import { Inject, Submit } from "./commands.ts";
import { checkBudget, checkHistories, checkJobs, FailingStatusWatch } from "./invariants.ts";

const job = (fate: string) => ({
  version: 1,
  executable: "/bin/true",
  environment: { PT_FATE_Q7: fate },
});

async function withStack(fn: (s: Stack, m: { jobs: string[] }) => Promise<void>) {
  const s = new Stack();
  try {
    await s.start();
    await fn(s, { jobs: [] });
  } finally {
    s.dispose();
  }
}

describe("the invariant checkers fail when they should", () => {
  it("a clean run passes every checker", async () => {
    await withStack(async (s, m) => {
      await new Submit(job("r5x0")).run(m, s);
      await s.advance(20_000);
      assert.deepEqual([...checkHistories(s), ...checkJobs(s, true), ...checkBudget(s)], []);
    });
  });

  it("a final state PBS does not agree with is reported", async () => {
    await withStack(async (s, m) => {
      await new Submit(job("r1000x3")).run(m, s);
      s.agent.store.recordTransition(m.jobs[0], {
        state: "COMPLETED",
        time: s.clock.now(),
        metadata: { evidence: "history" },
      });
      assert.match(checkJobs(s, false).join("\n"), /final while PBS has it in R/);
    });
  });

  it("an event the client's stream never saw is reported", async () => {
    await withStack(async (s, m) => {
      await new Submit(job("r5x0")).run(m, s);
      s.events.pop();
      assert.match(checkHistories(s).join("\n"), /event stream differs from the store/);
    });
  });

  it("a second PBS job carrying the same stamp is reported as a duplicate", async () => {
    await withStack(async (s, m) => {
      await new Submit(job("r500x0")).run(m, s);
      const first = [...s.simJobs.values()][0];
      runCommand(s.server, ["qsub"], { stdin: first.req.script, cwd: "/tmp" });
      s.noteSimJobs();
      assert.match(checkJobs(s, false).join("\n"), /submitted 2 times/);
    });
  });

  it("status cycles closer than the floor are reported", async () => {
    await withStack(async (s) => {
      await s.advance(0);
      const at = s.clock.now();
      for (const [i, t] of [at, at + 10].entries()) {
        s.log.push({
          incarnation: s.agent.n,
          argv: ["qstat", "-f", "-F", "json", "-x", "1.pbs-sim"],
          startMs: t,
          endMs: t + 1,
          startSeq: 1000 + 2 * i,
          endSeq: 1001 + 2 * i,
          duringRestart: false,
        });
      }
      assert.match(checkBudget(s).join("\n"), /10 ms apart \(floor 1000\)/);
    });
  });

  it("a job moved on scheduler evidence right after a failing status command is reported", async () => {
    await withStack(async (s, m) => {
      const watch = new FailingStatusWatch(s);
      await new Submit(job("r500x0")).run(m, s);
      await new Inject({ kind: "connect", commands: ["qstat"], count: 1 }).run(m, s);
      await s.advance(1000); // the poll fails
      s.agent.store.recordTransition(m.jobs[0], {
        state: "ACTIVE",
        time: s.clock.now(),
        metadata: { evidence: "scheduler" },
      });
      watch.flush();
      assert.match(watch.violations.join("\n"), /after the status command of .* failed/);
    });
  });
});
