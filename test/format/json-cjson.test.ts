/**
 * The cJSON encoder of OpenPBS master: tab layout, values typed by
 * cJSON_ParseWithOpts, Job_Name/project/Account_Name always strings.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatJsonCjson, type StatAttr } from "../../simulator/format/index.ts";

const H = { timestamp: 1795600548, pbsVersion: "23.06.06", pbsServer: "vm" };

function doc(lines: string[]): string {
  return '{\n\t"timestamp":\t1795600548,\n\t"pbs_version":\t"23.06.06",\n\t"pbs_server":\t"vm",\n' +
    '\t"Jobs":\t{\n\t\t"1.vm":\t{\n' +
    lines.map((l) => "\t\t\t" + l).join(",\n") + "\n\t\t}\n\t}\n}\n";
}
const one = (attrs: StatAttr[]) => formatJsonCjson(H, [{ id: "1.vm", attrs }]);
const comment = (value: string) => one([{ name: "comment", value }]);

describe("formatJsonCjson layout", () => {
  it("prints the header object with a final newline when there are no jobs", () => {
    assert.equal(
      formatJsonCjson(H, []),
      '{\n\t"timestamp":\t1795600548,\n\t"pbs_version":\t"23.06.06",\n\t"pbs_server":\t"vm"\n}\n',
    );
  });
  it("nests resource groups and Variable_List", () => {
    const out = one([
      { name: "Variable_List", value: "A=,B=1,FOO" },
      { name: "Resource_List", resource: "select", value: "1:ncpus=1" },
      { name: "Resource_List", resource: "ncpus", value: "1" },
    ]);
    assert.equal(
      out,
      doc([
        '"Resource_List":\t{\n\t\t\t\t"ncpus":\t1,\n\t\t\t\t"select":\t"1:ncpus=1"\n\t\t\t}',
        '"Variable_List":\t{\n\t\t\t\t"A":\t"",\n\t\t\t\t"B":\t1\n\t\t\t}',
      ]),
    );
  });
  it("prints an empty Variable_List as an empty object", () => {
    assert.equal(
      one([{ name: "Variable_List", value: "" }]),
      doc(['"Variable_List":\t{\n\t\t\t}']),
    );
  });
});

describe("formatJsonCjson typing by cJSON_ParseWithOpts", () => {
  const cases: [string, string][] = [
    ["007", "7"],
    ["-05", "-5"],
    ["00", "0"],
    ["1.", "1"],
    ["1.5", "1.5"],
    ["0.1", "0.1"],
    ["1e5", "100000"],
    ["1e20", "1e+20"],
    ["1e400", "null"],
    ["2147483648", "2147483648"],
    ["1.0000000000000002", "1"],
    ["  5  ", "5"],
    ["true", "true"],
    ["false", "false"],
    ["null", "null"],
    ["[1,2]", "[1, 2]"],
    ['"quoted"', '"quoted"'],
    ['{"a":1}', '{\n\t\t\t\t"a":\t1\n\t\t\t}'],
    ["+5", '"+5"'],
    [".5", '".5"'],
    ["inf", '"inf"'],
    ["nan", '"nan"'],
    ["5x", '"5x"'],
    ["-", '"-"'],
    ["", '""'],
    ['"unterminated', '"\\"unterminated"'],
    ['"a\\qb"', '"\\"a\\\\qb\\""'],
    ["C:\\dir", '"C:\\\\dir"'],
    ["a\x01\tb", '"a\\u0001\\tb"'],
    ["café", '"café"'],
  ];
  for (const [value, printed] of cases) {
    it(`prints ${JSON.stringify(value)} as ${printed.replace(/\n\t*/g, " ")}`, () => {
      assert.equal(comment(value), doc([`"comment":\t${printed}`]));
    });
  }
  it("keeps Job_Name, project and Account_Name strings", () => {
    const out = one([
      { name: "Job_Name", value: "123" },
      { name: "Account_Name", value: "5" },
      { name: "project", value: "007" },
    ]);
    assert.equal(out, doc(['"Job_Name":\t"123"', '"Account_Name":\t"5"', '"project":\t"007"']));
  });
});
