import { describe, it } from "node:test";
import { jobSpecFromJson, jobSpecFromPsijJson } from "../../src/core/index.ts";
import { rejects } from "./json-fixtures.ts";

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
    [
      "unsupported expansion",
      v1({ arguments: ["${A:-x}"] }),
      "$.arguments[0]",
      /not a supported expansion/,
    ],
    [
      "unclosed expansion",
      v1({ environment: { P: "${PATH" } }),
      "$.environment.P",
      /not a supported expansion/,
    ],
    ["infinite variable", v1({ environment: { A: Infinity } }), "$.environment.A", /finite/],
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
