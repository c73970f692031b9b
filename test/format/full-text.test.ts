/**
 * `qstat -f` text: prt_attr's wrapping (counter from len(name[.resc]) + 7,
 * pieces split on commas, char-by-char wrap past column 78) and `-w`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatAttrLine, formatFull, type StatAttr } from "../../simulator/format/index.ts";

const line = (a: StatAttr, wide = false) => formatAttrLine(a, wide);
const c = (value: string) => line({ name: "comment", value });
const a = (n: number) => "a".repeat(n);

describe("formatFull wrapping", () => {
  it("prints a short value on one line", () => {
    assert.equal(c("abc"), "    comment = abc");
  });
  it("prints a value that ends at column 77 whole", () => {
    assert.equal(c(a(63)), `    comment = ${a(63)}`);
  });
  it("prints a first piece of 64 characters char by char without a wrap", () => {
    assert.equal(c(a(64)), `    comment = ${a(64)}`);
  });
  it("wraps after the character that passes column 78, even at the very end", () => {
    assert.equal(c(a(65)), `    comment = ${a(65)}\n\t`);
  });
  it("breaks a long first piece and continues after a tab", () => {
    assert.equal(c(a(80)), `    comment = ${a(65)}\n\t${a(15)}`);
  });
  it("moves a later piece that does not fit to a new line", () => {
    assert.equal(
      c(`${a(10)},${"y".repeat(70)}`),
      `    comment = ${a(10)},\n\t${"y".repeat(70)}\n\t`,
    );
  });
  it("drops empty comma pieces", () => {
    assert.equal(c(",a,,b,"), "    comment = a,b");
  });
  it("prints an empty value as nothing after ' = '", () => {
    assert.equal(c(""), "    comment = ");
  });
  it("counts the resource name", () => {
    // start = len("Resource_List") + 7 + len("select") + 1 = 27; 51 + 27 = 78 does not fit.
    const r = (v: string) => line({ name: "Resource_List", resource: "select", value: v });
    assert.equal(r(a(50)), `    Resource_List.select = ${a(50)}`);
    assert.equal(r(a(53)), `    Resource_List.select = ${a(52)}\n\ta`);
  });
  it("shows control characters as ^X but counts them once", () => {
    assert.equal(c("a\x01b\nc\td"), "    comment = a^Ab\nc\td");
  });
  it("wraps executable in <jsdl-hpcpa:Executable>", () => {
    assert.equal(
      line({ name: "executable", value: "/bin/true" }),
      "    executable = <jsdl-hpcpa:Executable>/bin/true</jsdl-hpcpa:Executable>",
    );
  });
});

describe("formatFull -w", () => {
  it("prints one line per attribute with newline and form feed as \\n and \\f", () => {
    assert.equal(
      line({ name: "comment", value: `${a(90)}\nx\fy` }, true),
      `    comment = ${a(90)}\\nx\\fy`,
    );
  });
  it("shows other control characters as ^X only for attributes without a resource", () => {
    assert.equal(line({ name: "comment", value: "a\x01" }, true), "    comment = a^A");
    assert.equal(
      line({ name: "Resource_List", resource: "x", value: "a\x01" }, true),
      "    Resource_List.x = a\x01",
    );
  });
});

describe("formatFull job blocks", () => {
  it("orders attributes as the server does and ends each job with a blank line", () => {
    const out = formatFull([
      {
        id: "7.vm",
        attrs: [
          { name: "substate", value: "10" },
          { name: "Resource_List", resource: "Select", value: "1" },
          { name: "Job_Name", value: "n" },
          { name: "Resource_List", resource: "ncpus", value: "1" },
          { name: "job_state", value: "Q" },
        ],
      },
      { id: "8.vm", attrs: [] },
    ]);
    assert.equal(
      out,
      "Job Id: 7.vm\n    Job_Name = n\n    job_state = Q\n    Resource_List.ncpus = 1\n" +
        "    Resource_List.Select = 1\n    substate = 10\n\nJob Id: 8.vm\n\n\n",
    );
  });
});
