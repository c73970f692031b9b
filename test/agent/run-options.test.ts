/**
 * `run`'s conveniences for qsub users (--mem, --gpus, --cores-per-process,
 * --exclusive, --stdin, --launcher, --join, --attr): the JobSpec fields they
 * make, what PBS is asked for, and a joined job's one output file.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand, runSpec } from "../../src/agent/cli/submit-cmds.ts";
import { parseCommandLine } from "../../src/agent/cli/command.ts";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import { parseJobSpecDocument } from "../../src/core/json/index.ts";
import { renderPbsScript } from "../../src/executors/pbs/script.ts";
import { executeRig, parsedDirectives } from "../pbs/helpers.ts";

const parse = (argv: string[]) => parseCommandLine(runCommand, argv);

describe("run's resource and scheduler options", () => {
  it("map to resources, stdinPath, launcher, a joined stderrPath and custom attributes", () => {
    const { values, positionals } = parse([
      "--mem=4gb",
      "--gpus=1",
      "--cores-per-process",
      "2",
      "--exclusive",
      "--stdin",
      "in.txt",
      "--launcher",
      "multiple",
      "--stdout",
      "both.txt",
      "--join",
      "--attr",
      "pbs.l=software=abaqus",
      "--attr",
      "slurm.qos=high",
      "--attr",
      "pbs.r",
      "a.out",
    ]);
    const spec = runSpec(values, positionals, "/home/u");
    assert.deepEqual(spec.resources, {
      memory: 4 * 2 ** 30,
      gpuCoresPerProcess: 1,
      cpuCoresPerProcess: 2,
      exclusiveNodeUse: true,
    });
    assert.equal(spec.stdinPath, "/home/u/in.txt");
    assert.equal(spec.launcher, "multiple");
    assert.equal(spec.stdoutPath, "/home/u/both.txt");
    assert.equal(spec.stderrPath, "/home/u/both.txt", "--join: stderr goes to the stdout file");
    assert.deepEqual(spec.attributes, {
      customAttributes: { "pbs.l": "software=abaqus", "slurm.qos": "high", "pbs.r": true },
    });
    parseJobSpecDocument(spec); // a document the agent accepts
  });

  it("--nodes/--ppn and the new resource options combine", () => {
    const spec = runSpec({ nodes: "2", ppn: "4", mem: "512mb" }, ["x"], "/w");
    assert.deepEqual(spec.resources, { nodeCount: 2, processesPerNode: 4, memory: 512 * 2 ** 20 });
  });

  it("refuses what it cannot map, naming the option", () => {
    assert.throws(() => runSpec({ mem: "4000" }, ["x"]), /--mem wants a size with a unit/);
    assert.throws(() => runSpec({ mem: "lots" }, ["x"]), /--mem/);
    assert.throws(() => runSpec({ gpus: "0" }, ["x"]), /--gpus must be a positive integer/);
    assert.throws(() => runSpec({ "cores-per-process": "x" }, ["x"]), /--cores-per-process/);
    assert.throws(() => runSpec({ join: true }, ["x"]), /--join needs --stdout/);
    assert.throws(
      () => runSpec({ join: true, stdout: "o", stderr: "e" }, ["x"]),
      /--join sends stderr to the --stdout file/,
    );
    assert.throws(() => runSpec({ attr: ["l=5"] }, ["x"]), /--attr wants <executor>.<option>/);
    assert.throws(
      () => runSpec({ attr: ["pbs.l=mem=1gb", "pbs.l=walltime=10"] }, ["x"]),
      /--attr pbs.l is given twice/,
    );
  });

  it("PBS is asked for the memory, GPUs, cores, exclusive placement and the user's -l", () => {
    const spec = runSpec(
      {
        mem: "4gb",
        gpus: "1",
        "cores-per-process": "2",
        exclusive: true,
        attr: ["pbs.l=software=abaqus"],
      },
      ["a.out"],
      "/w",
    );
    const text = renderPbsScript(parseJobSpecDocument(spec), { workDir: "/wd", stamp: "s1" }).text;
    const l = parsedDirectives(text).filter((d) => d[0] === "-l").map((d) => d[1]);
    assert.ok(l.includes("select=1:ncpus=2:mpiprocs=1:ngpus=1:mem=4194304kb"), l.join(" "));
    assert.ok(l.includes("place=scatter:exclhost"), l.join(" "));
    assert.ok(l.includes("software=abaqus"), l.join(" "));
  });
});

const rig = executeRig("psij-run-options-");
after(rig.close);

describe("run --join --stdin on the simulator (execute mode)", { timeout: 60_000 }, () => {
  it("the job reads the --stdin file and writes stdout and stderr into the one --stdout file", async () => {
    const input = join(rig.base, "in.txt");
    writeFileSync(input, "from stdin\n");
    const both = join(rig.base, "both.txt");
    const spec = runSpec(
      { stdin: input, stdout: both, join: true },
      ["/bin/sh", "-c", "cat; echo to-stderr >&2; echo to-stdout"],
      rig.base,
    );
    const job = new Job(parseJobSpecDocument(spec));
    await rig.executor().submit(job);
    await job.wait({ timeout: 30_000 });
    assert.equal(job.status.state, JobState.COMPLETED, job.status.message);
    assert.equal(readFileSync(both, "utf8"), "from stdin\nto-stderr\nto-stdout\n");
  });
});
