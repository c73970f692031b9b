import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidJobException } from "../../src/core/errors.ts";
import type { JobSpec } from "../../src/core/job-spec.ts";
import { MAX_JOB_NAME, pbsJobName } from "../../src/executors/pbs/directives.ts";
import { renderPbsScript } from "../../src/executors/pbs/script.ts";
import { parsedDirectives } from "./helpers.ts";

const OPTS = { workDir: "/w", stamp: "stamp-1" };

function directivesOf(spec: JobSpec): string[][] {
  return parsedDirectives(renderPbsScript(spec, OPTS).text);
}

const BASE: JobSpec = { executable: "/bin/date" };

const DEFAULTS = [
  ["-N", "date"],
  ["-l", "select=1:ncpus=1:mpiprocs=1"],
  ["-l", "place=scatter:shared"],
  ["-l", "walltime=00:10:00"],
  ["-o", "/w/stamp-1.pbs.o"],
  ["-e", "/w/stamp-1.pbs.e"],
  ["-v", "PSIJ_AGENT_STAMP=stamp-1"],
];

/** field → the spec change → what must appear among the directives. */
const TABLE: Array<[string, Partial<JobSpec>, string[][]]> = [
  ["name", { name: "analysis_v2.1" }, [["-N", "analysis_v2.1"]]],
  ["name (illegal characters)", { name: "my job/é#1" }, [["-N", "my_job___1"]]],
  ["name (too long)", { name: "n".repeat(300) }, [["-N", "n".repeat(MAX_JOB_NAME)]]],
  ["resources.processCount", { resources: { processCount: 4 } }, [[
    "-l",
    "select=1:ncpus=4:mpiprocs=4",
  ]]],
  ["resources.nodeCount × processesPerNode × cpuCoresPerProcess", {
    resources: { nodeCount: 2, processesPerNode: 4, cpuCoresPerProcess: 2 },
  }, [["-l", "select=2:ncpus=8:mpiprocs=4"]]],
  ["resources.gpuCoresPerProcess", {
    resources: { processCount: 2, gpuCoresPerProcess: 1 },
  }, [["-l", "select=1:ncpus=2:mpiprocs=2:ngpus=2"]]],
  ["resources.memory (split per chunk)", {
    resources: { nodeCount: 2, memory: 4 * 1024 ** 3 },
  }, [["-l", "select=2:ncpus=1:mpiprocs=1:mem=2097152kb"]]],
  ["resources.exclusiveNodeUse", { resources: { exclusiveNodeUse: true } }, [[
    "-l",
    "place=scatter:exclhost",
  ]]],
  ["attributes.duration (past 24 h, fraction rounded up)", {
    attributes: { duration: 2 * 86400 + 3661.2 },
  }, [["-l", "walltime=49:01:02"]]],
  ["attributes.account", { attributes: { account: "proj42" } }, [["-A", "proj42"]]],
  ["attributes.queueName", { attributes: { queueName: "debug" } }, [["-q", "debug"]]],
  ["attributes.reservationId", { attributes: { reservationId: "R123", queueName: "debug" } }, [[
    "-q",
    "R123",
  ]]],
  ["attributes.customAttributes pbs.*", {
    attributes: { customAttributes: { "pbs.W": "depend=afterok:1.srv", "pbs.r": "n" } },
  }, [["-W", "depend=afterok:1.srv"], ["-r", "n"]]],
];

describe("scenario 14: every JobSpec field maps to its #PBS directive", () => {
  it("defaults", () => {
    assert.deepEqual(directivesOf(BASE), DEFAULTS);
  });

  for (const [field, change, expected] of TABLE) {
    it(`${field}`, () => {
      const got = directivesOf({ ...BASE, ...change });
      for (const d of expected) {
        assert.ok(
          got.some((g) => g.join("\0") === d.join("\0")),
          `${d.join(" ")} in ${JSON.stringify(got)}`,
        );
      }
    });
  }

  it("a reservation replaces the queue (one -q only)", () => {
    const got = directivesOf({ ...BASE, attributes: { reservationId: "R1", queueName: "q" } });
    assert.deepEqual(got.filter((d) => d[0] === "-q"), [["-q", "R1"]]);
  });

  it("custom attributes come after the generated ones; overridden generated ones are left out", () => {
    const got = directivesOf({
      ...BASE,
      name: "mine",
      attributes: { customAttributes: { "pbs.l": "place=pack:excl", "pbs.N": "user_name" } },
    });
    assert.deepEqual(got.filter((d) => d[0] === "-l" && d[1].startsWith("place=")), [[
      "-l",
      "place=pack:excl",
    ]]);
    assert.deepEqual(got.filter((d) => d[0] === "-N"), [["-N", "user_name"]]);
    assert.deepEqual(got.at(-1), ["-N", "user_name"]);
  });

  it("custom attributes of other executors are ignored; true is a bare flag, false omits it", () => {
    const got = directivesOf({
      ...BASE,
      attributes: { customAttributes: { "slurm.qos": "high", "pbs.h": true, "pbs.V": false } },
    });
    assert.ok(got.some((d) => d.length === 1 && d[0] === "-h"));
    assert.ok(!got.some((d) => d[0] === "-V" || d.includes("high")));
  });

  it("the environment is exported in the script body, never by -V or -v", () => {
    const text = renderPbsScript({ ...BASE, environment: { A: "1 2", B: 3 } }, OPTS).text;
    assert.match(text, /^export A='1 2'$/m);
    assert.match(text, /^export B=3$/m);
    assert.ok(
      !directivesOf({ ...BASE, environment: { A: "x" } }).some((d) =>
        d[0] === "-V" || d[1]?.startsWith("A=")
      ),
    );
  });

  it("directive values with line breaks are refused, naming the field", () => {
    assert.throws(
      () => renderPbsScript({ ...BASE, attributes: { account: "a\n#PBS -q evil" } }, OPTS),
      (e: unknown) => e instanceof InvalidJobException && e.field === "attributes.account",
    );
  });

  it("a bad custom attribute key is refused, naming it", () => {
    assert.throws(
      () =>
        renderPbsScript({ ...BASE, attributes: { customAttributes: { "pbs.l x": "1" } } }, OPTS),
      /customAttributes\.pbs\.l x/,
    );
  });

  it("job names are PBS-legal and never dropped", () => {
    assert.equal(pbsJobName("a b"), "a_b");
    assert.equal(pbsJobName("日本"), "__");
    assert.equal(pbsJobName("x".repeat(500)).length, 230);
    assert.match(pbsJobName("$(rm -rf ~)"), /^[A-Za-z0-9_+.-]+$/);
  });
});
