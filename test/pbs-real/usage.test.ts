/**
 * What a job used, on a real OpenPBS: the queue, execution hosts, time
 * waited and resources_used of its history record reach the job's final
 * status. Skipped with the reason when no PBS answers; failing when
 * REQUIRE_PBS=1.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import type { PbsExecutor } from "../../src/executors/pbs.ts";
import { needPbs } from "./support.ts";
import { OPT, qstatJson, realExecutor, scratch, until, WAIT } from "./rig.ts";

describe("what a job used, on a real OpenPBS", () => {
  const { base } = scratch("psij-pbs-real-usage-");
  let ex: PbsExecutor | undefined;
  after(async () => await ex?.close());

  it(
    "the end from the exit-code file, then PBS's record: queue, exec_host, wait and resources_used",
    OPT,
    async () => {
      needPbs();
      ex = realExecutor(join(base, "work"));
      const job = new Job({ executable: "/bin/sleep", arguments: ["1"] });
      let facts: Record<string, unknown> | undefined;
      ex.addFinalFactsListener((j, f) => {
        if (j === job) facts = f;
      });
      await ex.submit(job);
      assert.ok(await job.wait({ timeout: WAIT }), `job ${job.nativeId} did not end`);
      assert.equal(job.status.state, JobState.COMPLETED, job.status.message);
      await until("PBS's record to reach the final-facts listener", () => facts !== undefined);
      const m = { ...job.status.metadata, ...facts };
      const rec = JSON.parse(qstatJson(job.nativeId!).stdout).Jobs[job.nativeId!];
      assert.equal(rec.job_state, "F");
      assert.equal(m.exitStatus, rec.Exit_status);
      assert.equal(m.queue, rec.queue);
      assert.deepEqual(m.execHosts, [String(rec.exec_host).split("/")[0]]);
      assert.equal(typeof m.queuedSeconds, "number");
      const used = m.resourcesUsed as Record<string, unknown>;
      assert.equal(used.walltime, rec.resources_used.walltime);
      assert.equal(used.cput, rec.resources_used.cput);
    },
  );
});
