/**
 * Audit in execute mode (the script really runs, as a MoM would run it):
 * how the script's own TERM handling meets PBS's records. The script traps
 * SIGTERM and exits 143 itself, so PBS records Exit_status 143 (substate 91
 * after a qdel, -29 after a walltime kill), not the 271 of a killed shell.
 * Also what the script sources: a relative preLaunch is the job directory's.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PsijError } from "../../src/core/errors.ts";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import type { PbsExecutor } from "../../src/executors/pbs.ts";
import { runCommand } from "../../simulator/runner.ts";
import { executeRig } from "./helpers.ts";

const { base, server, faults, executor, close } = executeRig("psij-pbs-audit-");

async function running(ex: PbsExecutor): Promise<Job> {
  const job = new Job({ executable: "/bin/sleep", arguments: ["30"] });
  await ex.submit(job);
  await job.wait({ timeout: 15_000, targetStates: [JobState.ACTIVE] });
  // PBS says R before the script has set its TERM trap; give it a moment.
  await new Promise((r) => setTimeout(r, 500));
  return job;
}

function pbsRecord(id: string) {
  const j = server.jobs.get(id)!;
  return { state: j.state, substate: j.substate, exitStatus: j.exitStatus };
}

after(close);

describe(
  "audit: execute mode, the script's TERM trap and PBS's records",
  { timeout: 60_000 },
  () => {
    it("walltime kill: FAILED with the file's 143 and PBS's reason 'walltime exceeded (Exit_status -29)'", async () => {
      const job = new Job({
        executable: "/bin/sleep",
        arguments: ["30"],
        attributes: { duration: 2 },
      });
      await executor().submit(job);
      await job.wait({ timeout: 30_000 });
      assert.equal(job.status.state, JobState.FAILED);
      assert.equal(job.status.exitCode, 143);
      assert.equal(job.status.metadata?.exitStatus, -29);
      assert.match(job.status.message!, /walltime exceeded \(Exit_status -29\)/);
    });

    it("re-attach after a qdel the dead agent sent: PBS's 143/substate 91 proves the user's cancel → CANCELED", async () => {
      const first = executor();
      const job = await running(first);
      const id = job.nativeId!;
      await first.close();
      // The agent's qdel reached PBS; the agent died before its reply.
      assert.equal(runCommand(server, ["qdel", id]).exitCode, 0);
      for (let i = 0; i < 100 && server.jobs.get(id)?.state !== "F"; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(pbsRecord(id), { state: "F", substate: 91, exitStatus: 143 });
      const again = new Job(job.spec);
      await executor().attach(again, id, { cancelRequested: true });
      await again.wait({ timeout: 10_000 });
      assert.equal(again.status.state, JobState.CANCELED);
      assert.equal(again.status.metadata?.evidence, "user-cancel");
    });

    it("a qdel whose reply is lost (timed out) after it acted: the job still ends CANCELED", async () => {
      const ex = executor({ commandTimeoutMs: 1000 });
      const job = await running(ex);
      faults.inject({ kind: "hang", commands: ["qdel"], ms: 60_000, acts: true });
      await assert.rejects(job.cancel(), (e: unknown) => {
        assert.ok(e instanceof PsijError);
        assert.match(e.message, new RegExp(`qdel ${job.nativeId!.replace(".", "\\.")} failed`));
        assert.match(e.message, /timed out/);
        return true;
      });
      await job.wait({ timeout: 15_000 });
      assert.equal(pbsRecord(job.nativeId!).substate, 91);
      assert.equal(job.status.state, JobState.CANCELED);
    });

    it("a relative preLaunch/postLaunch is the job directory's file, never one bash's source finds in PATH", async () => {
      const dir = join(base, "jobdir"), decoy = join(base, "decoy");
      mkdirSync(dir);
      mkdirSync(decoy);
      writeFileSync(join(dir, "setup.sh"), "export FROM=job-directory\n");
      writeFileSync(join(decoy, "setup.sh"), "export FROM=PATH\n");
      const job = new Job({
        executable: "/bin/bash",
        arguments: ["-c", 'printf %s "$FROM"'],
        directory: dir,
        environment: { PATH: `${decoy}:${process.env.PATH}` },
        preLaunch: "setup.sh",
        postLaunch: "setup.sh",
        stdoutPath: join(dir, "out.txt"),
      });
      await executor().submit(job);
      await job.wait({ timeout: 30_000 });
      assert.equal(job.status.state, JobState.COMPLETED, job.status.message);
      assert.equal(readFileSync(join(dir, "out.txt"), "utf8"), "job-directory");
    });
  },
);
