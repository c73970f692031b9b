import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  customAttributesFor,
  DEFAULT_CLEANUP_FLAGS,
  DEFAULT_DURATION_SECONDS,
  DEFAULT_LAUNCHER,
  effectiveDuration,
  environmentOf,
  InvalidJobException,
  jobName,
  type JobSpec,
  resourcesOf,
  ResourceSpecV1,
  validateJobSpec,
} from "../../src/core/index.ts";

const ok: JobSpec = {
  executable: "/bin/echo",
  arguments: ["", "a b"],
  directory: "/tmp",
  name: "job",
  inheritEnvironment: false,
  environment: { A: "x", N: 1 },
  stdinPath: "/dev/null",
  stdoutPath: "out",
  stderrPath: "err",
  resources: { nodeCount: 2, processesPerNode: 2 },
  attributes: {
    duration: 90061.5,
    queueName: "q",
    account: "a",
    reservationId: "r",
    customAttributes: { "pbs.l": "select=1", "slurm.qos": 3, "pbs.V": true },
  },
  preLaunch: "pre.sh",
  postLaunch: "post.sh",
  launcher: "multiple",
  stageIn: [{ source: "/a", target: "a", mode: "LINK" }],
  stageOut: [{ source: "b", target: "/b", mode: "MOVE", flags: 15 }],
  cleanup: ["a"],
  cleanupFlags: 2,
};

// Each case: a change to the valid spec above, and the field the error must name.
const bad: Array<[string, Record<string, unknown>, string]> = [
  ["no executable", { executable: undefined }, "executable"],
  ["empty executable", { executable: "" }, "executable"],
  ["numeric executable", { executable: 5 }, "executable"],
  ["arguments not an array", { arguments: "a b" }, "arguments"],
  ["a numeric argument", { arguments: ["a", 1] }, "arguments[1]"],
  ["a NUL in an argument", { arguments: ["a\0"] }, "arguments[0]"],
  ["empty directory", { directory: "" }, "directory"],
  ["numeric name", { name: 5 }, "name"],
  ["empty stdinPath", { stdinPath: "" }, "stdinPath"],
  ["numeric stdoutPath", { stdoutPath: 1 }, "stdoutPath"],
  ["empty stderrPath", { stderrPath: "" }, "stderrPath"],
  ["empty preLaunch", { preLaunch: "" }, "preLaunch"],
  ["numeric postLaunch", { postLaunch: 2 }, "postLaunch"],
  ["empty launcher", { launcher: "" }, "launcher"],
  ["inheritEnvironment as a string", { inheritEnvironment: "yes" }, "inheritEnvironment"],
  ["an unsupported expansion in an argument", { arguments: ["ok", "${A:-x}"] }, "arguments[1]"],
  ["an unclosed expansion in a variable", { environment: { A: "${HOME" } }, "environment.A"],
  ["a bad variable name", { environment: { "1X": "a" } }, "environment.1X"],
  ["a null variable", { environment: { A: null } }, "environment.A"],
  ["an object variable", { environment: { A: {} } }, "environment.A"],
  ["an infinite variable", { environment: { A: Infinity } }, "environment.A"],
  ["a NUL in a variable", { environment: { A: "\0" } }, "environment.A"],
  [
    "inconsistent resources",
    { resources: { nodeCount: 2, processCount: 3 } },
    "resources.processCount",
  ],
  ["zero duration", { attributes: { duration: 0 } }, "attributes.duration"],
  ["string duration", { attributes: { duration: "10" } }, "attributes.duration"],
  ["NaN duration", { attributes: { duration: NaN } }, "attributes.duration"],
  ["empty queue", { attributes: { queueName: "" } }, "attributes.queueName"],
  ["numeric account", { attributes: { account: 5 } }, "attributes.account"],
  ["empty reservation", { attributes: { reservationId: "" } }, "attributes.reservationId"],
  [
    "custom key without executor",
    { attributes: { customAttributes: { l: "x" } } },
    "attributes.customAttributes.l",
  ],
  [
    "custom value object",
    { attributes: { customAttributes: { "pbs.l": {} } } },
    "attributes.customAttributes.pbs.l",
  ],
  ["stage-in not an object", { stageIn: [null] }, "stageIn[0]"],
  ["stage-in empty source", { stageIn: [{ source: "", target: "a" }] }, "stageIn[0].source"],
  ["stage-in no target", { stageIn: [{ source: "a" }] }, "stageIn[0].target"],
  [
    "stage-in unknown mode",
    { stageIn: [{ source: "a", target: "b", mode: "SYMLINK" }] },
    "stageIn[0].mode",
  ],
  [
    "stage-in inherited name as mode",
    { stageIn: [{ source: "a", target: "b", mode: "toString" }] },
    "stageIn[0].mode",
  ],
  [
    "stage-out flags 16",
    { stageOut: [{ source: "a", target: "b", flags: 16 }] },
    "stageOut[0].flags",
  ],
  [
    "stage-out flags -1",
    { stageOut: [{ source: "a", target: "b", flags: -1 }] },
    "stageOut[0].flags",
  ],
  [
    "stage-out flags 1.5",
    { stageOut: [{ source: "a", target: "b", flags: 1.5 }] },
    "stageOut[0].flags",
  ],
  ["empty cleanup path", { cleanup: ["a", ""] }, "cleanup[1]"],
  ["cleanupFlags 99", { cleanupFlags: 99 }, "cleanupFlags"],
];

describe("JobSpec validation", () => {
  it("a spec using every field validly passes", () => validateJobSpec(ok));

  it("no spec at all is an error on `spec`", () => {
    assert.throws(
      () => validateJobSpec(undefined),
      (e: unknown) => (e as InvalidJobException).field === "spec",
    );
  });

  for (const [what, change, field] of bad) {
    it(`${what} is refused naming ${field}`, () => {
      const spec = { ...ok, ...change } as JobSpec;
      assert.throws(() => validateJobSpec(spec), (err: unknown) => {
        assert.ok(err instanceof InvalidJobException, String(err));
        assert.equal(err.field, field);
        assert.ok(err.message.startsWith(field), err.message);
        return true;
      });
    });
  }
});

describe("JobSpec defaults and helpers", () => {
  it("the name defaults to the executable's base name", () => {
    assert.equal(jobName({ executable: "/bin/date" }), "date");
    assert.equal(jobName({ executable: "run.sh" }), "run.sh");
    assert.equal(jobName({ executable: "/bin/date", name: "mine" }), "mine");
    assert.equal(jobName({}), "job");
  });

  it("environment numbers become strings", () => {
    assert.deepEqual(environmentOf({ environment: { TEST_INT: 1, TEST_VAR: "_y_" } }), {
      TEST_INT: "1",
      TEST_VAR: "_y_",
    });
    assert.deepEqual(environmentOf({}), {});
  });

  it("resourcesOf gives a ResourceSpecV1 (default 1/1/1) and keeps an instance as is", () => {
    const r = new ResourceSpecV1({ nodeCount: 2 });
    assert.equal(resourcesOf({ resources: r }), r);
    assert.ok(resourcesOf({ resources: { processCount: 2 } }) instanceof ResourceSpecV1);
    assert.equal(resourcesOf({}).computedProcessCount, 1);
  });

  it("walltime defaults to ten minutes; launcher to single; cleanup to ALWAYS", () => {
    assert.equal(DEFAULT_DURATION_SECONDS, 600);
    assert.equal(effectiveDuration(undefined), 600);
    assert.equal(effectiveDuration({ duration: 90061.5 }), 90061.5);
    assert.equal(DEFAULT_LAUNCHER, "single");
    assert.equal(DEFAULT_CLEANUP_FLAGS, 14);
  });

  it("custom attributes reach only their own executor, prefix removed", () => {
    const attrs = ok.attributes!;
    assert.deepEqual(customAttributesFor(attrs, "pbs"), [["l", "select=1"], ["V", "true"]]);
    assert.deepEqual(customAttributesFor(attrs, "SLURM"), [["qos", "3"]]);
    assert.deepEqual(customAttributesFor(attrs, "lsf"), []);
    assert.deepEqual(customAttributesFor(undefined, "pbs"), []);
  });
});
