import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidJobException,
  type JobSpec,
  jobSpecFromJson,
  jobSpecFromPsijJson,
  jobSpecToJson,
  jobSpecToPsijJson,
  parseJobSpecDocument,
  pythonFloat,
  ResourceSpecV1,
} from "../../src/core/index.ts";

/** Through text, as a document really travels. */
const viaText = (o: unknown) => JSON.parse(JSON.stringify(o));

const full: JobSpec = {
  executable: "/bin/echo",
  arguments: ["-n", "", "${HOME}"],
  directory: "~/jobs",
  name: "echo test",
  inheritEnvironment: false,
  environment: { TEST_INT: 1, TEST_VAR: "_y_" },
  stdinPath: "/dev/null",
  stdoutPath: "out.txt",
  stderrPath: "err.txt",
  resources: new ResourceSpecV1({
    nodeCount: 2,
    processesPerNode: 4,
    gpuCoresPerProcess: 0,
    exclusiveNodeUse: false,
    memory: 8589934592,
  }),
  attributes: {
    duration: 90061.25,
    queueName: "workq",
    account: "proj1",
    reservationId: "R123",
    customAttributes: { "pbs.l": "place=scatter", "slurm.qos": 3, "pbs.r": true },
  },
  preLaunch: "setup.sh",
  postLaunch: "teardown.sh",
  launcher: "mpirun",
  stageIn: [{ source: "file:///data/in.txt", target: "in.txt", mode: "LINK" }],
  stageOut: [{ source: "out.txt", target: "/data/out.txt", mode: "COPY", flags: 3 }, {
    source: "log",
    target: "/data/log",
  }],
  cleanup: ["in.txt", "scratch"],
  cleanupFlags: 2,
};

const fullOurs = {
  version: 1,
  executable: "/bin/echo",
  arguments: ["-n", "", "${HOME}"],
  directory: "~/jobs",
  name: "echo test",
  inheritEnvironment: false,
  environment: { TEST_INT: 1, TEST_VAR: "_y_" },
  stdinPath: "/dev/null",
  stdoutPath: "out.txt",
  stderrPath: "err.txt",
  resources: {
    nodeCount: 2,
    processesPerNode: 4,
    gpuCoresPerProcess: 0,
    exclusiveNodeUse: false,
    memory: 8589934592,
  },
  attributes: {
    duration: 90061.25,
    queueName: "workq",
    account: "proj1",
    reservationId: "R123",
    customAttributes: { "pbs.l": "place=scatter", "slurm.qos": 3, "pbs.r": true },
  },
  preLaunch: "setup.sh",
  postLaunch: "teardown.sh",
  launcher: "mpirun",
  stageIn: [{ source: "file:///data/in.txt", target: "in.txt", mode: "LINK" }],
  stageOut: [
    {
      source: "out.txt",
      target: "/data/out.txt",
      mode: "COPY",
      flags: ["IF_PRESENT", "ON_SUCCESS"],
    },
    { source: "log", target: "/data/log" },
  ],
  cleanup: ["in.txt", "scratch"],
  cleanupFlags: ["ON_SUCCESS"],
};

const fullPsij = {
  executable: "/bin/echo",
  arguments: ["-n", "", "${HOME}"],
  directory: "~/jobs",
  name: "echo test",
  inherit_environment: false,
  environment: { TEST_INT: 1, TEST_VAR: "_y_" },
  stdin_path: "/dev/null",
  stdout_path: "out.txt",
  stderr_path: "err.txt",
  resources: {
    __version: 1,
    node_count: 2,
    processes_per_node: 4,
    gpu_cores_per_process: 0,
    exclusive_node_use: false,
    memory: 8589934592,
  },
  attributes: {
    duration: "90061.25 s",
    queue_name: "workq",
    account: "proj1",
    reservation_id: "R123",
    custom_attributes: { "pbs.l": "place=scatter", "slurm.qos": 3, "pbs.r": true },
  },
  pre_launch: "setup.sh",
  post_launch: "teardown.sh",
  launcher: "mpirun",
  stage_in: [{ source: "file:///data/in.txt", target: "in.txt", mode: "LINK" }],
  stage_out: [
    {
      source: "out.txt",
      target: "/data/out.txt",
      mode: "COPY",
      flags: ["IF_PRESENT", "ON_SUCCESS"],
    },
    { source: "log", target: "/data/log" },
  ],
  cleanup: ["in.txt", "scratch"],
  cleanup_flags: ["ON_SUCCESS"],
};

describe("JobSpec JSON: round trips", () => {
  it("scenario 23: our form round-trips a spec with a fractional >24 h walltime and resources", () => {
    const json = jobSpecToJson(full);
    assert.deepEqual(json, fullOurs);
    assert.deepEqual(jobSpecFromJson(viaText(json)), full);
    assert.deepEqual(jobSpecToJson(jobSpecFromJson(viaText(fullOurs))), fullOurs);
  });

  it('scenario 23: psij-python\'s form round-trips the same spec (duration "90061.25 s")', () => {
    const json = jobSpecToPsijJson(full);
    assert.deepEqual(json, fullPsij);
    assert.deepEqual(jobSpecFromPsijJson(viaText(json)), full);
    assert.deepEqual(jobSpecToPsijJson(jobSpecFromPsijJson(viaText(fullPsij))), fullPsij);
  });

  it("the empty spec is {version: 1} in ours and {} in psij-python's", () => {
    assert.deepEqual(jobSpecToJson({}), { version: 1 });
    assert.deepEqual(jobSpecToPsijJson({}), {});
    assert.deepEqual(jobSpecFromJson({ version: 1 }), {});
    assert.deepEqual(jobSpecFromPsijJson({}), {});
  });

  it("resources are written as given, never computed, and follow later edits", () => {
    const r = new ResourceSpecV1({ processCount: 4 });
    assert.equal(r.computedNodeCount, 1);
    assert.deepEqual(jobSpecToJson({ resources: r }).resources, { processCount: 4 });
    r.nodeCount = 2;
    assert.deepEqual(jobSpecToPsijJson({ resources: r }).resources, {
      __version: 1,
      node_count: 2,
      process_count: 4,
    });
    const back = jobSpecFromJson({ version: 1, resources: { nodeCount: 2, processCount: 4 } });
    assert.ok(back.resources instanceof ResourceSpecV1);
    assert.equal(back.resources.computedProcessesPerNode, 2);
  });

  it("a plain-object resources field is written like a ResourceSpecV1", () => {
    assert.deepEqual(jobSpecToJson({ resources: { nodeCount: 3 } }).resources, { nodeCount: 3 });
  });

  it("an environment variable named __proto__ stays a variable", () => {
    const doc = JSON.parse('{"version":1,"environment":{"__proto__":"x"}}');
    const spec = jobSpecFromJson(doc);
    assert.equal(Object.getPrototypeOf(spec.environment), Object.prototype);
    assert.deepEqual(Object.keys(spec.environment!), ["__proto__"]);
    assert.deepEqual(Object.keys(jobSpecToJson(spec).environment as object), ["__proto__"]);
  });
});

describe("JobSpec JSON: walltimes", () => {
  it("ours writes seconds and reads seconds or any walltime string", () => {
    const d = (v: unknown) =>
      jobSpecFromJson({ version: 1, attributes: { duration: v } }).attributes?.duration;
    assert.equal(d(0.001), 0.001);
    assert.equal(d("01:00:00"), 3600);
    assert.equal(d("90m"), 5400);
    assert.equal(d("1-00:00:00"), 86400);
    assert.deepEqual(jobSpecToJson({ attributes: { duration: 7230.5 } }).attributes, {
      duration: 7230.5,
    });
  });

  it('psij-python\'s form: "7230.0 s" reads as 7230 s (psij-python itself reads 0 s)', () => {
    const spec = jobSpecFromPsijJson({ attributes: { duration: "7230.0 s" } });
    assert.equal(spec.attributes?.duration, 7230);
    assert.deepEqual(jobSpecToPsijJson(spec).attributes, { duration: "7230.0 s" });
  });

  it("psij-python's form reads Python float reprs and every walltime syntax", () => {
    const d = (v: string) =>
      jobSpecFromPsijJson({ attributes: { duration: v } }).attributes?.duration;
    assert.equal(d("1e-05 s"), 1e-5);
    assert.equal(d("1e+16 s"), 1e16);
    assert.equal(d("600.0s"), 600);
    assert.equal(d("02:00:30"), 7230);
    assert.equal(d("10"), 600);
    assert.equal(d("2h"), 7200);
  });

  it("pythonFloat matches Python's repr of a float", () => {
    const cases: Array<[number, string]> = [
      [7230, "7230.0"],
      [0.5, "0.5"],
      [90061.25, "90061.25"],
      [1e-5, "1e-05"],
      [0.0001, "0.0001"],
      [1.5e-7, "1.5e-07"],
      [1e16, "1e+16"],
      [1234567890123456, "1234567890123456.0"],
      [1.2345e100, "1.2345e+100"],
    ];
    for (const [n, s] of cases) assert.equal(pythonFloat(n), s, String(n));
  });
});

function rejects(read: (doc: unknown) => JobSpec, doc: unknown, path: string, reason: RegExp) {
  assert.throws(() => read(doc), (err: unknown) => {
    assert.ok(err instanceof InvalidJobException, String(err));
    assert.equal(err.field, path);
    assert.ok(err.message.startsWith(`${path}: `), err.message);
    assert.match(err.message, reason);
    return true;
  });
}

describe("JobSpec JSON: errors name the JSON path", () => {
  const v1 = (o: object) => ({ version: 1, ...o });
  const cases: Array<[string, unknown, string, RegExp]> = [
    ["not an object", [], "$", /must be an object/],
    ["null", null, "$", /must be an object/],
    ["no version", {}, "$.version", /is required/],
    ["version 2", { version: 2 }, "$.version", /unsupported version 2/],
    ["unknown field", v1({ colour: "red" }), "$.colour", /unknown field/],
    ["a snake_case key", v1({ stdout_path: "x" }), "$.stdout_path", /did you mean "stdoutPath"/],
    [
      "zero nodes",
      v1({ resources: { nodeCount: 0 } }),
      "$.resources.nodeCount",
      /must be a positive integer/,
    ],
    [
      "fractional memory",
      v1({ resources: { memory: 1.5 } }),
      "$.resources.memory",
      /positive integer/,
    ],
    [
      "negative GPUs",
      v1({ resources: { gpuCoresPerProcess: -1 } }),
      "$.resources.gpuCoresPerProcess",
      /non-negative/,
    ],
    [
      "exclusive as a string",
      v1({ resources: { exclusiveNodeUse: "yes" } }),
      "$.resources.exclusiveNodeUse",
      /true or false/,
    ],
    [
      "inconsistent resources",
      v1({ resources: { nodeCount: 2, processCount: 5, processesPerNode: 3 } }),
      "$.resources.processCount",
      /must equal nodeCount × processesPerNode/,
    ],
    [
      "indivisible resources",
      v1({ resources: { nodeCount: 2, processCount: 5 } }),
      "$.resources.processCount",
      /not divisible by nodeCount/,
    ],
    [
      "indivisible by ppn",
      v1({ resources: { processesPerNode: 2, processCount: 5 } }),
      "$.resources.processCount",
      /not divisible by processesPerNode/,
    ],
    [
      "computed field",
      v1({ resources: { computedNodeCount: 1 } }),
      "$.resources.computedNodeCount",
      /unknown field/,
    ],
    [
      "resources version in ours",
      v1({ resources: { __version: 1 } }),
      "$.resources.__version",
      /unknown field/,
    ],
    [
      "unknown flag",
      v1({
        stageOut: [{ source: "a", target: "b" }, {
          source: "a",
          target: "b",
          flags: ["SOMETIMES"],
        }],
      }),
      "$.stageOut[1].flags[0]",
      /unknown flag "SOMETIMES"/,
    ],
    [
      "flags as a number",
      v1({ stageOut: [{ source: "a", target: "b", flags: 2 }] }),
      "$.stageOut[0].flags",
      /must be an array/,
    ],
    [
      "flags on a stage-in",
      v1({ stageIn: [{ source: "a", target: "b", flags: ["NONE"] }] }),
      "$.stageIn[0].flags",
      /unknown field/,
    ],
    [
      "unknown mode",
      v1({ stageIn: [{ source: "a", target: "b", mode: "SYMLINK" }] }),
      "$.stageIn[0].mode",
      /unknown mode "SYMLINK"/,
    ],
    ["missing target", v1({ stageIn: [{ source: "a" }] }), "$.stageIn[0].target", /is required/],
    ["stage-in not a list", v1({ stageIn: { source: "a" } }), "$.stageIn", /must be an array/],
    ["cleanupFlags as a number", v1({ cleanupFlags: 2 }), "$.cleanupFlags", /must be an array/],
    ["numeric argument", v1({ arguments: ["a", 1] }), "$.arguments[1]", /must be a string/],
    ["empty executable", v1({ executable: "" }), "$.executable", /must not be empty/],
    ["string boolean", v1({ inheritEnvironment: "true" }), "$.inheritEnvironment", /true or false/],
    ["environment as a list", v1({ environment: [] }), "$.environment", /must be an object/],
    [
      "bad variable name",
      v1({ environment: { "1X": "a" } }),
      '$.environment["1X"]',
      /valid variable name/,
    ],
    ["null variable", v1({ environment: { A: null } }), "$.environment.A", /must be a string/],
    [
      "bad walltime",
      v1({ attributes: { duration: "abc" } }),
      "$.attributes.duration",
      /cannot parse walltime/,
    ],
    [
      "zero walltime",
      v1({ attributes: { duration: 0 } }),
      "$.attributes.duration",
      /positive number/,
    ],
    [
      "boolean walltime",
      v1({ attributes: { duration: true } }),
      "$.attributes.duration",
      /seconds/,
    ],
    [
      "empty queue",
      v1({ attributes: { queueName: "" } }),
      "$.attributes.queueName",
      /must not be empty/,
    ],
    [
      "custom key without executor",
      v1({ attributes: { customAttributes: { l: "x" } } }),
      "$.attributes.customAttributes.l",
      /<executor>\.<flag>/,
    ],
    [
      "custom value null",
      v1({ attributes: { customAttributes: { "pbs.l": null } } }),
      '$.attributes.customAttributes["pbs.l"]',
      /string, number or boolean/,
    ],
    [
      "project_name in ours",
      v1({ attributes: { project_name: "p" } }),
      "$.attributes.project_name",
      /unknown field/,
    ],
  ];
  for (const [what, doc, path, reason] of cases) {
    it(`ours: ${what} → ${path}`, () => rejects(jobSpecFromJson, doc, path, reason));
  }

  const psijCases: Array<[string, unknown, string, RegExp]> = [
    ["a version key", { version: 1 }, "$.version", /no version/],
    ["a camelCase key", { stdoutPath: "x" }, "$.stdoutPath", /did you mean "stdout_path"/],
    [
      "resources without __version",
      { resources: { node_count: 2 } },
      "$.resources.__version",
      /is required/,
    ],
    [
      "resources __version 2",
      { resources: { __version: 2 } },
      "$.resources.__version",
      /unsupported/,
    ],
    [
      "zero nodes",
      { resources: { __version: 1, node_count: 0 } },
      "$.resources.node_count",
      /positive integer/,
    ],
    [
      "inconsistent",
      { resources: { __version: 1, node_count: 2, process_count: 3 } },
      "$.resources.process_count",
      /divisible by node_count/,
    ],
    [
      "numeric duration",
      { attributes: { duration: 600 } },
      "$.attributes.duration",
      /must be a string/,
    ],
    ["bad duration", { attributes: { duration: "soon" } }, "$.attributes.duration", /cannot parse/],
    ["zero duration", { attributes: { duration: "0.0 s" } }, "$.attributes.duration", /positive/],
    [
      "project_name ≠ account",
      { attributes: { account: "a", project_name: "b" } },
      "$.attributes.project_name",
      /conflicts with account/,
    ],
    [
      "unknown flag",
      { stage_out: [{ source: "a", target: "b", flags: ["SOMETIMES"] }] },
      "$.stage_out[0].flags[0]",
      /unknown flag/,
    ],
  ];
  for (const [what, doc, path, reason] of psijCases) {
    it(`psij-python: ${what} → ${path}`, () => rejects(jobSpecFromPsijJson, doc, path, reason));
  }
});

describe("JobSpec JSON: psij-python documents", () => {
  it("reads a document as psij-python writes it (name = executable, account twice)", () => {
    const doc = {
      executable: "/bin/date",
      name: "/bin/date",
      resources: { __version: 1, node_count: 2 },
      attributes: { duration: "7230.0 s", queue_name: "debug", account: "a", project_name: "a" },
    };
    assert.deepEqual(jobSpecFromPsijJson(doc), {
      executable: "/bin/date",
      name: "/bin/date",
      resources: new ResourceSpecV1({ nodeCount: 2 }),
      attributes: { duration: 7230, queueName: "debug", account: "a" },
    });
  });

  it("project_name alone is read as account", () => {
    const spec = jobSpecFromPsijJson({ attributes: { project_name: "p" } });
    assert.deepEqual(spec.attributes, { account: "p" });
    assert.deepEqual(jobSpecToPsijJson(spec).attributes, { account: "p" });
  });
});

describe("parseJobSpecDocument", () => {
  it("a top-level version means our form", () => {
    assert.deepEqual(parseJobSpecDocument(fullOurs), full);
  });
  it("no version means psij-python's form", () => {
    assert.deepEqual(parseJobSpecDocument(fullPsij), full);
    assert.deepEqual(parseJobSpecDocument({ executable: "/bin/date" }), {
      executable: "/bin/date",
    });
  });
  it("camelCase keys without a version are an error saying the version is missing", () => {
    rejects(
      parseJobSpecDocument,
      { executable: "x", stdoutPath: "o" },
      "$.version",
      /"stdoutPath" is a key of the psij-agent form/,
    );
  });
  it("a JSON string is parsed first; bad JSON is an error on $", () => {
    assert.deepEqual(parseJobSpecDocument(JSON.stringify(fullOurs)), full);
    rejects(parseJobSpecDocument, "{nope", "$", /not valid JSON/);
    rejects(parseJobSpecDocument, "[1]", "$", /must be an object/);
  });
  it("errors inside either form keep their JSON path", () => {
    rejects(
      parseJobSpecDocument,
      { version: 1, resources: { nodeCount: 0 } },
      "$.resources.nodeCount",
      /positive/,
    );
    rejects(
      parseJobSpecDocument,
      { resources: { __version: 1, node_count: 0 } },
      "$.resources.node_count",
      /positive/,
    );
  });
});
