import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  arrayIndices,
  elementId,
  formatArrayRange,
  parseArrayRange,
  splitElementId,
} from "../../src/core/array.ts";
import { jobSpecFromJson, jobSpecFromPsijJson, jobSpecToJson } from "../../src/core/index.ts";
import { validateJobSpec } from "../../src/core/job-spec.ts";

describe("job array ranges", () => {
  it("read first-last[:step][%limit] as qsub -J and sbatch --array do", () => {
    const r = parseArrayRange("1-100:2%10");
    assert.deepEqual(r, { first: 1, last: 100, step: 2, limit: 10 });
    assert.equal(arrayIndices(r).length, 50);
    assert.equal(arrayIndices(r).at(-1), 99);
    assert.equal(formatArrayRange(r), "1-100:2%10");
    assert.deepEqual(arrayIndices(parseArrayRange("0-3")), [0, 1, 2, 3]);
  });

  it("refuse a bad range naming the field and the reason", () => {
    const bad: Array<[string, RegExp]> = [
      ["5-5", /last index \(5\) must be above the first/],
      ["1-10:0", /step must be at least 1/],
      ["1-10%0", /limit .* at least 1/],
      ["1-200000", /at most 100000/],
      ["7", /not an index range/],
      ["1-3,5", /not an index range/],
    ];
    for (const [text, why] of bad) {
      assert.throws(() => parseArrayRange(text, "$.array"), (e: Error) => {
        assert.match(e.message, /^\$\.array: /);
        assert.match(e.message, why);
        return true;
      }, text);
    }
    assert.throws(
      () => validateJobSpec({ executable: "x", array: "3-1" }),
      /^Error: array: |array:/,
    );
  });

  it("element ids are <array id>[<index>] and split back", () => {
    assert.equal(elementId("jabc", 7), "jabc[7]");
    assert.deepEqual(splitElementId("jabc[7]"), { arrayId: "jabc", index: 7 });
    assert.equal(splitElementId("jabc"), undefined);
  });

  it("the array field reads and writes in both JSON forms, refused at $.array when bad", () => {
    const spec = jobSpecFromJson({ version: 1, executable: "x", array: "1-100:2%10" });
    assert.equal(spec.array, "1-100:2%10");
    assert.deepEqual(jobSpecToJson(spec), { version: 1, executable: "x", array: "1-100:2%10" });
    assert.equal(jobSpecFromPsijJson({ executable: "x", array: "0-9" }).array, "0-9");
    assert.throws(
      () => jobSpecFromJson({ version: 1, executable: "x", array: "9-1" }),
      /^InvalidJobException: \$\.array: |\$\.array: the last index/,
    );
  });
});
