// The Slurm job script: every JobSpec field to its #SBATCH directive, user
// directives override generated ones, hostile values stay values. No Slurm needed
// (test/slurm/executor.test.ts checks with the real sbatch that they do).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  buildDirectives,
  directiveLines,
  memoryPerNode,
  sbatchValue,
  slurmTime,
} from "../../src/executors/slurm/directives.ts";
import { renderSlurmScript } from "../../src/executors/slurm/script.ts";
import type { JobSpec } from "../../src/core/job-spec.ts";
import { InvalidJobException } from "../../src/core/errors.ts";

const opts = { slurmOutputPath: "/w/s.slurm.o", stamp: "st" };
const lines = (spec: JobSpec) => directiveLines(buildDirectives(spec, opts));

describe("#SBATCH directives", () => {
  it("defaults: name from the executable, 1 node/task/cpu, 10 minutes, export, output, stamp", () => {
    assert.deepEqual(lines({ executable: "/bin/date" }), [
      "--job-name=date",
      "--nodes=1",
      "--ntasks=1",
      "--ntasks-per-node=1",
      "--cpus-per-task=1",
      "--time=00:10:00",
      "--export=ALL",
      "--output=/w/s.slurm.o",
      "--comment=psij-agent:st",
    ]);
  });

  it("every spec field maps to its directive", () => {
    const l = lines({
      executable: "x",
      name: "my-job",
      resources: {
        nodeCount: 2,
        processesPerNode: 3,
        cpuCoresPerProcess: 4,
        gpuCoresPerProcess: 1,
        memory: 3 * 1024 ** 3,
        exclusiveNodeUse: true,
      },
      attributes: {
        duration: 2 * 86400 + 3600 + 0.5,
        queueName: "debug",
        account: "proj1",
        reservationId: "resv7",
      },
    });
    for (
      const want of [
        "--job-name=my-job",
        "--nodes=2",
        "--ntasks=6",
        "--ntasks-per-node=3",
        "--cpus-per-task=4",
        "--gpus-per-task=1",
        "--mem=1572864K",
        "--exclusive",
        "--time=2-01:00:01",
        "--partition=debug",
        "--account=proj1",
        "--reservation=resv7",
      ]
    ) assert.ok(l.includes(want), `${want} in ${l.join(" ")}`);
  });

  it("slurm.* custom attributes become directives and replace generated ones", () => {
    const l = lines({
      executable: "x",
      attributes: {
        queueName: "debug",
        customAttributes: {
          "slurm.qos": "high",
          "slurm.p": "other",
          "slurm.t": "5",
          "slurm.requeue": true,
          "slurm.hold": false,
          "pbs.l": "ignored",
        },
      },
    });
    assert.ok(l.includes("--qos=high"));
    assert.ok(l.includes("-p other"));
    assert.ok(l.includes("-t 5"));
    assert.ok(l.includes("--requeue"));
    assert.ok(!l.some((x) => x.startsWith("--partition") || x.startsWith("--time")));
    assert.ok(!l.some((x) => x.includes("hold") || x.includes("ignored")));
  });

  it("a custom attribute key that is not an option name is refused, naming the field", () => {
    assert.throws(
      () => lines({ executable: "x", attributes: { customAttributes: { "slurm.a b": "1" } } }),
      (e: unknown) =>
        e instanceof InvalidJobException && e.field === "attributes.customAttributes.slurm.a b",
    );
  });

  it("walltime: days when over 24 h, seconds rounded up", () => {
    assert.equal(slurmTime(59.1), "00:01:00");
    assert.equal(slurmTime(86400), "1-00:00:00");
    assert.equal(slurmTime(7230), "02:00:30");
    assert.equal(memoryPerNode(1000, 1), "1K");
  });

  it("values are quoted as sbatch reads them; line breaks refused", () => {
    assert.equal(sbatchValue("plain", "f"), "plain");
    assert.equal(sbatchValue(`a "b" \\c #d`, "f"), `"a \\"b\\" \\\\c #d"`);
    assert.equal(sbatchValue("it's $(x)", "f"), `"it's $(x)"`);
    assert.throws(() => sbatchValue("a\nb", "attributes.account"), /attributes\.account/);
  });

  it("control characters in a job name become _", () => {
    assert.ok(lines({ executable: "x", name: "a\nb\tc" }).includes("--job-name=a_b_c"));
  });
});

describe("the rendered script", () => {
  const spec: JobSpec = {
    executable: "/bin/echo",
    arguments: ["$(touch /tmp/pwned)", "a'b", "#SBATCH --x"],
    name: "#SBATCH --wrap=evil\nx",
    environment: { A: "x'; rm -rf /; '", B: 1 },
    resources: { processCount: 2 },
    launcher: "srun",
  };
  const text = renderSlurmScript(spec, { workDir: "/tmp/w d", stamp: "st" }).text;

  it("directives come before the first command and only from generated lines", () => {
    const sb = text.split("\n").filter((l) => l.startsWith("#SBATCH"));
    const firstCmd = text.split("\n").findIndex((l) => l && !l.startsWith("#"));
    assert.ok(text.split("\n").findLastIndex((l) => l.startsWith("#SBATCH")) < firstCmd);
    assert.equal(sb.length, 9);
    assert.ok(sb.includes(`#SBATCH --job-name="#SBATCH --wrap=evil_x"`));
  });

  it("is valid bash (bash -n)", () => {
    const r = spawnSync("bash", ["-n"], { input: text, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  });

  it("launches with srun for every task, nodefile from scontrol show hostnames", () => {
    assert.match(text, /srun --ntasks=2 --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 --/);
    assert.match(text, /scontrol show hostnames "\$SLURM_JOB_NODELIST"/);
    assert.match(text, /export PSIJ_NODEFILE=/);
  });

  it("hostile arguments and environment values are single words", () => {
    assert.ok(text.includes(`'$(touch /tmp/pwned)'`));
    assert.ok(text.includes(`export A='x'\\''; rm -rf /; '\\'''`));
    assert.ok(text.includes("export B=1"));
  });
});
