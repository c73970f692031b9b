// The Grid Engine example's script and parsers (examples/executors/sge/),
// without a Grid Engine: every spec field to its #$ directive, hostile values
// refused naming the field, and the exact outputs its README records.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as kit from "../../src/kit.ts";
import { InvalidJobException } from "../../src/core/errors.ts";
import type { JobSpec } from "../../src/core/job-spec.ts";
import sge from "../../examples/executors/sge/sge.executor.ts";
import { renderSgeScript, sgeJobName } from "../../examples/executors/sge/sge-script.ts";
import {
  interpretQdel,
  parseErrorReason,
  parseQacct,
  parseQstatXml,
} from "../../examples/executors/sge/sge-parse.ts";

const OPTS = { workDir: "/w", stamp: "s1", parallelEnvironment: "smp" };
const directives = (spec: JobSpec) => renderSgeScript(kit, spec, OPTS).directives;

describe("Grid Engine example: the job script", () => {
  it("maps name, walltime, processes, queue, account, reservation and sge.* attributes", () => {
    const d = directives({
      executable: "/bin/true",
      name: "9 lives/a b",
      resources: { processCount: 4 },
      attributes: {
        duration: 90061.5,
        queueName: "all.q",
        account: "proj1",
        reservationId: "17",
        customAttributes: { "sge.l": "h_vmem=2G", "sge.P": "physics", "sge.notify": true },
      },
    });
    assert.deepEqual(d, [
      "-N j9_lives_a_b",
      "-S /bin/bash",
      "-cwd",
      "-V",
      "-o /w/s1.sge.o",
      "-j y",
      "-l h_rt=25:01:02",
      "-pe smp 4",
      "-q all.q",
      "-A proj1",
      "-ar 17",
      "-l h_vmem=2G",
      "-P physics",
      "-notify",
    ]);
    const text = renderSgeScript(kit, { executable: "/bin/true" }, OPTS).text;
    assert.match(text, /^#!\/bin\/bash\n#\$ -N true\n/);
  });

  it("a value qsub would read differently is refused naming its field; a hostile name is made safe", () => {
    for (
      const [attributes, field] of [
        [{ queueName: "a b" }, "attributes.queueName"],
        [{ account: `x"y` }, "attributes.account"],
        [{ customAttributes: { "sge.l": "a\n#$ -q evil" } }, "attributes.customAttributes.sge.l"],
        [{ customAttributes: { "sge.x;y": "1" } }, "attributes.customAttributes.sge.x;y"],
      ] as const
    ) {
      assert.throws(
        () =>
          directives({ executable: "/bin/true", attributes: attributes as JobSpec["attributes"] }),
        (e: unknown) => e instanceof InvalidJobException && e.field === field,
        field,
      );
    }
    assert.equal(sgeJobName(`$(rm -rf ~)\n#$ -q x`), "__rm_-rf_______-q_x");
    assert.throws(
      () => directives({ executable: "/bin/true", resources: { memory: 1 << 30 } }),
      (e: unknown) => e instanceof InvalidJobException && e.field === "resources.memory",
    );
  });

  it("the descriptor: name sge, alias gridengine, a version, create gives an executor named sge", async () => {
    const d = sge(kit);
    assert.equal(d.name, "sge");
    assert.deepEqual(d.aliases, ["gridengine"]);
    assert.match(d.version, /^\d+\.\d+\.\d+$/);
    const ex = d.create({ workDir: "/nonexistent/psij-sge" });
    assert.equal(ex.name, "sge");
    await ex.close();
  });
});

describe("Grid Engine example: reading qstat, qacct, qdel (README's outputs)", () => {
  it("qstat -xml: running and pending jobs with their states", () => {
    const xml = `<?xml version='1.0'?>
<job_info  xmlns:xsd="http://arc.liv.ac.uk/repos/darcs/sge/source/dist/util/resources/schemas/qstat/qstat.xsd">
  <queue_info>
    <job_list state="running">
      <JB_job_number>4</JB_job_number>
      <JB_name>arr</JB_name>
      <state>t</state>
    </job_list>
  </queue_info>
  <job_info>
    <job_list state="pending">
      <JB_job_number>3</JB_job_number>
      <JB_name>a&amp;b</JB_name>
      <state>Eqw</state>
    </job_list>
  </job_info>
</job_info>`;
    assert.deepEqual(parseQstatXml(xml), [
      { kind: "live", id: "4", state: "t", name: "arr" },
      { kind: "live", id: "3", state: "Eqw", name: "a&b" },
    ]);
    assert.deepEqual(parseQstatXml("<job_info><queue_info></queue_info></job_info>"), []);
  });

  it("qstat -j: the error reason without its stamp", () => {
    const text = "job_number:                 5\n" +
      `error reason          1:      12/04/2026 03:01:37 [1001:13858]: error: can't open output file "/nonexistent/dir/out": No such file or directory\n` +
      "scheduling info:            Job is in error state\n";
    assert.equal(
      parseErrorReason(text),
      `error: can't open output file "/nonexistent/dir/out": No such file or directory`,
    );
  });

  it("qacct -j: failed and exit_status; not (yet) found is unknown", () => {
    const rec =
      "jobnumber    7\nfailed       100 : assumedly after job\nexit_status  137                  (Killed)\n";
    assert.deepEqual(parseQacct("7", { exitCode: 0, stdout: rec, stderr: "" }), {
      kind: "found",
      job: {
        kind: "done",
        id: "7",
        failed: 100,
        failedText: "100 : assumedly after job",
        exitStatus: 137,
      },
    });
    assert.deepEqual(
      parseQacct("3", { exitCode: 1, stdout: "", stderr: "error: job id 3 not found\n" }),
      {
        kind: "unknown",
      },
    );
    assert.equal(
      parseQacct("3", { exitCode: 1, stdout: "", stderr: "commlib error" }).kind,
      "error",
    );
  });

  it("qdel: deleted, registered for deletion, already gone, refused", () => {
    const q = (exitCode: number, stdout: string) => interpretQdel({ exitCode, stdout, stderr: "" });
    assert.equal(q(0, "alice has registered the job 2 for deletion\n"), "ok");
    assert.equal(q(0, "root has deleted job 10\n"), "ok");
    assert.equal(q(1, `denied: job "2" does not exist\n`), "gone");
    assert.equal(
      q(1, `alice - you do not have the necessary privileges to delete the job "8"\n`),
      "error",
    );
  });
});
