/**
 * `qstat -f -F dsv`: delimiter-joined fields with escape_delimiter's escaping.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { escapeDelimiter, formatDsv } from "../../simulator/format/index.ts";

describe("formatDsv", () => {
  it("prints one line per job in server order, escaping delimiters and backslashes", () => {
    const out = formatDsv([
      {
        id: "1.vm",
        attrs: [
          { name: "comment", value: "x\\y p\\,q\nz\x01" },
          { name: "Variable_List", value: "A=1,B=2" },
          { name: "Resource_List", resource: "ncpus", value: "1" },
          { name: "Job_Name", value: "a|b" },
        ],
      },
      { id: "2.vm", attrs: [] },
    ]);
    assert.equal(
      out,
      "Job Id: 1.vm|Job_Name=a\\|b|Resource_List.ncpus=1|Variable_List=A=1,B=2|" +
        "comment=x\\\\y p\\,q\\nz^A\nJob Id: 2.vm|\n",
    );
  });
  it("uses a multi-character delimiter", () => {
    const out = formatDsv([{ id: "1.vm", attrs: [{ name: "comment", value: "a::b" }] }], {
      delimiter: "::",
    });
    assert.equal(out, "Job Id: 1.vm::comment=a\\::b\n");
  });
  it("doubles a trailing backslash and leaves \\' \\\" \\, alone", () => {
    assert.equal(escapeDelimiter("a\\", "|"), "a\\\\");
    assert.equal(escapeDelimiter("\\'\\\"\\,", "|"), "\\'\\\"\\,");
  });
});
