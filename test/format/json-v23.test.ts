/**
 * The released pbs_json.c encoder: every quirk from pbs-cli.md §2, with the
 * exact bytes it prints.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatJsonV23, type StatAttr } from "../../simulator/format/index.ts";

const H = { timestamp: 1795600548, pbsVersion: "23.06.06", pbsServer: "vm" };

/** The whole document for one job `1.vm` whose attribute lines are `lines`. */
function doc(lines: string[]): string {
  return "{\n" +
    '    "timestamp":1795600548,\n' +
    '    "pbs_version":"23.06.06",\n' +
    '    "pbs_server":"vm",\n' +
    '    "Jobs":{\n' +
    '        "1.vm":{\n' +
    lines.map((l) => "            " + l).join(",\n") + "\n" +
    "        }\n" +
    "    }\n" +
    "}\n";
}

const one = (attrs: StatAttr[]) => formatJsonV23(H, [{ id: "1.vm", attrs }]);
const comment = (value: string) => one([{ name: "comment", value }]);

describe("formatJsonV23 layout", () => {
  it("prints the header-only object with no final newline when there are no jobs", () => {
    assert.equal(
      formatJsonV23(H, []),
      '{\n    "timestamp":1795600548,\n    "pbs_version":"23.06.06",\n    "pbs_server":"vm"\n}',
    );
  });
  it("nests resources in an object closed by the next plain attribute", () => {
    const out = one([
      { name: "job_state", value: "R" },
      { name: "resources_used", resource: "walltime", value: "00:00:01" },
      { name: "resources_used", resource: "cpupercent", value: "0" },
      { name: "Job_Name", value: "x" },
    ]);
    assert.equal(
      out,
      doc([
        '"Job_Name":"x"',
        '"resources_used":{\n                "cpupercent":0,\n                "walltime":"00:00:01"\n            }',
        '"job_state":"R"',
      ]),
    );
  });
  it("ends the job with the resource object when a resource is last", () => {
    const out = one([{ name: "Resource_List", resource: "ncpus", value: "2" }]);
    assert.equal(out, doc(['"Resource_List":{\n                "ncpus":2\n            }']));
  });
  it("wraps executable in <jsdl-hpcpa:Executable>", () => {
    assert.equal(
      one([{ name: "executable", value: "/bin/sleep" }]),
      doc(['"executable":"<jsdl-hpcpa:Executable>/bin/sleep</jsdl-hpcpa:Executable>"']),
    );
  });
});

describe("formatJsonV23 typing by strtod", () => {
  const bare: [string, string][] = [
    ["0", "0"],
    ["5", "5"],
    ["271", "271"],
    ["-29", "-29"],
    ["inf", "inf"],
    ["-inf", "-inf"],
    ["infinity", "infinity"],
    ["nan", "nan"],
    ["nan(x1)", "nan(x1)"],
    [".5", ".5"],
    ["1.", "1."],
    ["+5", "+5"],
    ["00", "00"],
    ["-05", "-05"],
    ["0.5", "0.5"],
    ["00.5", "00.5"],
    ["0x0", "0x0"],
    ["1e5", "1e5"],
    ["5 ", "5 "],
    [" 5", " 5"],
    ["123", "123"],
  ];
  for (const [value, printed] of bare) {
    it(`prints ${JSON.stringify(value)} bare as ${printed}`, () => {
      assert.equal(comment(value), doc([`"comment":${printed}`]));
    });
  }
  const quoted = ["007", "0x10", "1e", "True", "00:00:00", "10kb", "", "  ", "-", "1-2", "0.5.1"];
  for (const value of quoted) {
    it(`prints ${JSON.stringify(value)} as a string`, () => {
      assert.equal(comment(value), doc([`"comment":"${value}"`]));
    });
  }
  it("prints a numeric Job_Name as a number", () => {
    assert.equal(one([{ name: "Job_Name", value: "123" }]), doc(['"Job_Name":123']));
  });
});

describe("formatJsonV23 escaping (JSON_ESCAPE + show_nonprint_chars)", () => {
  const cases: [string, string, string][] = [
    ["a quote inside", 'a"b', 'a\\"b'],
    ["a quote at position 0 (left alone)", '"a', '"a'],
    ["backslash-quote (copied)", 'a\\"b', 'a\\"b'],
    ["a quote after an escaped backslash (left alone)", 'a\\\\"b', 'a\\\\"b'],
    ["an unknown escape \\d (copied)", "C:\\dir", "C:\\dir"],
    ["a literal backslash-b (reads as backspace)", "a\\bc", "a\\bc"],
    ["a real backspace", "a\bc", "a\\bc"],
    ["\\' (backslash dropped)", "it\\'s", "it's"],
    ["\\, (backslash dropped)", "a\\,b", "a,b"],
    ["a trailing backslash", "ab\\", "ab\\"],
    ["tab, newline, CR, form feed", "a\tb\nc\rd\fe", "a\\tb\\nc\\rd\\fe"],
    ["other control characters as ^X", "a\x01b\x1bc\x1f", "a^Ab^[c^_"],
    ["DEL untouched", "a\x7fb", "a\x7fb"],
    ["backslash + raw newline (copied raw)", "a\\\nb", "a\\\nb"],
    ["backslash + control char", "a\\\x01", "a\\^A"],
    ["non-ASCII untouched", "café ✓", "café ✓"],
  ];
  for (const [what, value, printed] of cases) {
    it(what, () => assert.equal(comment(value), doc([`"comment":"${printed}"`])));
  }
  it("never escapes keys", () => {
    const out = one([{ name: "Variable_List", value: 'A"B=x' }]);
    assert.equal(out, doc(['"Variable_List":{\n                "A"B":"x"\n            }']));
  });
  it("escapes the header values fully", () => {
    const out = formatJsonV23({ ...H, pbsServer: 'a"b\\c' }, []);
    assert.ok(out.includes('"pbs_server":"a\\"b\\\\c"\n}'));
  });
});

describe("formatJsonV23 Variable_List splitter", () => {
  const vl = (value: string) => one([{ name: "Variable_List", value }]);
  const obj = (entries: string[]) =>
    doc([
      '"Variable_List":{\n' + entries.map((e) => "                " + e).join(",\n") +
      "\n            }",
    ]);
  it("splits NAME=value pairs and types each value", () => {
    assert.equal(vl("A=1,B=x,C=007"), obj(['"A":1', '"B":"x"', '"C":"007"']));
  });
  it("an empty value swallows the next pair (A=,B=1 gives A: ',B=1')", () => {
    assert.equal(vl("A=,B=1"), obj(['"A":",B=1"']));
  });
  it("NAME= as the last item gives an empty string", () => {
    assert.equal(vl("X=1,NAME="), obj(['"X":1', '"NAME":""']));
  });
  it("drops an item without =", () => {
    assert.equal(vl("FOO,B=2"), obj(['"B":2']));
  });
  it("keeps escaped commas inside a value", () => {
    assert.equal(vl("A=x\\,y,B=2"), obj(['"A":"x,y"', '"B":2']));
  });
  it("an empty Variable_List is an empty object", () => {
    assert.equal(vl(""), doc(['"Variable_List":{\n            }']));
  });
});
