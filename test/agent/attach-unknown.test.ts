/**
 * Attaching to an id nobody knows (a typo) records nothing: 404 when the
 * scheduler and its history do not know it and no exit-code file exists,
 * 422 at `$.nativeId` for an id the scheduler never prints, and 502 when the
 * status command itself fails (that proves nothing either way: truth rule 2).
 * An id the scheduler's history or the job's exit-code file knows is still
 * attached. PBS over the simulator, Slurm (whose squeue cannot run here) and
 * local.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createApp } from "../../src/agent/http/app.ts";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import type { JobExecutor } from "../../src/core/executor.ts";
import { ProcessRunner } from "../../src/batch/process-runner.ts";
import { LocalJobExecutor } from "../../src/executors/local.ts";
import { SlurmExecutor } from "../../src/executors/slurm.ts";
import { advance, rig } from "../pbs/helpers.ts";

function agentOver(name: string, executor: JobExecutor) {
  const store = new JobStore(":memory:");
  const service = new JobService({ store, executors: { [name]: executor }, defaultExecutor: name });
  const app = createApp(service);
  const attach = async (nativeId: string) => {
    const res = await app.request("/v1/attach", {
      method: "POST",
      body: JSON.stringify({ nativeId }),
      headers: { "content-type": "application/json" },
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const close = async () => {
    await service.close();
    store.close();
  };
  return { store, service, attach, close };
}

const slug = (body: Record<string, any>) => String(body.type).split("/").at(-1);

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("agent: attach to an id nobody knows records nothing", () => {
  it("PBS (simulator): an unknown id is a 404 and stores no job, however often it is tried", async () => {
    const { executor } = rig();
    const { store, attach, close } = agentOver("pbs", executor);
    try {
      for (const id of ["999.pbs-sim", "999"]) {
        const { status, body } = await attach(id);
        assert.equal(status, 404, JSON.stringify(body));
        assert.equal(slug(body), "not-found");
        assert.match(
          body.detail,
          new RegExp(`PBS does not know job ${id}\\b.*nothing was attached`),
        );
      }
      assert.equal(store.countJobs(), 0);
    } finally {
      await close();
    }
  });

  it("PBS (simulator): a failing qstat is a 502 scheduler-error, not a 404, and stores no job", async () => {
    const { executor, faults } = rig();
    const { store, attach, close } = agentOver("pbs", executor);
    try {
      faults.inject({ kind: "connect", commands: ["qstat"], count: 100 });
      const { status, body } = await attach("999.pbs-sim");
      assert.equal(status, 502, JSON.stringify(body));
      assert.equal(slug(body), "scheduler-error");
      assert.match(body.detail, /cannot look up PBS job 999\.pbs-sim/);
      assert.equal(store.countJobs(), 0);
    } finally {
      await close();
    }
  });

  it("PBS: an id PBS never prints is a 422 at $.nativeId and stores no job", async () => {
    const { executor } = rig();
    const { store, attach, close } = agentOver("pbs", executor);
    try {
      const { status, body } = await attach("-x");
      assert.equal(status, 422, JSON.stringify(body));
      assert.equal(body.field, "$.nativeId");
      assert.match(body.detail, /^\$\.nativeId: "-x" is not a PBS job id/);
      assert.equal(store.countJobs(), 0);
    } finally {
      await close();
    }
  });

  it("PBS (simulator): a job only in PBS's history, or only in its exit-code file, is attached", async () => {
    const { clock, executor, newExecutor, workDir } = rig();
    const first = agentOver("pbs", executor);
    const done = (await first.service.submit({ version: 1, executable: "/bin/true", name: "r1" }))
      .job;
    await advance(clock, 20_000);
    assert.equal(first.store.getJob(done.id)!.state, "COMPLETED");
    await first.close();

    const { store, attach, close } = agentOver("pbs", newExecutor());
    try {
      const fromHistory = await attach(done.nativeId!);
      assert.equal(fromHistory.status, 201, JSON.stringify(fromHistory.body));
      assert.equal(fromHistory.body.state, "COMPLETED");

      writeFileSync(join(workDir, "4242.pbs-sim.ec"), "0\n");
      const fromFile = await attach("4242.pbs-sim");
      assert.equal(fromFile.status, 201, JSON.stringify(fromFile.body));
      assert.equal(store.countJobs(), 2);
    } finally {
      await close();
    }
  });

  /**
   * A Slurm whose squeue is a process printing `stderr` and exiting 1, and
   * whose sacct (its accounting) has no record: prints nothing, exits 0.
   */
  function slurmSaying(stderr: string) {
    const workDir = mkdtempSync(join(tmpdir(), "psij-attach-slurm-"));
    dirs.push(workDir);
    const real = new ProcessRunner();
    const script = `[ "$1" = sacct ] && exit 0; printf '%s\\n' "$2" >&2; exit 1`;
    return agentOver(
      "slurm",
      new SlurmExecutor({
        workDir,
        runner: { run: (argv, o) => real.run(["sh", "-c", script, "sh", argv[0], stderr], o) },
      }),
    );
  }

  it("Slurm: an id squeue calls invalid is a 404; a malformed one a 422; no job stored", async () => {
    const { store, attach, close } = slurmSaying("slurm_load_jobs error: Invalid job id specified");
    try {
      const { status, body } = await attach("999");
      assert.equal(status, 404, JSON.stringify(body));
      assert.match(body.detail, /Slurm does not know job 999\b.*nor in sacct/);
      const bad = await attach("abc");
      assert.equal(bad.status, 422);
      assert.equal(bad.body.field, "$.nativeId");
      assert.equal(store.countJobs(), 0);
    } finally {
      await close();
    }
  });

  it("Slurm: a squeue that fails is a 502 scheduler-error and stores no job", async () => {
    const { store, attach, close } = slurmSaying(
      "slurm_load_jobs error: Unable to contact slurm controller (connect failure)",
    );
    try {
      const { status, body } = await attach("999");
      assert.equal(status, 502, JSON.stringify(body));
      assert.equal(slug(body), "scheduler-error");
      assert.match(body.detail, /Unable to contact slurm controller/);
      assert.equal(store.countJobs(), 0);
    } finally {
      await close();
    }
  });

  it("local: an id that is no run of this process is a 404 and stores no job", async () => {
    const { store, attach, close } = agentOver("local", new LocalJobExecutor());
    try {
      const { status, body } = await attach("12345-999");
      assert.equal(status, 404, JSON.stringify(body));
      assert.match(body.detail, /not a local job of this process/);
      assert.equal(store.countJobs(), 0);
    } finally {
      await close();
    }
  });
});

describe("agent: attach to a known id while the scheduler stops answering", () => {
  it("PBS (simulator): qstat failing after the look-up leaves the job NEW, not FAILED, and attaches once PBS answers", async () => {
    const { clock, executor, newExecutor, faults, runner } = rig();
    const first = agentOver("pbs", executor);
    const { job: ran } = await first.service.submit({
      version: 1,
      executable: "/bin/true",
      name: "r600",
    });
    await advance(clock, 3_000);
    await first.close();

    // Every qstat after the agent's look-up fails, until cleared.
    let looked = false;
    const flaky = newExecutor({
      runner: {
        run: async (argv, o) => {
          const r = await runner.run(argv, o);
          if (argv[0] === "qstat" && !looked) {
            looked = true;
            faults.inject({ kind: "connect", commands: ["qstat"], count: 1000 });
          }
          return r;
        },
      },
    });
    const store = new JobStore(":memory:");
    const service = new JobService({
      store,
      executors: { pbs: flaky },
      defaultExecutor: "pbs",
      clock,
    });
    try {
      const { job, created } = await service.attach(ran.nativeId!);
      assert.equal(created, true);
      assert.equal(store.getJob(job.id)!.state, "NEW", "a failed status command decides nothing");
      faults.clear();
      for (let i = 0; i < 120 && store.getJob(job.id)!.state === "NEW"; i++) {
        await advance(clock, 1_000);
      }
      assert.equal(store.getJob(job.id)!.state, "ACTIVE");
    } finally {
      await service.close();
      store.close();
    }
  });
});
