/**
 * Round trips for arbitrary jobs: each formatter's output, read by our
 * parser, gives back state, substate, Exit_status, name, comment and
 * Variable_List (the documented degraded value where the encoder loses
 * information, see degrade.ts). And the parsers never throw.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  formatFull,
  formatJsonCjson,
  formatJsonV23,
  splitVarListFixed,
  splitVarListV23,
  type StatJob,
} from "../../simulator/format/index.ts";
import {
  parseQstatFull,
  parseQstatJson,
  type ParseResult,
  splitVariableList,
} from "../../src/executors/pbs/parse/index.ts";
import { cjsonExpected, textExpected, v23Expected } from "./degrade.ts";
import { cjsonParse, cjsonPrint } from "../../simulator/format/cjson-value.ts";

const RUNS = Number(process.env.PROPERTY_RUNS) || 200;
const H = { timestamp: 1795600548, pbsVersion: "23.06.06", pbsServer: "vm" };

const unit = fc.constantFrom(
  ..."aZ015.-+exinf \t\n\r\b\x01\x1b\"\\',=:{}[]é✓".split(""),
);
const tricky = fc.constantFrom(
  "007",
  "inf",
  "nan",
  "1.",
  ".5",
  "+5",
  "00",
  "-05",
  "123",
  "",
  "True",
  "0x10",
  "1e5",
  " 5",
  "5 ",
  "{}",
  "[1,2]",
  '"q"',
  "null",
  "true",
  "A=,B=1",
  "C:\\dir",
  "a\\bc",
  '[{"a":1},2]',
  '{"a":[1]}',
);
// A backslash before a raw newline is the one way pbs_json.c puts a newline inside a
// string; what follows could then look like a JSON entry line, so keep it out of the
// round trip (parse-repairs.test.ts covers it alone).
const value = fc.oneof(fc.string({ unit, maxLength: 16 }), tricky).map((s) =>
  s.replace(/\\\n/g, "\\ \n")
);
const varName = fc.stringMatching(/^[A-Z_]{1,4}$/);

interface Gen {
  state: string;
  substate: number;
  exit?: number;
  name: string;
  comment?: string;
  vars: [string, string][];
  extra: string;
}
const genJob: fc.Arbitrary<Gen> = fc.record({
  state: fc.constantFrom(..."QRHFEXBWTSUM".split("")),
  substate: fc.integer({ min: 0, max: 99 }),
  exit: fc.option(fc.integer({ min: -30, max: 300 }), { nil: undefined }),
  name: value,
  comment: fc.option(value, { nil: undefined }),
  // A value starting with a comma makes the released splitter print the rest as a
  // new, unescaped NAME (docs/pbs-formats.md); names with quotes or newlines are
  // unreadable, so such values stay out of the round trip.
  vars: fc.array(fc.tuple(varName, value.map((s) => (s.startsWith(",") ? "x" + s : s))), {
    maxLength: 4,
  }),
  extra: value,
});

function toStatJobs(gens: Gen[], noNewlines = false): StatJob[] {
  const v = (s: string) => (noNewlines ? s.replace(/\n/g, " ") : s);
  return gens.map((g, i) => ({
    id: `${i + 1}.vm`,
    attrs: [
      { name: "Submit_arguments", value: v(g.extra) },
      { name: "Job_Name", value: v(g.name) },
      { name: "job_state", value: g.state },
      { name: "substate", value: String(g.substate) },
      ...(g.exit === undefined ? [] : [{ name: "Exit_status", value: String(g.exit) }]),
      ...(g.comment === undefined ? [] : [{ name: "comment", value: v(g.comment) }]),
      ...(g.vars.length === 0 ? [] : [{
        name: "Variable_List",
        value: g.vars.map(([k, x]) => `${k}=${v(x).replace(/,/g, "\\,")}`).join(","),
      }]),
      { name: "Account_Name", value: v(g.extra) },
    ],
  }));
}

type Expect = (s: string) => string | undefined;

function check(jobs: StatJob[], r: ParseResult, expect: Expect, vars: (raw: string) => object) {
  assert.deepEqual(r.problems, []);
  assert.equal(r.jobs.size, jobs.length);
  for (const j of jobs) {
    const rec = r.jobs.get(j.id);
    assert.ok(rec, `job ${j.id} missing`);
    const attr = (n: string) => j.attrs.find((a) => a.name === n)?.value;
    assert.equal(rec.state, attr("job_state"));
    assert.equal(rec.substate, Number(attr("substate")));
    const exit = attr("Exit_status");
    assert.equal(rec.exitStatus, exit === undefined ? undefined : Number(exit));
    assert.equal(rec.name, expect(attr("Job_Name")!));
    const comment = attr("comment");
    assert.equal(rec.comment, comment === undefined ? undefined : expect(comment));
    const vl = attr("Variable_List");
    assert.deepEqual(rec.variables, vl === undefined ? {} : vars(vl));
  }
}

const fromPairs = (pairs: [string, string | null][], expect: Expect) => {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of pairs) if (v !== null) out[k] = expect(v);
  return out;
};

describe("format -> parse round trips", () => {
  it("formatJsonV23 -> parseQstatJson", () => {
    fc.assert(
      fc.property(fc.array(genJob, { minLength: 1, maxLength: 3 }), (gens) => {
        const jobs = toStatJobs(gens);
        check(
          jobs,
          parseQstatJson(formatJsonV23(H, jobs)),
          v23Expected,
          (vl) => fromPairs(splitVarListV23(vl), v23Expected),
        );
      }),
      { numRuns: RUNS },
    );
  });
  it("formatJsonCjson -> parseQstatJson", () => {
    fc.assert(
      fc.property(fc.array(genJob, { minLength: 1, maxLength: 3 }), (gens) => {
        const jobs = toStatJobs(gens);
        checkCjson(jobs, parseQstatJson(formatJsonCjson(H, jobs)));
      }),
      { numRuns: RUNS },
    );
  });
  it("formatFull -> parseQstatFull (values without newlines)", () => {
    fc.assert(
      fc.property(fc.array(genJob, { minLength: 1, maxLength: 3 }), (gens) => {
        const jobs = toStatJobs(gens, true);
        check(
          jobs,
          parseQstatFull(formatFull(jobs)),
          textExpected,
          (vl) =>
            Object.fromEntries(
              [...splitVariableList(textExpected(vl))].map((
                [k, v],
              ) => [k, v.kind === "str" ? v.v : ""]),
            ),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

/** cJSON: names are exact; comments and variables as cJSON itself reads the values. */
function checkCjson(jobs: StatJob[], r: ParseResult) {
  assert.deepEqual(r.problems, []);
  for (const j of jobs) {
    const rec = r.jobs.get(j.id)!;
    const attr = (n: string) => j.attrs.find((a) => a.name === n)?.value;
    assert.equal(rec.name, attr("Job_Name")); // always a string in these builds
    assert.equal(rec.state, attr("job_state"));
    assert.equal(rec.substate, Number(attr("substate")));
    const exit = attr("Exit_status");
    assert.equal(rec.exitStatus, exit === undefined ? undefined : Number(exit));
    const comment = attr("comment");
    assert.equal(rec.comment, comment === undefined ? undefined : cjsonExpected(comment));
    const vl = attr("Variable_List");
    const want: Record<string, string> = {};
    for (const [k, v] of vl === undefined ? [] : splitVarListFixed(vl)) {
      if (v === null) continue;
      // A value cJSON reads as an object comes back as that object's JSON text.
      const parsed = cjsonParse(v);
      want[k] = cjsonExpected(v, 4) ?? JSON.stringify(JSON.parse(cjsonPrint(parsed!, 0)));
    }
    assert.deepEqual(rec.variables, want);
  }
}

describe("the parsers never throw", () => {
  it("parseQstatJson and parseQstatFull on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'{}"\\:, \n\t4a.J'.split("")) }), (s) => {
        parseQstatJson(s);
        parseQstatFull(s);
      }),
      { numRuns: RUNS },
    );
    fc.assert(fc.property(fc.string(), (s) => void parseQstatJson(s)), { numRuns: RUNS });
  });
  it("on truncations of valid output, returning only jobs identical to the full parse", () => {
    fc.assert(
      fc.property(
        fc.array(genJob, { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.constantFrom("v23", "cjson", "text"),
        (gens, cut, kind) => {
          const jobs = toStatJobs(gens, kind === "text");
          const doc = kind === "v23"
            ? formatJsonV23(H, jobs)
            : kind === "cjson"
            ? formatJsonCjson(H, jobs)
            : formatFull(jobs);
          const parse = kind === "text" ? parseQstatFull : parseQstatJson;
          const full = parse(doc);
          const part = parse(doc.slice(0, cut % (doc.length + 1)));
          for (const [id, rec] of part.jobs) assert.deepEqual(rec, full.jobs.get(id));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
