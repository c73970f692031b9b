/**
 * `"key": value` (a space after the colon, as JSON.stringify with an indent,
 * jq or a proxy write it): real PBS never prints it, but a document laid out
 * that way must read exactly as PBS's own layout does.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseQstatJson } from "../../src/executors/pbs/parse/index.ts";
import { findByStamp } from "../../src/executors/pbs/stamp.ts";
import { loadCapture } from "./capture-loader.ts";

const CAPTURES = [
  "05b_qstat_-f_-F_json_RUNNING_steady.txt",
  "06_qstat_-x_-f_-F_json_FINISHED_exit0.txt",
  "13_qstat_-x_-f_-F_json_EXIT3.txt",
];

const INDENTS: Array<number | string> = [4, "\t", 2, 8, "  \t"];

describe("parseQstatJson with a space after the colon", () => {
  for (const file of CAPTURES) {
    it(`${file}, re-indented, gives the records of the original`, () => {
      const stdout = loadCapture(file).stdout;
      const want = parseQstatJson(stdout);
      assert.ok(want.jobs.size > 0);
      for (const indent of INDENTS) {
        const spaced = JSON.stringify(JSON.parse(stdout), null, indent);
        const got = parseQstatJson(spaced);
        assert.deepEqual(got.problems, [], `indent ${JSON.stringify(indent)}`);
        assert.deepEqual([...got.jobs], [...want.jobs], `indent ${JSON.stringify(indent)}`);
      }
    });
  }

  it("reads strings, numbers and nested objects after `: `, and finds the stamp", () => {
    const doc = {
      pbs_version: "23.06.06",
      Jobs: {
        "7.srv": {
          Job_Name: " lead and trail ",
          job_state: "F",
          substate: 92,
          Exit_status: 0,
          comment: 'a "quoted", comma',
          Variable_List: { PSIJ_AGENT_STAMP: "j0abc", PBS_O_HOME: "/home/u" },
          Resource_List: { ncpus: 2, walltime: "01:00:00" },
        },
      },
    };
    for (const indent of [4, "\t"]) {
      const text = JSON.stringify(doc, null, indent);
      const rec = parseQstatJson(text).jobs.get("7.srv")!;
      assert.equal(rec.name, " lead and trail ");
      assert.equal(rec.state, "F");
      assert.equal(rec.substate, 92);
      assert.equal(rec.exitStatus, 0);
      assert.equal(rec.comment, 'a "quoted", comma');
      assert.deepEqual(rec.variables, { PSIJ_AGENT_STAMP: "j0abc", PBS_O_HOME: "/home/u" });
      assert.deepEqual(rec.resources, { ncpus: "2", walltime: "01:00:00" });
      assert.deepEqual(findByStamp(text, "j0abc"), ["7.srv"]);
    }
  });
});
