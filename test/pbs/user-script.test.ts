/**
 * A user's own batch script (spec.batchScript) on the PBS executor against
 * the simulator in execute mode: its #PBS directives honoured (name,
 * walltime, -o/-j, -v), run as written with its arguments in the directory
 * it was submitted from, its exit code the job's by the file protocol; the
 * directives that would break tracking refused, naming the line.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidJobException } from "../../src/core/errors.ts";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import { renderPbsScript } from "../../src/executors/pbs/script.ts";
import { executeRig, parsedDirectives } from "./helpers.ts";

const rig = executeRig("psij-pbs-user-script-");
after(rig.close);

const SCRIPT = `#!/bin/bash
# a comment before the directives is fine
#PBS -N my_analysis
#PBS -l walltime=00:05:00
#PBS -o result.txt -j oe
#PBS -v FOO=bar

echo "hello $FOO $1"
echo "to stderr" >&2
echo "in $PBS_O_WORKDIR"
#PBS -N not_read_after_a_command
exit "$2"
`;

describe("a user's own batch script on PBS (simulator, execute mode)", { timeout: 90_000 }, () => {
  it("its directives are honoured and its exit code is the job's", async () => {
    const dir = join(rig.base, "submitted-here");
    mkdirSync(dir);
    const job = new Job({ batchScript: SCRIPT, arguments: ["world", "3"], directory: dir });
    await rig.executor().submit(job);
    await job.wait({ timeout: 60_000 });
    assert.equal(job.status.state, JobState.FAILED, job.status.message);
    assert.equal(job.status.exitCode, 3, "the script's own exit status, from the .ec file");
    const pbs = rig.server.jobs.get(job.nativeId!)!;
    assert.equal(pbs.name, "my_analysis", "#PBS -N; a -N after the first command is not read");
    assert.match(JSON.stringify(pbs.req.resources), /"walltime","00:05:00"/);
    assert.match(pbs.variableList, /PSIJ_AGENT_STAMP=/, "the stamp is still there");
    assert.match(pbs.variableList, /FOO=bar/, "and so is the script's -v");
    // -o result.txt -j oe: relative to where qsub ran (the job's directory), both streams.
    assert.equal(
      readFileSync(join(dir, "result.txt"), "utf8"),
      `hello bar world\nto stderr\nin ${dir}\n`,
    );
  });

  it("a script that exits 0 is COMPLETED; without -o its output goes where qsub puts it", async () => {
    const dir = join(rig.base, "plain");
    mkdirSync(dir);
    const job = new Job({
      batchScript: "#!/bin/sh\n#PBS -N plain\necho plain output\n",
      directory: dir,
    });
    await rig.executor().submit(job);
    await job.wait({ timeout: 60_000 });
    assert.equal(job.status.state, JobState.COMPLETED, job.status.message);
    assert.equal(job.status.exitCode, 0);
    const seq = job.nativeId!.split(".")[0];
    assert.equal(readFileSync(join(dir, `plain.o${seq}`), "utf8"), "plain output\n");
  });

  it("the spec's given fields become directives, the script's own win; no default walltime", () => {
    const text = renderPbsScript(
      {
        batchScript: "#!/bin/bash\n#PBS -l walltime=2:00:00\n#PBS -q long\ntrue\n",
        name: "job.pbs",
        attributes: { duration: 60, queueName: "short", account: "proj" },
      },
      { workDir: "/wd", stamp: "s1" },
    ).text;
    const d = parsedDirectives(text).map((w) => w.join(" "));
    assert.ok(d.includes("-N job.pbs"), d.join("; "));
    assert.ok(d.includes("-A proj"), d.join("; "));
    assert.ok(
      d.includes("-l walltime=2:00:00") && !d.includes("-l walltime=00:01:00"),
      d.join("; "),
    );
    assert.ok(d.includes("-q long") && !d.includes("-q short"), d.join("; "));
    const bare = parsedDirectives(
      renderPbsScript({ batchScript: "#!/bin/sh\ntrue\n" }, { workDir: "/wd", stamp: "s2" }).text,
    ).map((w) => w.join(" "));
    assert.ok(!bare.some((x) => /walltime|select|^-o|^-e/.test(x)), bare.join("; "));
    const array = parsedDirectives(
      renderPbsScript({ batchScript: "#!/bin/sh\ntrue\n", array: "1-4" }, {
        workDir: "/wd",
        stamp: "s3",
      }).text,
    ).map((w) => w.join(" "));
    assert.ok(array.includes("-J 1-4"), `the spec's array is one qsub -J: ${array.join("; ")}`);
    const held = parsedDirectives(
      renderPbsScript({ batchScript: "#!/bin/sh\ntrue\n", hold: true }, {
        workDir: "/wd",
        stamp: "s4",
      }).text,
    ).map((w) => w.join(" "));
    assert.ok(held.includes("-h"), `the spec's hold is qsub -h: ${held.join("; ")}`);
  });

  it("refuses the directives that would break tracking, naming the line", () => {
    const ex = rig.executor();
    const refused: Array<[string, RegExp]> = [
      ["#PBS -J 1-10", /line 3 \(#PBS -J 1-10\) has -J.*array field/],
      ["#PBS -W block=true", /line 3 \(#PBS -W block=true\) has block=true is not supported/],
      ["#PBS -N ok -z", /line 3 \(#PBS -N ok -z\) has -z is not supported/],
      ["#PBS -I", /line 3 \(#PBS -I\) has -I is not supported: an interactive job/],
      ["#PBS -S /bin/csh", /line 3 \(#PBS -S \/bin\/csh\) has -S.*#! line/],
      ["#PBS -l 'walltime=1", /line 3 .* has an unclosed quote/],
    ];
    for (const [line, reason] of refused) {
      const spec = { batchScript: `#!/bin/bash\n# job\n${line}\necho hi\n` };
      assert.throws(() => ex.validate(spec), (err: unknown) => {
        assert.ok(err instanceof InvalidJobException, String(err));
        assert.equal(err.field, "batchScript");
        assert.match(err.message, reason);
        return true;
      });
    }
    assert.throws(
      () => ex.validate({ batchScript: "#!/bin/bash\n#SBATCH --time=5\necho hi\n" }),
      /batchScript: line 2 \(#SBATCH --time=5\) is a #SBATCH directive, which the pbs executor/,
    );
    assert.throws(
      () => ex.validate({ batchScript: "#!/bin/sh\ntrue\n", executable: "/bin/true" }),
      /batchScript: a job runs either an executable or a batchScript, not both/,
    );
    assert.throws(
      () => ex.validate({ batchScript: "#!/bin/sh\ntrue\n", launcher: "mpirun" }),
      /launcher: a batchScript starts its own processes/,
    );
  });
});
