import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  jobSpecFromJson,
  jobSpecFromPsijJson,
  jobSpecToJson,
  jobSpecToPsijJson,
  parseJobSpecDocument,
  pythonFloat,
  ResourceSpecV1,
  specFieldPath,
} from "../../src/core/index.ts";
import { snakeCase } from "../../src/core/json/forms.ts";
import { ATTRIBUTE_FIELDS, RESOURCE_FIELDS, SPEC_FIELDS } from "../../src/core/json/read.ts";
import { full, fullOurs, fullPsij, rejects, viaText } from "./json-fixtures.ts";

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

describe("JobSpec JSON: explicit nulls", () => {
  /** Every optional field of a form set to null, nested objects included. */
  function allNull(key: (f: string) => string, resources: Record<string, unknown>) {
    const doc: Record<string, unknown> = { executable: "/bin/true" };
    for (const f of SPEC_FIELDS) if (f !== "executable") doc[key(f)] = null;
    const attributes = Object.fromEntries(ATTRIBUTE_FIELDS.map((f) => [key(f), null]));
    for (const f of RESOURCE_FIELDS) resources[key(f)] = null;
    const stage = { source: "a", target: "b", mode: null };
    return {
      top: doc,
      nested: {
        executable: "/bin/true",
        attributes,
        resources,
        stageIn: [stage],
        stageOut: [{ ...stage, flags: null }],
      },
    };
  }

  it("psij-python's form reads null in every optional field as the field left out", () => {
    const { top, nested } = allNull(snakeCase, { __version: 1 });
    assert.deepEqual(jobSpecFromPsijJson(top), { executable: "/bin/true" });
    const { stageIn, stageOut, ...rest } = nested;
    const doc = { ...rest, stage_in: stageIn, stage_out: stageOut };
    (doc.attributes as Record<string, unknown>).project_name = null;
    assert.deepEqual(jobSpecFromPsijJson(doc), {
      executable: "/bin/true",
      attributes: {},
      resources: new ResourceSpecV1({}),
      stageIn: [{ source: "a", target: "b" }],
      stageOut: [{ source: "a", target: "b" }],
    });
    assert.deepEqual(
      parseJobSpecDocument({ executable: "/bin/true", attributes: { queue_name: null } }),
      { executable: "/bin/true", attributes: {} },
    );
  });

  it("our form reads null in every optional field as the field left out", () => {
    const { top, nested } = allNull((f) => f, {});
    assert.deepEqual(jobSpecFromJson({ version: 1, ...top }), { executable: "/bin/true" });
    assert.deepEqual(jobSpecFromJson({ version: 1, ...nested }), {
      executable: "/bin/true",
      attributes: {},
      resources: new ResourceSpecV1({}),
      stageIn: [{ source: "a", target: "b" }],
      stageOut: [{ source: "a", target: "b" }],
    });
  });

  it("null stays refused where it would be a value, or where a field is required", () => {
    const read = parseJobSpecDocument;
    rejects(
      read,
      { version: 1, arguments: [null] },
      "$.arguments[0]",
      /must be a string, got null/,
    );
    rejects(read, { version: null }, "$.version", /unsupported version null/);
    rejects(read, { resources: { __version: null } }, "$.resources.__version", /unsupported/);
    rejects(
      read,
      { version: 1, stageIn: [{ source: null, target: "b" }] },
      "$.stageIn[0].source",
      /required/,
    );
  });
});

describe("specFieldPath: a model field's JSON path in the document's form", () => {
  it("maps executors' field names to our form's and psij-python's paths", () => {
    const cases: Array<[string, string, string]> = [
      ["attributes.account", "$.attributes.account", "$.attributes.account"],
      ["attributes.queueName", "$.attributes.queueName", "$.attributes.queue_name"],
      [
        "attributes.customAttributes.pbs.J",
        '$.attributes.customAttributes["pbs.J"]',
        '$.attributes.custom_attributes["pbs.J"]',
      ],
      ["environment._psij_dir", "$.environment._psij_dir", "$.environment._psij_dir"],
      ["stageOut[1].flags", "$.stageOut[1].flags", "$.stage_out[1].flags"],
      [
        "resources.exclusiveNodeUse",
        "$.resources.exclusiveNodeUse",
        "$.resources.exclusive_node_use",
      ],
      ["launcher", "$.launcher", "$.launcher"],
      ["$.colour", "$.colour", "$.colour"],
    ];
    for (const [field, ours, psij] of cases) {
      assert.equal(specFieldPath(field, { version: 1 }), ours, field);
      assert.equal(specFieldPath(field, {}), psij, field);
    }
    assert.equal(specFieldPath("output", { version: 1 }), undefined, "not a spec field");
    assert.equal(specFieldPath("nativeId", {}), undefined);
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
