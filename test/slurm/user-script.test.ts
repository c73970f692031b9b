/**
 * A user's own batch script (spec.batchScript) on the Slurm executor: its
 * #SBATCH lines kept as written, the spec's given fields added only where the
 * script is silent, the directives that would break tracking refused naming
 * the line; and end to end on a real Slurm (skipped with the reason when none
 * answers, failing when REQUIRE_SLURM=1): directives honoured, the script's
 * exit code the job's.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { InvalidJobException } from "../../src/core/errors.ts";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import { SlurmExecutor } from "../../src/executors/slurm.ts";
import { renderSlurmScript } from "../../src/executors/slurm/script.ts";
import { needSlurm, slurmOptions } from "./support.ts";

/** The #SBATCH lines sbatch reads (above the first command), after the prefix, in order. */
function sbatchLines(text: string): string[] {
  const lines = text.split("\n");
  const end = lines.findIndex((l) => l.trim() !== "" && !l.startsWith("#"));
  return lines.slice(0, end).filter((l) => l.startsWith("#SBATCH ")).map((l) => l.slice(8));
}

describe("a user's own batch script on Slurm: the script sbatch is given", () => {
  it("keeps the script's lines as written after the spec's given fields, which it overrides", () => {
    const { text } = renderSlurmScript(
      {
        batchScript: '#!/bin/bash\n#SBATCH --time=2:00:00\n#SBATCH -p long --job-name="my job"\n' +
          "srun hostname\n#SBATCH --time=1\n",
        name: "job.sbatch",
        attributes: { duration: 60, queueName: "short", account: "proj" },
      },
      { workDir: "/wd", stamp: "s1" },
    );
    const lines = sbatchLines(text);
    assert.deepEqual(lines, [
      "--account=proj",
      "--comment=psij-agent:s1",
      "--time=2:00:00",
      '-p long --job-name="my job"',
    ]);
    const bare = sbatchLines(
      renderSlurmScript({ batchScript: "#!/bin/sh\ntrue\n" }, { workDir: "/wd", stamp: "s2" }).text,
    );
    assert.deepEqual(bare, ["--comment=psij-agent:s2"], "no default time, tasks or --output");
    const held = sbatchLines(
      renderSlurmScript({ batchScript: "#!/bin/sh\ntrue\n", hold: true }, {
        workDir: "/wd",
        stamp: "s3",
      }).text,
    );
    assert.ok(held.includes("--hold"), `the spec's hold is sbatch --hold: ${held.join("; ")}`);
    const array = sbatchLines(
      renderSlurmScript({ batchScript: "#!/bin/sh\ntrue\n", array: "1-4%2" }, {
        workDir: "/wd",
        stamp: "s4",
      }).text,
    );
    assert.ok(array.includes("--array=1-4%2"), `the spec's array is one --array: ${array}`);
  });

  it("refuses the directives that would break tracking, naming the line", () => {
    const ex = new SlurmExecutor({ workDir: mkdtempSync(join(tmpdir(), "psij-slurm-us-")) });
    const refused: Array<[string, RegExp]> = [
      ["#SBATCH --array=1-10", /line 2 \(#SBATCH --array=1-10\) has --array.*array field/],
      ["#SBATCH -a 1-3", /line 2 \(#SBATCH -a 1-3\) has --array/],
      ["#SBATCH --wait", /line 2 \(#SBATCH --wait\) has --wait.*not return until the job ends/],
      ["#SBATCH -W", /has --wait/],
      ["#SBATCH --wrap='hostname'", /has --wrap/],
      ["#SBATCH --comment=x", /has --comment.*stamp/],
    ];
    for (const [line, reason] of refused) {
      assert.throws(() => ex.validate({ batchScript: `#!/bin/bash\n${line}\nhostname\n` }), (e) => {
        assert.ok(e instanceof InvalidJobException, String(e));
        assert.equal(e.field, "batchScript");
        assert.match(e.message, reason);
        return true;
      });
    }
    assert.throws(
      () => ex.validate({ batchScript: "#!/bin/bash\n#PBS -l walltime=5\necho hi\n" }),
      /line 2 \(#PBS -l walltime=5\) is a #PBS directive, which the slurm executor does not read/,
    );
  });
});

const SLOW = slurmOptions(300_000);

describe("a user's own batch script on a real Slurm", () => {
  let dir = "";
  let ex: SlurmExecutor | undefined;
  after(async () => {
    await ex?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("honours its #SBATCH lines and records its exit code", SLOW, async () => {
    needSlurm();
    dir = mkdtempSync(join(tmpdir(), "psij-slurm-user-script-"));
    ex = new SlurmExecutor({ workDir: join(dir, "work"), pollFloorMs: 500, pollCeilingMs: 4000 });
    const job = new Job({
      batchScript:
        "#!/bin/bash\n#SBATCH --job-name=user_script_job\n#SBATCH --output=out-%j.txt\n" +
        '#SBATCH --time=5\necho "hello $1 from $SLURM_JOB_NAME"\nexit 4\n',
      arguments: ["world"],
      directory: dir,
    });
    await ex.submit(job);
    const s = await job.wait({ timeout: 240_000 });
    assert.ok(s, `job ${job.nativeId} did not finish (state ${job.status.state})`);
    assert.equal(job.status.state, JobState.FAILED, job.status.message);
    assert.equal(job.status.exitCode, 4);
    assert.equal(
      readFileSync(join(dir, `out-${job.nativeId}.txt`), "utf8"),
      "hello world from user_script_job\n",
    );
    // scontrol keeps an ended job for MinJobAge (300 s by default); accounting may be off.
    const shown = spawnSync("scontrol", ["show", "job", "-o", job.nativeId!], { encoding: "utf8" });
    assert.match(shown.stdout, /\bTimeLimit=00:05:00\b/, "#SBATCH --time=5 (minutes) is its limit");
    assert.match(shown.stdout, /\bJobName=user_script_job\b/);
  });
});
