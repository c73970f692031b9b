/**
 * Audit of the PBS submit path against the simulator: qsub's exit codes and
 * what they leave behind, qsub options that would cut the executor off from
 * the job, and user values that must not reach the script's own variables.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidJobException, SubmitException } from "../../src/core/errors.ts";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import type { CommandRunner } from "../../src/core/command-runner.ts";
import { PbsExecutor } from "../../src/executors/pbs.ts";
import { buildDirectives, reservationQueue } from "../../src/executors/pbs/directives.ts";
import { rig, untilFinal } from "./helpers.ts";

function refused(e: unknown, field: RegExp, why: RegExp): boolean {
  assert.ok(e instanceof InvalidJobException, String(e));
  assert.match(e.message, field);
  assert.match(e.message, why);
  return true;
}

describe("audit: qsub exit codes and what a failed submit leaves", () => {
  it("unknown queue (exit 170): not transient, names PBS's reason, no job, no script file left", async () => {
    const { executor, server, workDir } = rig();
    const job = new Job({ executable: "/bin/date", attributes: { queueName: "nosuchq" } });
    await assert.rejects(executor.submit(job), (e: unknown) => {
      assert.ok(e instanceof SubmitException);
      assert.equal(e.transient, false);
      assert.match(e.message, /exit 170/);
      assert.match(e.message, /Unknown queue/);
      assert.match(e.message, /the job asked for -q nosuchq \(attributes\.queueName\)/);
      return true;
    });
    assert.equal(job.status.state, JobState.NEW);
    assert.equal(server.jobs.size, 0);
    assert.deepEqual(readdirSync(workDir), []);
  });

  it("unknown resource (exit 187): the message names the -l directives and the fields they came from", async () => {
    const { executor, server } = rig();
    const job = new Job({
      executable: "/bin/date",
      attributes: { duration: 90, customAttributes: { "pbs.l": "foo=1" } },
    });
    await assert.rejects(executor.submit(job), (e: unknown) => {
      assert.ok(e instanceof SubmitException);
      assert.equal(e.transient, false);
      assert.match(e.message, /exit 187.*Unknown resource Resource_List\.foo/);
      assert.match(e.message, /-l walltime=00:01:30 \(attributes\.duration\)/);
      assert.match(e.message, /-l foo=1 \(attributes\.customAttributes\.pbs\.l\)/);
      return true;
    });
    assert.equal(server.jobs.size, 0);
  });

  it("qsub reply lost (PBSE_PROTOCOL, exit 183): transient, and the script stays for the stamp look-up", async () => {
    const { executor, faults, server, workDir } = rig();
    faults.inject({ kind: "qsub-lost-reply" });
    const job = new Job({ executable: "/bin/date" });
    await assert.rejects(executor.submit(job), (e: unknown) => {
      assert.ok(e instanceof SubmitException);
      assert.equal(e.transient, true);
      assert.match(e.message, /exit 183/);
      return true;
    });
    assert.equal(server.jobs.size, 1, "PBS did make the job");
    assert.ok(existsSync(join(workDir, `${job.id}.job`)));
    assert.equal((await executor.findByStamp(job.id)).length, 1);
  });

  it("qsub that cannot connect (exit 162): transient", async () => {
    const { executor, faults } = rig();
    faults.inject({ kind: "connect", commands: ["qsub"] });
    const job = new Job({ executable: "/bin/date" });
    await assert.rejects(executor.submit(job), (e: unknown) => {
      assert.ok(e instanceof SubmitException);
      assert.equal(e.transient, true);
      assert.match(e.message, /exit 162.*cannot connect/);
      return true;
    });
    assert.equal(job.status.state, JobState.NEW);
  });
});

describe("audit: qsub options that would cut the executor off from its job are refused", () => {
  for (
    const [key, value, why] of [
      ["pbs.z", true, /no job id/],
      ["pbs.I", true, /interactive/],
      ["pbs.J", "1-3", /job array/],
      ["pbs.W", "depend=afterok:1.srv,block=true", /block=true/],
      // getopt reads `-zq workq` as -z -q workq, and `-hJ 1-3` as -h -J 1-3
      ["pbs.zq", "workq", /-z is not supported: .*no job id/],
      ["pbs.hJ", "1-3", /-J is not supported: .*job array/],
    ] as const
  ) {
    it(`${key}=${value}: InvalidJobException naming the attribute, nothing submitted`, async () => {
      const { executor, server, runner } = rig();
      const job = new Job({
        executable: "/bin/date",
        attributes: { customAttributes: { [key]: value } },
      });
      await assert.rejects(
        executor.submit(job),
        (e) => refused(e, new RegExp(`customAttributes\\.${key.replace(".", "\\.")}`), why),
      );
      assert.equal(runner.count("qsub"), 0);
      assert.equal(server.jobs.size, 0);
      assert.equal(job.status.state, JobState.NEW);
    });
  }

  it("qsub exiting 0 without a readable id made a job: transient (look the stamp up), never 'refused'", async () => {
    const { clock, server, runner, workDir } = rig();
    // -z reaches qsub on its command line here (a spec can no longer ask for it).
    const quiet: CommandRunner = {
      run: (argv, o) => runner.run(argv[0] === "qsub" ? ["qsub", "-z", ...argv.slice(1)] : argv, o),
    };
    const ex = new PbsExecutor({ runner: quiet, clock, workDir });
    const job = new Job({ executable: "/bin/date", name: "r5" });
    await assert.rejects(ex.submit(job), (e: unknown) => {
      assert.ok(e instanceof SubmitException);
      assert.equal(e.transient, true);
      assert.match(e.message, /printed no job id/);
      return true;
    });
    assert.equal(server.jobs.size, 1);
    assert.deepEqual(await ex.findByStamp(job.id), [...server.jobs.keys()]);
    await ex.close();
  });
});

describe("audit: qsub option bundles", () => {
  it("a bundle of options qsub can follow (pbs.koe → -k oe) is still passed on", async () => {
    const { clock, executor, runner } = rig();
    const job = new Job({
      executable: "/bin/date",
      name: "r1",
      attributes: { customAttributes: { "pbs.koe": true } },
    });
    await executor.submit(job);
    assert.equal((await untilFinal(clock, job)).state, JobState.COMPLETED);
    assert.equal(runner.count("qsub"), 1);
  });
});

describe("audit: user values never reach the script's own variables", () => {
  it("an environment name starting with _psij_ is refused, naming it (it could widen cleanup to /)", async () => {
    const { executor, runner, workDir } = rig();
    const outside = join(workDir, "..", `psij-audit-outside-${process.pid}`);
    writeFileSync(outside, "keep me");
    for (const name of ["_psij_dir", "_psij_base", "_psij_work"]) {
      const job = new Job({
        executable: "/bin/date",
        environment: { [name]: "" },
        cleanup: [outside],
      });
      await assert.rejects(
        executor.submit(job),
        (e) => refused(e, new RegExp(`environment\\.${name}`), /reserved/),
      );
      assert.equal(job.status.state, JobState.NEW);
    }
    assert.equal(runner.count("qsub"), 0);
    assert.ok(existsSync(outside));
  });

  it("other underscore names are still the job's own", async () => {
    const { clock, executor } = rig();
    const job = new Job({ executable: "/bin/date", name: "r1", environment: { _psijx: "1" } });
    await executor.submit(job);
    assert.equal((await untilFinal(clock, job)).state, JobState.COMPLETED);
  });
});

describe("audit: user values never become options on a PBS command line", () => {
  it("attach refuses an id that is no PBS job id ('-x', 'workq', '-W force'), naming nativeId; no command runs", async () => {
    const { executor, runner } = rig();
    for (const id of ["-x", "workq", "-W force", "1 2", "../1"]) {
      const job = new Job();
      await assert.rejects(
        executor.attach(job, id),
        (e) => refused(e, /nativeId/, /is not a PBS job id/),
      );
      assert.equal(job.status.state, JobState.NEW);
      assert.equal(job.nativeId, undefined);
    }
    assert.equal(runner.calls.length, 0);
  });

  it("ids of every shape PBS prints are accepted (1234, 1234.srv, 1235[].srv, 1235[7].srv)", async () => {
    const { executor } = rig();
    for (const id of ["1234", "1234.pbs-sim", "1235[].pbs-sim", "1235[7].pbs-sim"]) {
      const job = new Job();
      await executor.attach(job, id); // PBS does not know them: FAILED, not refused
      assert.equal(job.status.state, JobState.FAILED);
      assert.match(
        job.status.message!,
        new RegExp(`does not know job ${id.replace(/[[\].]/g, "\\$&")}`),
      );
    }
  });
});

describe("audit: error messages name the field or the job", () => {
  it("a file:// staging URI that does not decode (or decodes to a NUL) is refused naming the field", async () => {
    const { executor, runner } = rig();
    for (
      const [source, why] of [["file:///tmp/%E0%A4%A", /not a valid file:\/\/ URI/], [
        "file:///tmp/a%00b",
        /NUL/,
      ]] as const
    ) {
      const job = new Job({ executable: "/bin/date", stageIn: [{ source, target: "x" }] });
      await assert.rejects(executor.submit(job), (e) => refused(e, /stageIn\[0\]\.source/, why));
      assert.equal(job.status.state, JobState.NEW);
    }
    assert.equal(runner.count("qsub"), 0);
  });

  it("a failing stamp look-up names the stamp it was looking for", async () => {
    const { executor, faults } = rig();
    faults.inject({ kind: "connect", commands: ["qselect"] });
    await assert.rejects(
      executor.findByStamp("stamp-abc"),
      /stamp look-up failed for stamp-abc: qselect -x -u \S+ failed \(exit 162\)/,
    );
    faults.inject({ kind: "connect", commands: ["qstat"] });
    await executor.submit(new Job({ executable: "/bin/date", name: "r100" }));
    await assert.rejects(
      executor.findByStamp("stamp-abc"),
      /stamp look-up failed for stamp-abc: qstat exited 255/,
    );
  });
});

describe("audit: the agent's environment cannot switch our directives off", () => {
  it("PBS_DPREFIX set where the agent runs: qsub still reads every #PBS line (name, stamp, -o/-e)", async () => {
    const saved = process.env.PBS_DPREFIX;
    process.env.PBS_DPREFIX = "#XYZ";
    try {
      const { executor, server, workDir } = rig();
      const job = new Job({ executable: "/bin/date", name: "dprefix-check" });
      await executor.submit(job);
      const sim = server.jobs.get(job.nativeId!)!;
      assert.equal(sim.name, "dprefix-check");
      assert.ok(sim.req.variables?.some(([k, v]) => k === "PSIJ_AGENT_STAMP" && v === job.id));
      assert.ok(sim.outputPath.endsWith(join(workDir, `${job.id}.pbs.o`)), sim.outputPath);
    } finally {
      if (saved === undefined) delete process.env.PBS_DPREFIX;
      else process.env.PBS_DPREFIX = saved;
    }
  });
});

describe("audit: a reservation id as pbs_rsub prints it", () => {
  it("R123.server, S7.server and M9.server are submitted to their queues R123, S7, M9", () => {
    for (const [id, queue] of [["R123.pbs-sim", "R123"], ["S7.srv.dom", "S7"], ["M9.srv", "M9"]]) {
      const ds = buildDirectives(
        { executable: "/bin/date", attributes: { reservationId: id, queueName: "workq" } },
        { pbsOutputPath: "/w/o", pbsErrorPath: "/w/e", stamp: "s" },
      ).filter((d) => d.flag === "q");
      assert.deepEqual(ds.map((d) => [d.value, d.field]), [[queue, "attributes.reservationId"]]);
    }
    assert.equal(reservationQueue("R123"), "R123");
    assert.equal(reservationQueue("myresv"), "myresv");
  });
});
