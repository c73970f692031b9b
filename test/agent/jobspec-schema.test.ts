/**
 * The OpenAPI document's JobSpec schemas say exactly what the reader
 * (src/core/json/read.ts) says: a document one refuses, the other refuses,
 * in both forms. Checked with a small JSON Schema checker
 * (test/helpers/json-schema.ts) on documents fast-check builds near the
 * edge of validity, and on the documents the writers produce.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { openApiDocument } from "../../src/agent/http/openapi.ts";
import { parseSpecDocument } from "../../src/agent/spec-input.ts";
import {
  jobSpecFromJson,
  jobSpecFromPsijJson,
  jobSpecToJson,
  jobSpecToPsijJson,
  parseJobSpecDocument,
} from "../../src/core/json/index.ts";
import { schemaError } from "../helpers/json-schema.ts";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const DOC = openApiDocument() as any;
const SCHEMAS = DOC.components.schemas;

const check = (name: string, value: unknown) =>
  schemaError(SCHEMAS[name], value, DOC) === undefined;
const reads = (read: (doc: unknown) => unknown, doc: unknown) => {
  try {
    read(doc);
    return true;
  } catch {
    return false;
  }
};
const either = { oneOf: [SCHEMAS.JobSpec, SCHEMAS.PsijJobSpec] };

/** Schema and reader agree on `doc`, in each form and for either form. */
function agree(doc: unknown): { ours: boolean; psij: boolean } {
  const ours = reads(jobSpecFromJson, doc);
  const psij = reads(jobSpecFromPsijJson, doc);
  const why = (name: string) => schemaError(SCHEMAS[name], doc, DOC) ?? "accepted";
  assert.equal(check("JobSpec", doc), ours, `ours: reader ${ours}, schema: ${why("JobSpec")}`);
  assert.equal(
    check("PsijJobSpec", doc),
    psij,
    `psij: reader ${psij}, schema: ${why("PsijJobSpec")}`,
  );
  assert.equal(
    schemaError(either, doc, DOC) === undefined,
    reads(parseJobSpecDocument, doc),
    "either form",
  );
  return { ours, psij };
}

// --- documents near the edge ---------------------------------------------------------------

const chars = (alphabet: string[], maxLength = 8, minLength = 0) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength });
const junk = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(1.5, -0, 1e300),
  fc.boolean(),
  fc.constantFrom("", "a\0b", " "),
  fc.constant([]),
  fc.constant({}),
  fc.constant(["x"]),
);
/** Mostly good, sometimes anything. */
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown> = junk) =>
  fc.oneof({ arbitrary: good, weight: 25 }, { arbitrary: bad, weight: 1 });

const goodText = chars(["a", "b", "/", ".", " ", "é"], 6, 1);
const text = mostly(goodText, fc.oneof(junk, chars(["a", "\0", " "], 3)));
// Expansion: ${NAME}, $${ escapes, $ runs, ${A:-x} and unclosed ${.
const expandable = mostly(
  fc.oneof(goodText, fc.constantFrom("", "${HOME}", "$${x", "$$", "a$b", "$$${X}/y", "$")),
  fc.oneof(junk, chars(["$", "{", "}", "A", "_", "1", ":", "-", "a", "\0"], 7)),
);
const list = <T>(item: fc.Arbitrary<T>) => mostly(fc.array(item, { maxLength: 3 }));
const bool = mostly(fc.boolean());
const count = (min: number) =>
  mostly(
    fc.integer({ min, max: 8 }),
    fc.oneof(junk, fc.constantFrom(min - 1, 2 ** 53, 2 ** 53 - 1, 2.5, 1e300)),
  );
const envName = mostly(
  fc.constantFrom("HOME", "A_1", "_x", "PATH"),
  chars(["A", "a", "_", "1", "-", ".", " "], 4),
);
const environment = mostly(
  fc.dictionary(
    envName as fc.Arbitrary<string>,
    mostly(fc.oneof(expandable, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))),
    { maxKeys: 3 },
  ),
);
// Walltimes: the forms each reader takes, zeros, and strings of their pieces.
const walltimeText = fc.oneof(
  fc.constantFrom(
    "01:30:00",
    "1:30",
    "90",
    "90m",
    "2h",
    "45s",
    "1.5h",
    "1-00:00:00",
    " 7230.0 s ",
    "1e-05 s",
    "5. s",
    "0",
    "00:00:00",
    "0.0 s",
    "0e5 s",
    "1-00",
    "1e5 h",
    "0-00:00:01.5",
    "5.s",
    "05.50 s",
    ".5 s",
    "1E+2 s",
    "1:",
    "1::2",
    "00:01",
    "0-0:0:0.0001",
  ),
  chars(["0", "1", "9", ".", ":", "-", " ", "h", "m", "s", "e", "+"], 9),
);
const validWalltime = fc.constantFrom("01:30:00", "1:30", "90", "90m", "2h", "1.5h", "1-00:00:00");
const duration = (ours: boolean) =>
  fc.oneof(
    {
      arbitrary: ours ? fc.oneof(validWalltime, fc.constantFrom(1, 90061.25)) : validWalltime,
      weight: 6,
    },
    { arbitrary: walltimeText, weight: 3 },
    { arbitrary: ours ? fc.constantFrom(0, -1, 1e-9, 0.5) : fc.constantFrom(600, 1), weight: 1 },
    { arbitrary: junk, weight: 1 },
  );
const customKey = mostly(
  fc.constantFrom("pbs.l", "slurm.qos", "pbs.r", "a-b_c.x.y"),
  chars(["a", "A", "1", ".", "_", "-", " "], 5),
);
const custom = mostly(
  fc.dictionary(
    customKey as fc.Arbitrary<string>,
    mostly(fc.oneof(fc.string(), fc.integer(), fc.boolean())),
    {
      maxKeys: 2,
    },
  ),
);
const mode = mostly(fc.constantFrom("COPY", "LINK", "MOVE"), fc.oneof(junk, fc.constant("copy")));
const flagName = mostly(
  fc.constantFrom("NONE", "IF_PRESENT", "ON_SUCCESS", "ON_ERROR", "ON_CANCEL", "ALWAYS"),
  fc.oneof(junk, fc.constant("SOMETIMES")),
);
const flags = list(flagName);
// Job arrays: good ranges, edges (last = first, step or limit 0, too many) and near-misses.
const arrayRange = mostly(
  fc.oneof(
    fc.constantFrom("1-100:2%10", "0-1", "1-100", "5-9%1", "1-100000", "0-99999"),
    fc.tuple(
      fc.integer({ min: 0, max: 12 }),
      fc.integer({ min: 0, max: 12 }),
      fc.option(fc.integer({ min: 0, max: 3 })),
      fc.option(fc.integer({ min: 0, max: 3 })),
    ).map(([a, b, st, l]) => `${a}-${b}${st === null ? "" : `:${st}`}${l === null ? "" : `%${l}`}`),
  ),
  fc.oneof(
    junk,
    fc.constantFrom("0-100000", "1-200000:2", "5", "1-", "-1-3", "1-3%", "1-3:", " 1-3", "1–3"),
    chars(["1", "0", "-", ":", "%", "9"], 7),
  ),
);
const stage = (out: boolean) =>
  mostly(
    fc.tuple(
      fc.record({ source: text, target: text, mode, ...(out ? { flags } : {}) }, {
        requiredKeys: ["source", "target"],
      }),
      // a stage-in entry has no flags
      fc.oneof(
        { arbitrary: fc.constant({}), weight: 30 },
        {
          arbitrary: fc.constantFrom({ colour: "red" }, { Source: "a" }, { flags: ["ALWAYS"] }),
          weight: 3,
        },
      ),
    ).map(([st, x]) => ({ ...st, ...x })),
  );
// Now and then a key neither form knows, or the other form's spelling.
const maybeExtra = (keys: string[]) =>
  fc.oneof(
    { arbitrary: fc.constant({}), weight: 30 },
    { arbitrary: fc.constantFrom(...keys).map((k) => ({ [k]: "x" })), weight: 1 },
  );

function document(ours: boolean) {
  const k = (camel: string) => ours ? camel : camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  // Counts mostly agree (n × q = p), so that the other fields are tried too.
  const counts = fc.oneof(
    {
      arbitrary: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain((
        [n, q],
      ) =>
        fc.record({
          [k("nodeCount")]: fc.constant(n),
          [k("processCount")]: fc.constant(n * q),
          [k("processesPerNode")]: fc.constant(q),
        }, { requiredKeys: [] })
      ),
      weight: 4,
    },
    {
      arbitrary: fc.record({
        [k("nodeCount")]: count(1),
        [k("processCount")]: count(1),
        [k("processesPerNode")]: count(1),
      }, { requiredKeys: [] }),
      weight: 1,
    },
  );
  const resources = mostly(
    fc.tuple(
      counts,
      fc.record({
        [k("cpuCoresPerProcess")]: count(1),
        [k("gpuCoresPerProcess")]: count(0),
        [k("exclusiveNodeUse")]: bool,
        [k("memory")]: count(1),
        ...(ours ? {} : { __version: mostly(fc.constant(1), fc.constantFrom(2, null, "1")) }),
      }, { requiredKeys: ours ? [] : ["__version"] }),
      maybeExtra(["colour", ours ? "node_count" : "nodeCount"]),
    ).map(([c, r, x]) => ({ ...c, ...r, ...x })),
  );
  const attributes = mostly(
    fc.tuple(
      fc.record({
        duration: duration(ours),
        [k("queueName")]: text,
        account: mostly(fc.constant("p"), text),
        [k("reservationId")]: text,
        [k("customAttributes")]: custom,
        ...(ours ? {} : { project_name: mostly(fc.constant("p"), text) }),
      }, { requiredKeys: [] }),
      maybeExtra(["colour", ours ? "project_name" : "queueName"]),
    ).map(([r, x]) => ({ ...r, ...x })),
  );
  const dependency = mostly(
    fc.tuple(
      fc.record({
        job: text,
        when: mostly(fc.constantFrom("ok", "notok", "any"), fc.oneof(junk, fc.constant("afterok"))),
      }, { requiredKeys: [] }),
      maybeExtra(["colour", "type"]),
    ).map(([r, x]) => ({ ...r, ...x })),
  );
  return fc.tuple(
    fc.record({
      executable: text,
      arguments: list(expandable),
      directory: text,
      name: text,
      [k("inheritEnvironment")]: bool,
      environment,
      [k("stdinPath")]: text,
      [k("stdoutPath")]: text,
      [k("stderrPath")]: text,
      resources,
      attributes,
      [k("preLaunch")]: text,
      [k("postLaunch")]: text,
      launcher: text,
      [k("stageIn")]: list(stage(false)),
      [k("stageOut")]: list(stage(true)),
      cleanup: list(text),
      [k("cleanupFlags")]: flags,
      array: arrayRange,
      [k("dependsOn")]: list(dependency),
      hold: bool,
    }, { requiredKeys: [] }),
    ours
      ? fc.oneof(
        { arbitrary: fc.constant({ version: 1 }), weight: 40 },
        { arbitrary: fc.constant({}), weight: 1 },
        { arbitrary: fc.constantFrom(2, null, "1").map((v) => ({ version: v })), weight: 1 },
      )
      : fc.oneof(
        { arbitrary: fc.constant({}), weight: 40 },
        { arbitrary: fc.constant({ version: 1 }), weight: 1 },
      ),
    maybeExtra(["colour", ours ? "stdout_path" : "stdoutPath"]),
  ).map(([fields, version, extra]) => ({ ...version, ...fields, ...extra }));
}

describe("the OpenAPI JobSpec schemas", () => {
  it("are real schemas, not {type: object}, in both forms, and the submit body uses them", () => {
    assert.ok(SCHEMAS.JobSpec.properties.resources, "JobSpec lists its fields");
    assert.ok(SCHEMAS.PsijJobSpec.properties.stdout_path, "PsijJobSpec lists its fields");
    const body = DOC.paths["/v1/jobs"].post.requestBody.content["application/json"].schema;
    assert.equal(body.$ref, "#/components/schemas/SubmitBody");
    // A job's spec is a JobSpec, or null where the stored one is damaged (see `damaged`).
    assert.deepEqual(DOC.components.schemas.Job.allOf[1].properties.spec.oneOf, [
      { $ref: "#/components/schemas/JobSpec" },
      { type: "null" },
    ]);
  });

  it("accept and refuse what the reader does: documents from the docs and known edges", () => {
    const accepted = [
      { version: 1 },
      {
        version: 1,
        executable: "/bin/echo",
        arguments: ["-n", "", "${HOME}", "$${x}"],
        directory: "~/jobs",
        inheritEnvironment: false,
        environment: { TEST_INT: 1, PATH: "/opt/bin:${PATH}" },
        resources: { nodeCount: 2, processesPerNode: 4, processCount: 8, gpuCoresPerProcess: 0 },
        attributes: {
          duration: 90061.25,
          queueName: "workq",
          customAttributes: { "pbs.l": "place=scatter", "pbs.r": true },
        },
        stageIn: [{ source: "file:///data/in.txt", target: "in.txt", mode: "LINK" }],
        stageOut: [{ source: "out.txt", target: "/d/out", flags: ["IF_PRESENT", "ON_SUCCESS"] }],
        cleanup: ["in.txt"],
        cleanupFlags: ["ON_SUCCESS"],
      },
      { version: 1, executable: null, attributes: { duration: "1-00:00:00" } },
      {
        executable: "/bin/date",
        inherit_environment: false,
        resources: { __version: 1, node_count: 2, processes_per_node: 4 },
        attributes: { duration: "7230.0 s", account: "p", project_name: "p" },
      },
      { executable: "/bin/date", stdout_path: null, resources: null },
      {},
    ];
    const refused = [
      { version: 2 },
      { version: null },
      { version: 1, executable: "" },
      { version: 1, arguments: ["${A:-x}"] },
      { version: 1, arguments: [null] },
      { version: 1, environment: { "1X": "a" } },
      { version: 1, resources: { nodeCount: 2, processesPerNode: 4, processCount: 9 } },
      { version: 1, resources: { nodeCount: 2, processCount: 3 } },
      { version: 1, attributes: { duration: 0 } },
      { version: 1, attributes: { duration: "00:00:00" } },
      { version: 1, attributes: { customAttributes: { pbsl: "x" } } },
      { version: 1, stageOut: [{ source: "a", target: null }] },
      { version: 1, stdout_path: "x" },
      { stdoutPath: "x" },
      { resources: { node_count: 1 } },
      { resources: { __version: 1 }, attributes: { duration: 600 } },
      { attributes: { account: "a", project_name: "b" } },
    ];
    for (const doc of accepted) {
      const { ours, psij } = agree(doc);
      assert.ok(ours || psij, JSON.stringify(doc));
    }
    for (const doc of refused) {
      const { ours, psij } = agree(doc);
      assert.ok(!ours && !psij, JSON.stringify(doc));
    }
  });

  it("refuse exactly the documents the reader refuses (fast-check, both forms)", () => {
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(fc.oneof(document(true), document(false)), (doc) => {
        const { ours, psij } = agree(doc);
        if (ours || psij) seen.accepted++;
        else seen.refused++;
      }),
      { numRuns: RUNS * 5 },
    );
    if (process.env.PROPERTY_REPORT) console.log("jobspec schema:", seen);
    // Both verdicts are exercised, or the property says little.
    assert.ok(seen.accepted >= RUNS / 10, JSON.stringify(seen));
    assert.ok(seen.refused >= RUNS / 10, JSON.stringify(seen));
  });

  it("agree on every string in the fields with a syntax: walltimes, expansions, names, keys", () => {
    const strings = (alphabet: string[]) =>
      fc.oneof(chars(alphabet, 10), walltimeText, fc.string({ maxLength: 6 }));
    const WALL = ["0", "1", "5", "9", ".", ":", "-", " ", "\t", "h", "m", "s", "e", "E", "+"];
    const EXP = ["$", "{", "}", "A", "_", "1", ":", "-", "a", "\0"];
    const NAME = ["A", "a", "_", "1", "-", ".", " ", "é"];
    fc.assert(
      fc.property(strings([...WALL, ...EXP, ...NAME]), (v) => {
        agree({ version: 1, attributes: { duration: v } });
        agree({ attributes: { duration: v } });
        agree({ version: 1, arguments: [v], environment: { X: v } });
        agree({ version: 1, environment: { [v]: "x" } });
        agree({ version: 1, attributes: { customAttributes: { [v]: 1 } } });
        agree({ version: 1, executable: v, stageIn: [{ source: v, target: "t" }] });
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it("accept every document the writers produce", () => {
    fc.assert(
      fc.property(fc.oneof(document(true), document(false)), (doc) => {
        let spec;
        try {
          spec = parseJobSpecDocument(doc);
        } catch {
          return;
        }
        assert.equal(schemaError(SCHEMAS.JobSpec, jobSpecToJson(spec), DOC), undefined);
        assert.equal(schemaError(SCHEMAS.PsijJobSpec, jobSpecToPsijJson(spec), DOC), undefined);
      }),
      { numRuns: RUNS },
    );
  });

  it("the submit body also needs an executable, as POST /v1/jobs does", () => {
    for (
      const doc of [
        { version: 1 },
        { version: 1, executable: null },
        { version: 1, executable: "/bin/true" },
        { executable: "/bin/true" },
        {},
      ]
    ) {
      assert.equal(check("SubmitBody", doc), reads(parseSpecDocument, doc), JSON.stringify(doc));
    }
  });
});
