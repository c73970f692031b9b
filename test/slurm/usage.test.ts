/**
 * What a job used on Slurm: squeue's Partition, NodeList and SubmitTime
 * (after the name, counted from the end, so a name holding the separator
 * shifts nothing) reach the status as queue, execHosts and queuedSeconds;
 * end to end on a real Slurm (skipped with the reason when none answers).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import { SlurmExecutor } from "../../src/executors/slurm.ts";
import { slurmUsage } from "../../src/executors/slurm/outcome.ts";
import { parseSqueue, SQUEUE_SEPARATOR as S } from "../../src/executors/slurm/parse.ts";
import { needSlurm, slurmOptions } from "./support.ts";

describe("what a job used, from squeue", () => {
  it("reads partition, nodes and submit time after the name, even a name holding the separator", () => {
    const line = ["41", "COMPLETED", "None", "0", "2026-12-04T05:00:10", "2026-12-04T05:00:20"]
      .concat([`odd${S}name`, "debug", "node[01-02]", "2026-12-04T05:00:00"]).join(S);
    const [row] = parseSqueue(`${line}\n`);
    assert.equal(row.name, `odd${S}name`);
    assert.equal(row.partition, "debug");
    assert.equal(row.nodeList, "node[01-02]");
    assert.deepEqual(slurmUsage(row), {
      queue: "debug",
      execHosts: ["node[01-02]"],
      queuedSeconds: 10,
    });
  });

  it("a pending job has no nodes and no wait yet", () => {
    const line = ["42", "PENDING", "Resources", "0", "2026-12-04T06:00:00", "N/A", "x", "debug"]
      .concat(["", "2026-12-04T05:00:00"]).join(S);
    assert.deepEqual(slurmUsage(parseSqueue(line)[0]), { queue: "debug" });
  });
});

describe("what a job used, on a real Slurm", () => {
  let dir = "";
  let ex: SlurmExecutor | undefined;
  after(async () => {
    await ex?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    "the final status carries the partition, the nodes and the wait",
    slurmOptions(300_000),
    async () => {
      needSlurm();
      dir = mkdtempSync(join(tmpdir(), "psij-slurm-usage-"));
      ex = new SlurmExecutor({ workDir: join(dir, "work"), pollFloorMs: 500, pollCeilingMs: 4000 });
      const job = new Job({ executable: "/bin/sleep", arguments: ["1"] });
      await ex.submit(job);
      assert.ok(await job.wait({ timeout: 240_000 }), `job ${job.nativeId} did not end`);
      assert.equal(job.status.state, JobState.COMPLETED, job.status.message);
      const shown = spawnSync("scontrol", ["show", "job", "-o", job.nativeId!], {
        encoding: "utf8",
      });
      const field = (k: string) => new RegExp(`\\b${k}=(\\S+)`).exec(shown.stdout)?.[1];
      const m = job.status.metadata ?? {};
      assert.equal(m.queue, field("Partition"));
      assert.deepEqual(m.execHosts, [field("NodeList")]);
      assert.equal(typeof m.queuedSeconds, "number");
    },
  );
});
