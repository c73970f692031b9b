/**
 * Every bug the model-based suite found, as its shrunk command list, run with
 * all invariants strict (no tolerance). A bug not fixed yet is skipped with
 * its name and owner; remove the skip once fixed (and its trigger from
 * arbitraries.ts / its tolerance in invariants.ts).
 */
import { describe, it } from "node:test";
import {
  Advance,
  Cancel,
  Inject,
  KillMidCancel,
  KillMidSubmit,
  Restart,
  Submit,
} from "./commands.ts";
import { runModel } from "./run.ts";

const job = (fate: string) => ({
  version: 1,
  executable: "/bin/true",
  arguments: [],
  environment: { PT_FATE_Q7: fate },
});

/** The settings the shrunk runs had (short history, fast timeouts, one node). */
const TIGHT = {
  pollFloorMs: 1000,
  pollCeilingMs: 30_000,
  graceMs: 10_000,
  commandTimeoutMs: 5000,
  historyRetentionMs: 15_000,
  nodes: 1,
};

describe("regressions found by the model-based suite", () => {
  it("control: an intent whose qsub reply died with the agent is found by its stamp, not resubmitted", async () => {
    await runModel([new KillMidSubmit(job("r30x0"), "after", 0), new Advance(60_000)]);
  });

  it("control: an intent that never reached qsub is submitted once after the restart", async () => {
    await runModel([new KillMidSubmit(job("r30x0"), "before", 90_000), new Advance(60_000)]);
  });

  it("lost-qsub-reply: a qsub whose reply is lost leaves no PBS job untracked", async () => {
    await runModel([new Inject({ kind: "qsub-lost-reply" }), new Submit(job("r10x0"))]);
  });

  it("lost-qsub-reply: a qsub that timed out after PBS made the job leaves no job untracked", async () => {
    await runModel([
      new Inject({
        kind: "hang",
        commands: ["qsub", "qselect"],
        count: 1,
        ms: 3_600_000,
        acts: true,
      }),
      new Submit(job("r1x0")),
    ]);
  });

  it("recovery-lookup-failure: a failing stamp look-up at restart does not give up on the job", async () => {
    await runModel([
      new Inject({ kind: "hang", commands: ["qselect"], count: 1, ms: 3_600_000, acts: false }),
      new KillMidSubmit(job("r1x0"), "after", 0),
    ]);
  });

  it("restart-status-failure: a failing qstat at restart does not end a live job FAILED", async () => {
    await runModel([
      new Submit(job("r1x0")),
      new Inject({ kind: "connect", commands: ["qstat", "qselect"], count: 2 }),
      new Restart(0),
    ], TIGHT);
  });

  it(
    "resubmit-after-purge: a job that ran and left PBS's history while the agent was down is not run twice",
    {},
    async () => {
      await runModel([new Advance(1), new KillMidSubmit(job("r1x0"), "after", 0)], TIGHT);
    },
  );

  it(
    "findbystamp-ignores-qstat-failure: a failing qstat in the stamp look-up does not resubmit",
    {},
    async () => {
      await runModel([
        new Inject({ kind: "connect", commands: ["qstat"], count: 1 }),
        new KillMidSubmit(job("r45x0"), "after", 0),
      ], TIGHT);
    },
  );

  it(
    "findbystamp-ignores-qstat-failure: ... nor, when that second qsub fails, lose the first job",
    async () => {
      await runModel([
        new Inject({ kind: "hang", commands: ["qsub"], count: 1, ms: 3000, acts: false }),
        new Inject({ kind: "qsub-refuse", count: 1 }),
        new Inject({ kind: "hang", commands: ["qstat"], count: 1, ms: 30_000, acts: false }),
        new KillMidSubmit(job("r42x0"), "after", 0),
      ], TIGHT);
    },
  );

  it("findbystamp-cjson-multi-id: the stamp look-up is not blinded by cJSON bug #2672", async () => {
    await runModel([
      new Inject({ kind: "json-encoder", atMs: 0, encoder: "cjson" }),
      new Submit(job("r1x0")),
      new KillMidSubmit(job("r1x1"), "after", 0),
    ], { ...TIGHT, historyRetentionMs: 600_000, cjsonMultiIdBug: true });
  });

  it("cancel-reply-race: a qdel that acts but answers late still ends the job CANCELED", async () => {
    await runModel([
      new Inject({ kind: "hang", commands: ["qdel"], count: 1, ms: 3000, acts: true }),
      new Submit(job("r1x1")),
      new Cancel(0, false),
    ], TIGHT);
  });

  it("cancel-reply-race: no fault at all, qdel's reply merely arrives after the next poll", async () => {
    await runModel([new Submit(job("r60x0")), new Advance(3000), new Cancel(0, false)], {
      prepare: (stack) => {
        stack.deliver = (reply, label) =>
          label.startsWith("qdel")
            ? reply.then((r) => stack.clock.sleep(1500).then(() => r))
            : reply;
      },
    });
  });

  it("cancel-not-durable: a cancel that reached PBS survives the agent dying before qdel's reply", async () => {
    await runModel([
      new Submit(job("r600x0")),
      new Advance(3000),
      new KillMidCancel(0, "after", 0),
      new Advance(60_000),
    ]);
  });

  it("control: an agent that dies before its qdel reached PBS leaves the job running to its end", async () => {
    await runModel([
      new Submit(job("r600x0")),
      new Advance(3000),
      new KillMidCancel(0, "before", 0),
      new Advance(60_000),
    ]);
  });

  it(
    "cancel-timed-out: a qdel that acted but timed out still ends the job CANCELED",
    {},
    async () => {
      await runModel([
        new KillMidSubmit(job("r1x0"), "before", 0),
        new Inject({
          kind: "hang",
          commands: ["qdel", "qselect"],
          count: 1,
          ms: 3_600_000,
          acts: true,
        }),
        new Cancel(0, false),
        new Advance(1),
      ], TIGHT);
    },
  );

  it(
    "cancel-while-exiting: a cancel stored before a restart ends CANCELED when PBS held the job in E",
    {},
    async () => {
      await runModel([
        new Inject({ kind: "linger-e", atMs: 0, ms: 1000 }),
        new Submit(job("r1x0")),
        new KillMidCancel(0, "after", 0),
        new KillMidSubmit(job("r1x0"), "before", 0),
      ], TIGHT);
    },
  );

  it("never-runnable-qdel-unchecked: a job ended FAILED as never runnable does not run later", async () => {
    await runModel([
      new Inject({ kind: "node-death", node: "n1", atMs: 0 }),
      new Submit(job("r1x0")),
      new Inject({ kind: "connect", commands: ["qdel", "qselect"], count: 1 }),
      new Restart(0),
      new Advance(0),
    ], TIGHT);
  });

  it("sim-state-lags-reply: a job qsub acknowledged survives the simulator's death with the agent", async () => {
    await runModel([new Submit(job("r1x1")), new Restart(0, true)], TIGHT);
  });

  it("sim-id-reused: after the simulator's death the next qsub gets a new id", async () => {
    await runModel([
      new Submit(job("r600x0")),
      new Submit(job("r30x0")),
      new Restart(0, true),
      new Submit(job("r1x0")),
      new Advance(60_000),
    ], TIGHT);
  });

  it("sim-state-lags-reply: a qsub whose reply died with the agent and the simulator is found, not resubmitted", async () => {
    await runModel([
      new KillMidSubmit(job("r30x0"), "after", 0, true),
      new KillMidCancel(0, "after", 0, true),
      new Advance(60_000),
    ], TIGHT);
  });
});
