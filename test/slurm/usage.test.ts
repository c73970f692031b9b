/**
 * What a job used on Slurm: squeue's Partition, NodeList and SubmitTime
 * (after the name, counted from the end, so a name holding the separator
 * shifts nothing) reach the status as queue, execHosts and queuedSeconds;
 * sacct's figures (with accounting: `scripts/slurm/up.sh --accounting`) as
 * resourcesUsed; end to end on a real Slurm (skipped with the reason when none
 * answers, or when it keeps no accounting unless REQUIRE_SLURM_ACCOUNTING=1).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import { SlurmExecutor } from "../../src/executors/slurm.ts";
import { slurmUsage } from "../../src/executors/slurm/outcome.ts";
import { parseSqueue, SQUEUE_SEPARATOR as S } from "../../src/executors/slurm/parse.ts";
import { parseSacctUsage, sacctUsageArgv } from "../../src/executors/slurm/sacct.ts";
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
  const made: Array<{ dir: string; ex: SlurmExecutor }> = [];
  after(async () => {
    for (const { dir, ex } of made) {
      await ex.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  function executor(): SlurmExecutor {
    const dir = mkdtempSync(join(tmpdir(), "psij-slurm-usage-"));
    const ex = new SlurmExecutor({
      workDir: join(dir, "work"),
      pollFloorMs: 500,
      pollCeilingMs: 4000,
    });
    made.push({ dir, ex });
    return ex;
  }

  it(
    "the final status carries the partition, the nodes and the wait",
    slurmOptions(300_000),
    async () => {
      needSlurm();
      const ex = executor();
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

  it(
    "the final status carries sacct's figures, as sacct prints them",
    slurmOptions(300_000),
    async (t) => {
      needSlurm();
      const probe = spawnSync("sacct", ["-n", "-X", "-j", "1"], { encoding: "utf8" });
      if (/accounting storage is disabled/i.test(probe.stdout + probe.stderr)) {
        const why = "this Slurm keeps no accounting (scripts/slurm/up.sh --accounting starts one)";
        if (process.env.REQUIRE_SLURM_ACCOUNTING === "1") assert.fail(why);
        t.skip(why);
        return;
      }
      const ex = executor();
      const job = new Job({
        executable: "/bin/bash",
        arguments: ["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 2"],
      });
      await ex.submit(job);
      assert.ok(await job.wait({ timeout: 240_000 }), `job ${job.nativeId} did not end`);
      assert.equal(job.status.state, JobState.COMPLETED, job.status.message);
      const used = job.status.metadata?.resourcesUsed as Record<string, string> | undefined;
      assert.ok(used, `no resourcesUsed in ${JSON.stringify(job.status.metadata)}`);
      const sacct = parseSacctUsage(
        spawnSync("sacct", sacctUsageArgv([job.nativeId!]).slice(1), { encoding: "utf8" }).stdout,
      ).get(job.nativeId!);
      for (const f of ["Elapsed", "TotalCPU", "AllocCPUS", "NNodes"]) {
        assert.equal(used[f], sacct?.[f], `${f}: the status says ${used[f]}, sacct ${sacct?.[f]}`);
      }
      assert.notEqual(used.TotalCPU, "00:00:00", "the loop used some CPU");
    },
  );
});

describe("what a job used, from sacct", () => {
  const fixture = (name: string) =>
    readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

  it("asks for the usage fields after JobID and MaxRSS, for all the jobs at once", () => {
    assert.deepEqual(sacctUsageArgv(["46", "47_1"]), [
      "sacct",
      "-n",
      "-P",
      "-j",
      "46,47_1",
      "-o",
      "JobID,MaxRSS,Elapsed,TotalCPU,CPUTime,AllocCPUS,NNodes",
    ]);
  });

  it("reads each job's line and its steps' largest MaxRSS (recorded on a real Slurm)", () => {
    const used = parseSacctUsage(fixture("sacct-usage.out"));
    assert.deepEqual([...used.keys()], ["46", "47_1", "47_2"]);
    assert.deepEqual(used.get("46"), {
      Elapsed: "00:00:03",
      TotalCPU: "00:00.188",
      CPUTime: "00:00:03",
      AllocCPUS: "1",
      NNodes: "1",
      MaxRSS: "76172K",
    });
    assert.equal(used.get("47_2")?.MaxRSS, "3148K");
  });

  it("the largest MaxRSS wins across units; empty fields are left out", () => {
    const text = "9||00:01:00|||2|1\n9.batch|900K|00:01:00||||\n9.0|2M|00:00:59||||\n" +
      "10||||||\n";
    assert.deepEqual(parseSacctUsage(text).get("9"), {
      Elapsed: "00:01:00",
      AllocCPUS: "2",
      NNodes: "1",
      MaxRSS: "2M",
    });
    assert.equal(parseSacctUsage(text).has("10"), false);
  });
});
