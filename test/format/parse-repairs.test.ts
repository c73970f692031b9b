/**
 * parseQstatJson on output no JSON parser accepts: every quirk the released
 * encoder produces, pre-v22 output, truncation, missing ids, compact JSON.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseQstatFull, parseQstatJson } from "../../src/executors/pbs/parse/index.ts";
import {
  formatFull,
  formatJsonCjson,
  formatJsonV23,
  type StatJob,
} from "../../simulator/format/index.ts";

const H = { timestamp: 1, pbsVersion: "23.06.06", pbsServer: "vm" };
const job = (id: string, extra: StatJob["attrs"] = []): StatJob => ({
  id,
  attrs: [
    { name: "Job_Name", value: "n" },
    { name: "job_state", value: "F" },
    { name: "substate", value: "93" },
    { name: "Exit_status", value: "3" },
    ...extra,
  ],
});
const commentBack = (value: string) => {
  const out = formatJsonV23(H, [job("1.vm", [{ name: "comment", value }])]);
  const r = parseQstatJson(out);
  assert.deepEqual(r.problems, []);
  return r.jobs.get("1.vm")?.comment;
};

describe("parseQstatJson reads back the released encoder's quirks", () => {
  const exact = [
    "inf",
    "nan",
    "-inf",
    ".5",
    "1.",
    "+5",
    "00",
    "-05",
    "0x0",
    "5 ",
    " 5",
    "007",
    "",
    '"a',
    'a"b',
    'a\\\\"b',
    "C:\\dir",
    "ab\\",
    "\\u00e9",
    "a\tb\nc\rd\fe",
    "a\\\nb",
    "x,y",
    "café",
  ];
  for (const value of exact) {
    it(`recovers ${JSON.stringify(value)} exactly`, () => assert.equal(commentBack(value), value));
  }
  const degraded: [string, string, string][] = [
    ["a literal backslash-b reads as a backspace", "a\\bc", "a\bc"],
    ["\\' loses its backslash", "it\\'s", "it's"],
    ["\\, loses its backslash", "a\\,b", "a,b"],
    ['\\" loses its backslash', 'a\\"b', 'a"b'],
    ["control characters come back as ^X", "a\x01b", "a^Ab"],
  ];
  for (const [what, value, back] of degraded) {
    it(what, () => assert.equal(commentBack(value), back));
  }
  it("reads a numeric Job_Name as a string", () => {
    const out = formatJsonV23(H, [{ id: "1.vm", attrs: [{ name: "Job_Name", value: "123" }] }]);
    assert.ok(out.includes('"Job_Name":123,') || out.includes('"Job_Name":123\n'));
    assert.equal(parseQstatJson(out).jobs.get("1.vm")?.name, "123");
  });
  it("keeps invalid number tokens as raw text in attrs", () => {
    const out = formatJsonV23(H, [job("1.vm", [{ name: "Priority", value: "00" }])]);
    assert.equal(parseQstatJson(out).jobs.get("1.vm")?.attrs.Priority, "00");
  });
  it("reads the Variable_List splitter bug as printed (A=,B=1 gives A=',B=1', no B)", () => {
    const out = formatJsonV23(H, [job("1.vm", [{ name: "Variable_List", value: "A=,B=1" }])]);
    assert.deepEqual(parseQstatJson(out).jobs.get("1.vm")?.variables, { A: ",B=1" });
  });
});

describe("parseQstatJson on damaged documents", () => {
  const wrap = (lines: string) =>
    `{\n    "timestamp":1,\n    "pbs_version":"20.0.1",\n    "pbs_server":"vm",\n    "Jobs":{\n` +
    `        "5.vm":{\n${lines}\n        }\n    }\n}\n`;
  it("reads pre-v22 output: empty values, unescaped quotes, leading zeros", () => {
    const r = parseQstatJson(wrap([
      '            "Job_Name":"a "b" c",',
      '            "job_state":"F",',
      '            "comment":,',
      '            "Priority":005,',
      '            "Exit_status":0',
    ].join("\n")));
    const j = r.jobs.get("5.vm")!;
    assert.equal(j.name, 'a "b" c');
    assert.equal(j.comment, "");
    assert.equal(j.attrs.Priority, "005");
    assert.equal(j.exitStatus, 0);
  });
  it("leaves a non-integer Exit_status undefined but keeps the job", () => {
    const j = parseQstatJson(wrap('            "job_state":"F",\n            "Exit_status":inf'))
      .jobs.get("5.vm")!;
    assert.equal(j.state, "F");
    assert.equal(j.exitStatus, undefined);
  });
  it("drops only the job cut off by truncation", () => {
    const full = formatJsonV23(H, [job("1.vm"), job("2.vm")]);
    const r = parseQstatJson(full.slice(0, full.indexOf('"Exit_status":3', full.indexOf("2.vm"))));
    assert.deepEqual([...r.jobs.keys()], ["1.vm"]);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0], /2\.vm/);
  });
  it("returns fewer jobs when ids are missing from Jobs", () => {
    const r = parseQstatJson(formatJsonCjson(H, [job("1.vm")]));
    assert.equal(r.jobs.size, 1);
    assert.equal(r.jobs.get("2.vm"), undefined);
  });
  it("reads compact one-line JSON", () => {
    const r = parseQstatJson('{"timestamp":1,"Jobs":{"9.s":{"job_state":"Q","substate":10}}}');
    assert.equal(r.jobs.get("9.s")?.substate, 10);
  });
  it("reads output whose lines end in CRLF (through a pseudo-terminal)", () => {
    const out = formatJsonV23(H, [job("1.vm", [{ name: "comment", value: "x" }])]);
    const j = parseQstatJson(out.replace(/\n/g, "\r\n")).jobs.get("1.vm")!;
    assert.equal(j.comment, "x");
    assert.equal(j.exitStatus, 3);
    const t = parseQstatFull(formatFull([job("2.vm")]).replace(/\n/g, "\r\n")).jobs.get("2.vm")!;
    assert.equal(t.exitStatus, 3);
  });
  it("reads a cJSON array of objects spread over several lines", () => {
    const out = formatJsonCjson(H, [job("1.vm", [{ name: "comment", value: '[{"a":1},2]' }])]);
    const r = parseQstatJson(out);
    assert.deepEqual(r.problems, []);
    const j = r.jobs.get("1.vm")!;
    assert.deepEqual(JSON.parse(j.comment!), [{ a: 1 }, 2]);
    assert.equal(j.exitStatus, 3);
  });
  it("reports garbage without throwing", () => {
    const r = parseQstatJson("qstat: cannot connect to server vm (errno=15010)\n");
    assert.equal(r.jobs.size, 0);
    assert.ok(r.problems.length > 0);
  });
  it("reads the cJSON encoder's output", () => {
    const out = formatJsonCjson(H, [
      job("1.vm", [{ name: "Job_Name", value: "123" }, { name: "comment", value: 'a"\\' }]),
    ]);
    const j = parseQstatJson(out).jobs.get("1.vm")!;
    assert.equal(j.name, "123");
    assert.equal(j.comment, 'a"\\');
    assert.equal(j.substate, 93);
  });
});

describe("parseQstatFull edge cases", () => {
  it("drops a job block that is not ended by a blank line", () => {
    const text = formatFull([job("1.vm"), job("2.vm")]);
    const r = parseQstatFull(text.slice(0, -1));
    assert.deepEqual([...r.jobs.keys()], ["1.vm"]);
    assert.match(r.problems[0], /2\.vm/);
  });
  it("reads -w output (one line per attribute)", () => {
    const long = "x".repeat(100);
    const r = parseQstatFull(
      formatFull([job("1.vm", [{ name: "comment", value: long }])], { wide: true }),
    );
    assert.equal(r.jobs.get("1.vm")?.comment, long);
  });
  it("unescapes \\, in Variable_List values", () => {
    const r = parseQstatFull(
      formatFull([job("1.vm", [{ name: "Variable_List", value: "A=x\\,y,B=" }])]),
    );
    assert.deepEqual(r.jobs.get("1.vm")?.variables, { A: "x,y", B: "" });
  });
});
