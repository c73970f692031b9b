import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  jobSpecFromPsijJson,
  jobSpecToJson,
  parseJobSpecDocument,
  ResourceSpecV1,
} from "../../src/core/index.ts";

const doc = readFileSync(
  fileURLToPath(new URL("../../docs/jobspec-json.md", import.meta.url)),
  "utf8",
);
const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));

describe("docs/jobspec-json.md examples", () => {
  it("has the two examples: our form, then psij-python's", () => {
    assert.equal(examples.length, 2);
    assert.equal(examples[0].version, 1);
    assert.equal(examples[1].version, undefined);
  });

  it("our example is read and written back unchanged", () => {
    const spec = parseJobSpecDocument(examples[0]);
    assert.equal(spec.attributes?.duration, 90061.25);
    assert.deepEqual(jobSpecToJson(spec), examples[0]);
  });

  it("the psij-python example is read with the documented meanings", () => {
    const spec = parseJobSpecDocument(examples[1]);
    assert.deepEqual(spec, jobSpecFromPsijJson(examples[1]));
    assert.equal(spec.attributes?.duration, 7230);
    assert.equal(spec.attributes?.account, "proj1");
    assert.deepEqual(spec.resources, new ResourceSpecV1({ nodeCount: 2, processesPerNode: 4 }));
    assert.equal(spec.stageOut?.[0].flags, 2);
  });
});
