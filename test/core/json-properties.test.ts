/**
 * fast-check properties of the JSON forms: arbitrary valid JobSpecs round-trip
 * exactly through both forms (via text), and arbitrary damage to a document
 * is either read as a valid spec or refused with an error naming a JSON path.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  InvalidJobException,
  type JobSpec,
  jobSpecFromJson,
  jobSpecFromPsijJson,
  jobSpecToJson,
  jobSpecToPsijJson,
  parseJobSpecDocument,
  type ResourceSpecFields,
  ResourceSpecV1,
  validateJobSpec,
} from "../../src/core/index.ts";
import { PROPERTY_RUNS } from "./helpers.ts";

const viaText = (o: unknown) => JSON.parse(JSON.stringify(o));

// any text but NUL and `${` (a `${` must be a valid expansion: see below)
const plain = fc.string({ unit: "binary", maxLength: 12 })
  .filter((s) => !s.includes("\0") && !s.includes("${"));
const envName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
const text = fc.oneof(
  { weight: 4, arbitrary: plain },
  fc.tuple(plain, envName, plain).map(([a, n, b]) => `${a}\${${n}}${b}`),
);
const nonEmpty = text.filter((s) => s.length > 0);
// -0 is not a JSON value (it reads back as 0)
const number = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
).filter((n) => !Object.is(n, -0));
const customKey = fc.tuple(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,5}$/),
  fc.stringMatching(/^[^\s.][^\s]{0,5}$/),
).map(([e, f]) => `${e}.${f}`);
const flags = fc.integer({ min: 0, max: 15 });
const mode = fc.constantFrom("COPY" as const, "LINK" as const, "MOVE" as const);

const resources = fc.record({
  nodes: fc.integer({ min: 1, max: 64 }),
  ppn: fc.integer({ min: 1, max: 64 }),
  give: fc.subarray(["nodeCount", "processCount", "processesPerNode"] as const),
  extra: fc.record({
    cpuCoresPerProcess: fc.integer({ min: 1, max: 128 }),
    gpuCoresPerProcess: fc.integer({ min: 0, max: 8 }),
    exclusiveNodeUse: fc.boolean(),
    memory: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  }, { requiredKeys: [], noNullPrototype: true }),
}).map(({ nodes, ppn, give, extra }) => {
  const all = { nodeCount: nodes, processCount: nodes * ppn, processesPerNode: ppn };
  const fields: ResourceSpecFields = { ...extra };
  for (const f of give) fields[f] = all[f];
  return new ResourceSpecV1(fields);
});

const attributes = fc.record({
  duration: fc.oneof(
    fc.integer({ min: 1, max: 10 * 86400 }),
    fc.double({ min: 1e-6, max: 1e12, noNaN: true }),
  ),
  queueName: nonEmpty,
  account: nonEmpty,
  reservationId: nonEmpty,
  customAttributes: fc.dictionary(customKey, fc.oneof(text, number, fc.boolean()), {
    noNullPrototype: true,
  }),
}, { requiredKeys: [], noNullPrototype: true });

const stageIn = fc.record({ source: nonEmpty, target: nonEmpty, mode }, {
  requiredKeys: ["source", "target"],
  noNullPrototype: true,
});
const stageOut = fc.record({ source: nonEmpty, target: nonEmpty, mode, flags }, {
  requiredKeys: ["source", "target"],
  noNullPrototype: true,
});

const jobSpec: fc.Arbitrary<JobSpec> = fc.record({
  executable: nonEmpty,
  arguments: fc.array(text, { maxLength: 4 }),
  directory: nonEmpty,
  name: nonEmpty,
  inheritEnvironment: fc.boolean(),
  environment: fc.dictionary(envName, fc.oneof(text, number), {
    maxKeys: 4,
    noNullPrototype: true,
  }),
  stdinPath: nonEmpty,
  stdoutPath: nonEmpty,
  stderrPath: nonEmpty,
  resources,
  attributes,
  preLaunch: nonEmpty,
  postLaunch: nonEmpty,
  launcher: nonEmpty,
  stageIn: fc.array(stageIn, { maxLength: 3 }),
  stageOut: fc.array(stageOut, { maxLength: 3 }),
  cleanup: fc.array(nonEmpty, { maxLength: 3 }),
  cleanupFlags: flags,
  dependsOn: fc.array(
    fc.record({
      job: nonEmpty,
      when: fc.constantFrom("ok" as const, "notok" as const, "any" as const),
    }, {
      requiredKeys: ["job"],
      noNullPrototype: true,
    }),
    { maxLength: 3 },
  ),
  hold: fc.boolean(),
}, { requiredKeys: [], noNullPrototype: true });

const forms = [
  { name: "ours", to: jobSpecToJson, from: jobSpecFromJson },
  { name: "psij-python", to: jobSpecToPsijJson, from: jobSpecFromPsijJson },
];

/** Every [container, key] in a JSON tree, the root excluded. */
function slots(doc: unknown): Array<[Record<string, unknown> | unknown[], string | number]> {
  const out: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), walk(x)));
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        (out.push([v as Record<string, unknown>, k]), walk(x));
      }
    }
  };
  walk(doc);
  return out;
}

describe("JSON properties", () => {
  for (const form of forms) {
    it(`(c) ${form.name} form: spec → json → spec and json → spec → json are exact`, () => {
      fc.assert(
        fc.property(jobSpec, (spec) => {
          validateJobSpec({ executable: "x", ...spec }); // the generator makes valid specs only
          const json = viaText(form.to(spec));
          const back = form.from(json);
          assert.deepStrictEqual(back, spec);
          assert.deepStrictEqual(viaText(form.to(back)), json);
          assert.deepStrictEqual(parseJobSpecDocument(JSON.stringify(json)), spec);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });
  }

  it("(c) a damaged document is read as a valid spec or refused naming a JSON path", () => {
    const damage = fc.record({
      spec: jobSpec,
      psij: fc.boolean(),
      pick: fc.nat(),
      value: fc.jsonValue({ maxDepth: 2 }),
      drop: fc.boolean(),
    });
    fc.assert(
      fc.property(damage, ({ spec, psij, pick, value, drop }) => {
        const doc = viaText(psij ? jobSpecToPsijJson(spec) : jobSpecToJson(spec));
        const all = slots(doc);
        if (all.length) {
          const [container, key] = all[pick % all.length];
          if (drop && !Array.isArray(container)) delete container[key as string];
          else (container as Record<string | number, unknown>)[key] = value;
        }
        let read: JobSpec;
        try {
          read = parseJobSpecDocument(doc);
        } catch (err) {
          assert.ok(err instanceof InvalidJobException, String(err));
          assert.match(err.field ?? "", /^\$/);
          assert.ok(err.message.startsWith(`${err.field}: `), err.message);
          return;
        }
        validateJobSpec({ executable: "x", ...read });
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
