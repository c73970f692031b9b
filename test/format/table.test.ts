/**
 * The default qstat table: column formats and every truncation rule, normal and -w.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatTableHeader, formatTableRow, type StatJob } from "../../simulator/format/index.ts";

function job(id: string, name: string, owner: string, state: string, queue: string, cput?: string) {
  const attrs: StatJob["attrs"] = [
    { name: "Job_Name", value: name },
    { name: "Job_Owner", value: owner },
    { name: "job_state", value: state },
    { name: "queue", value: queue },
  ];
  if (cput) attrs.push({ name: "resources_used", resource: "cput", value: cput });
  return { id, attrs };
}

describe("formatTableHeader", () => {
  it("prints the normal header", () => {
    assert.equal(
      formatTableHeader(),
      "Job id            Name             User              Time Use S Queue\n" +
        "----------------  ---------------- ----------------  -------- - -----\n",
    );
  });
  it("prints the -w header", () => {
    assert.equal(
      formatTableHeader({ wide: true }),
      "Job id                         Name            User             Time Use S Queue\n" +
        "-----------------------------  --------------- ---------------  -------- - ---------------\n",
    );
  });
});

describe("formatTableRow", () => {
  it("pads every column (queue included) and prints 0 when no cput was used", () => {
    assert.equal(
      formatTableRow(job("12.vm", "running", "alice@vm", "R", "workq")),
      "12.vm             running          alice                    0 R workq           \n",
    );
  });
  it("cuts the id after its second dot", () => {
    assert.match(formatTableRow(job("1234.srv.dom.org", "n", "u@h", "Q", "q")), /^1234\.srv /);
  });
  it("keeps 16 characters and a * of an id longer than 17", () => {
    const row = formatTableRow(job("123456789012345678.srv", "n", "u@h", "Q", "q"));
    assert.ok(row.startsWith("1234567890123456* n "));
  });
  it("keeps an id of exactly 17 characters", () => {
    assert.ok(
      formatTableRow(job("12345678901234.sv", "n", "u", "Q", "q")).startsWith(
        "12345678901234.sv n ",
      ),
    );
  });
  it("cuts a name of 16 characters or more to 15 and a *", () => {
    assert.match(
      formatTableRow(job("1.s", "abcdefghijklmnop", "u", "Q", "q")),
      / abcdefghijklmno\* /,
    );
    assert.match(
      formatTableRow(job("1.s", "abcdefghijklmno", "u", "Q", "q")),
      / abcdefghijklmno {2}/,
    );
  });
  it("cuts an owner longer than 16 to 15 and a *, after dropping @host", () => {
    assert.match(
      formatTableRow(job("1.s", "n", "abcdefghijklmnopq@h", "Q", "q")),
      / abcdefghijklmno\* {2}/,
    );
    assert.match(
      formatTableRow(job("1.s", "n", "abcdefghijklmnop@h", "Q", "q")),
      / abcdefghijklmnop {2}/,
    );
  });
  it("cuts a time longer than 8 to 7 and a *", () => {
    assert.match(formatTableRow(job("1.s", "n", "u", "R", "q", "123:45:67")), / {2}123:45:\* R /);
    assert.match(formatTableRow(job("1.s", "n", "u", "R", "q", "12:34:56")), / {2}12:34:56 R /);
  });
  it("cuts a queue longer than 16 after dropping @server", () => {
    assert.match(
      formatTableRow(job("1.s", "n", "u", "Q", "abcdefghijklmnopq@s")),
      / abcdefghijklmno\*\n$/,
    );
  });
  it("widens the id column to 22 when sequence numbers exceed 9999999", () => {
    assert.equal(
      formatTableHeader({ incrWidth: true }),
      "Job id                 Name             User              Time Use S Queue\n" +
        "---------------------  ---------------- ----------------  -------- - -----\n",
    );
    const row = formatTableRow(job("123456789012.server", "n", "u", "Q", "q"), { incrWidth: true });
    assert.ok(row.startsWith("123456789012.server    n "));
    const long = formatTableRow(job("1234567890123.longserver", "n", "u", "Q", "q"), {
      incrWidth: true,
    });
    assert.ok(long.startsWith("1234567890123.longser* n "));
  });
  it("uses the -w widths and limits", () => {
    const id = "1234567890123456789012345678901.s"; // one dot, 33 characters
    assert.equal(
      formatTableRow(
        job(id, "abcdefghijklmno", "abcdefghijklmnop@h", "R", "abcdefghijklmnop", "1:00:00"),
        {
          wide: true,
        },
      ),
      "12345678901234567890123456789* abcdefghijklmn* abcdefghijklmn*   1:00:00 R abcdefghijklmn*\n",
    );
  });
});
