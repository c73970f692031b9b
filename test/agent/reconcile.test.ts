/**
 * Reconciling submissions and re-attaches whose outcome the agent does not
 * know, against the real PBS executor and the in-process simulator (model
 * mode, virtual clock): regressions found by the model-based suite.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SubmitFailedError } from "../../src/agent/errors.ts";
import { JobService } from "../../src/agent/service.ts";
import { specToJson } from "../../src/agent/spec-input.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { VirtualClock } from "../../src/core/clock.ts";
import type { CommandOptions, CommandRunner } from "../../src/core/command-runner.ts";
import { parseJobSpecDocument } from "../../src/core/json/index.ts";
import { Job } from "../../src/core/job.ts";
import { PbsExecutor, type PbsExecutorConfig } from "../../src/executors/pbs.ts";
import { Faults } from "../../simulator/faults.ts";
import { createSimRunner } from "../../simulator/runner.ts";
import { SimServer } from "../../simulator/server/server.ts";

const SPEC = { version: 1, executable: "/bin/true" };
const HISTORY_MS = 15_000;

class Counting implements CommandRunner {
  readonly calls: string[] = [];
  constructor(readonly inner: CommandRunner) {}
  run(argv: readonly string[], options?: CommandOptions) {
    this.calls.push(argv[0]);
    return this.inner.run(argv, options);
  }
  count(cmd: string): number {
    return this.calls.filter((c) => c === cmd).length;
  }
}

/** One PBS (simulator), one store, agents that come and go over them. */
function world(runtimeMs = 600_000, historyMs = HISTORY_MS) {
  const dir = mkdtempSync(join(tmpdir(), "psij-agent-reconcile-"));
  const clock = new VirtualClock();
  const server = new SimServer({
    clock,
    mode: "model",
    historyRetentionMs: historyMs,
    outcome: () => ({ runtimeMs, exitStatus: 0 }),
  });
  const store = new JobStore(":memory:");
  const workDir = join(dir, "work");
  const config = (runner: CommandRunner): PbsExecutorConfig => ({
    workDir,
    runner,
    clock,
    commandTimeoutMs: 5000,
    historyRetentionMs: historyMs,
    env: {},
    home: dir,
  });
  const agent = () => {
    const faults = new Faults();
    const runner = new Counting(createSimRunner(server, faults));
    const executor = new PbsExecutor(config(runner));
    const service = new JobService({
      store,
      executors: { pbs: executor },
      defaultExecutor: "pbs",
      clock,
    });
    return { faults, runner, executor, service };
  };
  /** What an agent that died right after its qsub leaves: an open intent, a PBS job. */
  const diedAfterQsub = async (id: string) => {
    intentOnly(id);
    const ex = new PbsExecutor(config(createSimRunner(server)));
    await ex.submit(new Job(parseJobSpecDocument(SPEC), { id }));
    await ex.close();
  };
  const intentOnly = (id: string) =>
    store.createJob({
      id,
      executor: "pbs",
      specJson: specToJson(parseJobSpecDocument(SPEC)),
      createdAt: clock.now(),
      stamp: id,
    });
  /** Awaits `p` while virtual time passes in one-second steps. */
  const settle = async <T>(p: Promise<T>, limitMs = 3_600_000): Promise<T> => {
    let done = false;
    p.then(() => (done = true), () => (done = true));
    for (let t = 0; !done && t < limitMs; t += 1000) await clock.advance(1000);
    return await p;
  };
  const stampedJobs = (stamp: string) =>
    [...server.jobs.values()].filter((j) => JSON.stringify(j.req).includes(stamp));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  return { clock, server, store, agent, diedAfterQsub, intentOnly, settle, stampedJobs, cleanup };
}

describe("reconciling what the agent does not know (PBS simulator)", () => {
  it("recovery-lookup-failure: a failing stamp look-up at restart keeps the intent open and retries", async () => {
    const w = world();
    try {
      await w.diedAfterQsub("jlook");
      await w.clock.advance(120_000);
      const a = w.agent();
      a.faults.inject({ kind: "connect", commands: ["qselect"], count: 3 });
      let done = false;
      const recovering = a.service.recover().then((r) => ((done = true), r));
      await w.clock.advance(70_000);
      assert.equal(w.store.getJob("jlook")!.state, "NEW", "a look-up that failed decides nothing");
      assert.equal(done, false);
      assert.equal(a.service.recovering, true, "health shows recovering");
      const report = await w.settle(recovering);
      assert.deepEqual(report.reconciled, ["jlook"]);
      assert.deepEqual(report.failed, []);
      const rec = w.store.getJob("jlook")!;
      assert.ok(rec.nativeId);
      assert.equal(rec.state, "ACTIVE");
      assert.equal(w.store.getIntent("jlook")?.outcome, "reconciled");
      assert.equal(a.runner.count("qsub"), 0, "not submitted again");
      assert.equal(a.service.recovering, false);
      await a.service.close();
    } finally {
      w.cleanup();
    }
  });

  it("recovery with many open submissions lists the user's jobs once, not once per submission", async () => {
    const w = world();
    try {
      const made = ["jm1", "jm2", "jm3", "jm4", "jm5", "jm6"];
      for (const id of made) await w.diedAfterQsub(id);
      w.intentOnly("jnever"); // never reached qsub: found by none, so submitted once
      await w.clock.advance(120_000);
      const a = w.agent();
      const report = await w.settle(a.service.recover());
      assert.deepEqual([...report.reconciled].sort(), made);
      assert.deepEqual(report.resubmitted, ["jnever"]);
      assert.equal(a.runner.count("qselect"), 1, "one listing for seven look-ups");
      for (const id of made) {
        assert.equal(w.stampedJobs(id).length, 1, `${id} in PBS once`);
        assert.ok(w.store.getJob(id)!.nativeId);
      }
      assert.equal(w.stampedJobs("jnever").length, 1);
      await a.service.close();
    } finally {
      w.cleanup();
    }
  });

  it("findbystamp-ignores-qstat-failure: a failing qstat in the look-up neither resubmits nor fails", async () => {
    const w = world();
    try {
      await w.diedAfterQsub("jqstat");
      await w.clock.advance(120_000);
      const a = w.agent();
      a.faults.inject({ kind: "connect", commands: ["qstat"], count: 2 });
      const report = await w.settle(a.service.recover());
      assert.deepEqual(report.reconciled, ["jqstat"]);
      assert.equal(a.runner.count("qsub"), 0);
      assert.equal(w.stampedJobs("jqstat").length, 1);
      await a.service.close();
    } finally {
      w.cleanup();
    }
  });

  it("lost-qsub-reply: a lost qsub reply leaves the job open, found by its stamp and tracked", async () => {
    const w = world();
    try {
      const a = w.agent();
      a.faults.inject({ kind: "qsub-lost-reply", count: 1 });
      const { job } = await a.service.submit(SPEC);
      assert.equal(job.state, "NEW", "not FAILED: PBS may have the job");
      assert.equal(a.service.recovering, true);
      await w.settle(a.service.settled());
      const rec = w.store.getJob(job.id)!;
      assert.ok(rec.nativeId, "attached to the job PBS made");
      assert.equal(rec.state, "ACTIVE");
      assert.equal(a.runner.count("qsub"), 1, "submitted once");
      assert.equal(w.stampedJobs(job.id).length, 1);
      assert.equal(w.store.getIntent(job.id)?.outcome, "reconciled");
      await a.service.close();
    } finally {
      w.cleanup();
    }
  });

  it("lost-qsub-reply: a qsub that timed out without acting is submitted again once", async () => {
    const w = world(600_000, 3_600_000); // history outlives the settle time: absence is proof
    try {
      const a = w.agent();
      a.faults.inject({ kind: "hang", commands: ["qsub"], count: 1, ms: 3_600_000, acts: false });
      const { job } = await w.settle(a.service.submit(SPEC));
      assert.equal(job.state, "NEW");
      await w.settle(a.service.settled());
      const rec = w.store.getJob(job.id)!;
      assert.ok(rec.nativeId);
      assert.ok(["QUEUED", "ACTIVE"].includes(rec.state), rec.state);
      assert.equal(a.runner.count("qsub"), 2);
      assert.equal(w.stampedJobs(job.id).length, 1, "one PBS job");
      await a.service.close();
    } finally {
      w.cleanup();
    }
  });

  it("a refused qsub (not transient) still ends FAILED with the scheduler's words", async () => {
    const w = world();
    try {
      const a = w.agent();
      a.faults.inject({ kind: "qsub-refuse", count: 1, text: "qsub: Unknown queue" });
      let id = "";
      await assert.rejects(a.service.submit(SPEC), (err: unknown) => {
        assert.ok(err instanceof SubmitFailedError);
        id = err.jobId;
        return true;
      });
      assert.equal(w.store.getJob(id)!.state, "FAILED");
      assert.match(w.store.getJob(id)!.message!, /Unknown queue/);
      await a.service.close();
    } finally {
      w.cleanup();
    }
  });

  it("restart-status-failure: a failing qstat at restart keeps tracking the job, attached later", async () => {
    const w = world(300_000);
    try {
      const first = w.agent();
      const { job } = await first.service.submit(SPEC);
      await first.service.close();
      const a = w.agent();
      a.faults.inject({ kind: "connect", commands: ["qstat"], count: 3 });
      const report = await w.settle(a.service.recover());
      assert.deepEqual(report.failed, []);
      assert.notEqual(w.store.getJob(job.id)!.state, "FAILED", "not 'cannot verify'");
      for (let i = 0; i < 30 && w.store.getJob(job.id)!.state !== "COMPLETED"; i++) {
        await w.clock.advance(60_000);
      }
      assert.equal(w.store.getJob(job.id)!.state, "COMPLETED");
      await a.service.close();
    } finally {
      w.cleanup();
    }
  });

  it("resubmit-after-purge: a job that may have run and left PBS's history is not submitted again", async () => {
    const w = world(1000);
    try {
      await w.diedAfterQsub("jpurged");
      await w.clock.advance(120_000); // it ran, ended, and was purged meanwhile
      const a = w.agent();
      const report = await w.settle(a.service.recover());
      assert.equal(a.runner.count("qsub"), 0, "never run twice");
      assert.deepEqual(report.resubmitted, []);
      const rec = w.store.getJob("jpurged")!;
      assert.equal(rec.state, "FAILED");
      assert.match(rec.message!, /submission state unknown: .*may have run and been purged/);
      await a.service.close();
    } finally {
      w.cleanup();
    }
  });

  it("control: an intent that never reached qsub (no script file) is submitted once", async () => {
    const w = world();
    try {
      w.intentOnly("jnever");
      await w.clock.advance(120_000);
      const a = w.agent();
      const report = await w.settle(a.service.recover());
      assert.deepEqual(report.resubmitted, ["jnever"]);
      assert.equal(a.runner.count("qsub"), 1);
      await a.service.close();
    } finally {
      w.cleanup();
    }
  });

  it("cancel-not-durable: a cancel whose qdel reached PBS survives the agent dying before its reply", async () => {
    const w = world();
    try {
      const first = w.agent();
      const { job } = await first.service.submit(SPEC);
      await w.clock.advance(30_000);
      assert.equal(w.store.getJob(job.id)!.state, "ACTIVE");
      first.faults.inject({ kind: "hang", commands: ["qdel"], count: 1, acts: true });
      void first.service.cancel(job.id).catch(() => {});
      await w.clock.advance(1000); // qdel acted; its reply never comes
      await first.service.close(); // the agent dies
      await w.clock.advance(10_000);
      const a = w.agent();
      await w.settle(a.service.recover());
      for (let i = 0; i < 10 && w.store.getJob(job.id)!.state === "ACTIVE"; i++) {
        await w.clock.advance(30_000);
      }
      const rec = w.store.getJob(job.id)!;
      assert.equal(rec.state, "CANCELED", rec.message);
      await a.service.close();
    } finally {
      w.cleanup();
    }
  });

  it("cancel-not-durable: a stored cancel whose qdel never reached PBS is sent again after a restart", async () => {
    const w = world();
    try {
      const first = w.agent();
      const { job } = await first.service.submit(SPEC);
      await w.clock.advance(30_000);
      first.faults.inject({ kind: "hang", commands: ["qdel"], count: 1, acts: false });
      void first.service.cancel(job.id).catch(() => {});
      await w.clock.advance(1000);
      await first.service.close();
      const a = w.agent();
      await w.settle(a.service.recover());
      assert.equal(a.runner.count("qdel"), 1, "the cancel is sent again");
      for (let i = 0; i < 10 && w.store.getJob(job.id)!.state !== "CANCELED"; i++) {
        await w.clock.advance(30_000);
      }
      assert.equal(w.store.getJob(job.id)!.state, "CANCELED");
      assert.ok(w.stampedJobs(job.id)[0].deletedBy, "PBS deleted it");
      await a.service.close();
    } finally {
      w.cleanup();
    }
  });

  it("cancel-timed-out: a qdel that acted but timed out still ends the job CANCELED", async () => {
    const w = world();
    try {
      const a = w.agent();
      const { job } = await a.service.submit(SPEC);
      await w.clock.advance(30_000);
      a.faults.inject({ kind: "hang", commands: ["qdel"], count: 1, acts: true });
      await w.settle(a.service.cancel(job.id).catch(() => {}));
      for (
        let i = 0;
        i < 10 && !["CANCELED", "FAILED"].includes(w.store.getJob(job.id)!.state);
        i++
      ) {
        await w.clock.advance(30_000);
      }
      assert.equal(w.store.getJob(job.id)!.state, "CANCELED", w.store.getJob(job.id)!.message);
      await a.service.close();
    } finally {
      w.cleanup();
    }
  });
});
