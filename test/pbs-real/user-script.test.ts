/**
 * A user's own batch script (spec.batchScript) on a real OpenPBS: its #PBS
 * lines honoured (name, walltime, -o with -j oe, -v), run in the directory it
 * was submitted from, its exit code the job's, cross-checked with PBS's own
 * Exit_status. Skipped with the reason when no PBS answers; failing when
 * REQUIRE_PBS=1.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import type { PbsExecutor } from "../../src/executors/pbs.ts";
import { needPbs } from "./support.ts";
import { OPT, qstatJson, realExecutor, scratch, until, WAIT } from "./rig.ts";

describe("a user's own batch script on a real OpenPBS", () => {
  const { base, dir } = scratch("psij-pbs-real-user-script-");
  let ex: PbsExecutor | undefined;
  after(async () => await ex?.close());

  it("honours its #PBS lines; its exit code is the job's and PBS's", OPT, async () => {
    needPbs();
    ex = realExecutor(join(base, "work"));
    const here = dir("submitted-here");
    const job = new Job({
      batchScript: "#!/bin/bash\n#PBS -N user_script\n#PBS -l walltime=00:04:00\n" +
        "#PBS -o result.txt\n#PBS -j oe\n#PBS -v GREETING=hello\n" +
        'echo "$GREETING $1"\necho "to stderr" >&2\necho "in $PBS_O_WORKDIR"\nexit 5\n',
      arguments: ["world"],
      directory: here,
    });
    await ex.submit(job);
    assert.ok(await job.wait({ timeout: WAIT }), `job ${job.nativeId} did not end`);
    assert.equal(job.status.state, JobState.FAILED, job.status.message);
    assert.equal(job.status.exitCode, 5);
    // The end came from the exit-code file; PBS's record of it may come a moment later.
    // deno-lint-ignore no-explicit-any
    let rec: any;
    await until("PBS to record the job's end", () => {
      rec = JSON.parse(qstatJson(job.nativeId!).stdout).Jobs?.[job.nativeId!];
      return rec?.job_state === "F";
    });
    assert.equal(rec.Job_Name, "user_script");
    assert.equal(rec.Exit_status, 5, "PBS's record agrees with the file");
    assert.equal(rec.Resource_List.walltime, "00:04:00");
    // PBS delivers -o when the job ends; give the copy a moment on a loaded host.
    const file = join(here, "result.txt");
    let text = "";
    await until(`PBS to deliver ${file}`, () => {
      try {
        text = readFileSync(file, "utf8");
      } catch {
        return false;
      }
      return text.includes(`in ${here}\n`);
    });
    // What the login shell prints while starting the job (a profile's noise) comes first with
    // -j oe, as it would for qsub: the script's own lines end the file.
    const expected = `hello world\nto stderr\nin ${here}\n`;
    assert.ok(text.endsWith(expected), JSON.stringify(text));
  });
});
