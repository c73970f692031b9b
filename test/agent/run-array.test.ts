/**
 * `run --array`: the JobSpec's array field, the one `qsub -J` PBS's own
 * directive parser reads from the script, and how `status` shows an array.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCommand, runSpec } from "../../src/agent/cli/submit-cmds.ts";
import { parseCommandLine } from "../../src/agent/cli/command.ts";
import { formatJob } from "../../src/agent/cli/format.ts";
import { parseJobSpecDocument } from "../../src/core/json/index.ts";
import { renderPbsScript } from "../../src/executors/pbs/script.ts";
import { parsedDirectives } from "../pbs/helpers.ts";

const parse = (argv: string[]) => parseCommandLine(runCommand, argv);

describe("run --array", () => {
  it("sets the spec's array, and PBS reads one -J with the %limit from the script", () => {
    const { values, positionals } = parse([
      "--array",
      "1-100:2%10",
      "--stdout",
      "out.{index}.txt",
      "a.out",
    ]);
    const doc = runSpec(values, positionals, "/home/u");
    assert.equal(doc.array, "1-100:2%10");
    assert.equal(doc.stdoutPath, "/home/u/out.{index}.txt");
    const spec = parseJobSpecDocument(doc);
    const script = renderPbsScript(spec, { workDir: "/w", stamp: "s1" });
    const dirs = parsedDirectives(script.text);
    assert.deepEqual(dirs.filter((d) => d[0] === "-J"), [["-J", "1-100:2%10"]]);
    const out = dirs.find((d) => d[0] === "-o")!;
    assert.match(out[1], /\.\^array_index\^$/, "PBS's own -o file per subjob");
    assert.match(script.text, /export PSIJ_ARRAY_INDEX="\$PBS_ARRAY_INDEX"/);
    assert.match(script.text, />'\/home\/u\/out\.'"\$\{PSIJ_ARRAY_INDEX\}"'\.txt'/);
  });

  it("a bad range is refused naming $.array and the reason", () => {
    const { values, positionals } = parse(["--array", "10-1", "a.out"]);
    assert.throws(
      () => parseJobSpecDocument(runSpec(values, positionals, "/w")),
      /\$\.array: the last index \(1\) must be above the first \(10\)/,
    );
  });

  it("status shows the array's summary", () => {
    const text = formatJob({
      id: "jabc",
      state: "ACTIVE",
      executor: "pbs",
      nativeId: "12[].srv",
      createdAt: new Date(0).toISOString(),
      history: [],
      array: { range: "1-4", size: 4, counts: { COMPLETED: 1, ACTIVE: 3 }, final: false },
    });
    assert.match(text, /array {6}1-4: 4 elements, ids jabc\[<index>\]; 1 COMPLETED, 3 ACTIVE/);
  });
});
