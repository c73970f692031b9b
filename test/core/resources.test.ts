import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  computeResources,
  InvalidJobException,
  type ResourceSpecFields,
  ResourceSpecV1,
} from "../../src/core/index.ts";

const counts = (f: ResourceSpecFields) => {
  const c = new ResourceSpecV1(f).computed();
  return [c.nodeCount, c.processCount, c.processesPerNode];
};

function rejects(f: ResourceSpecFields, field: string, pattern?: RegExp): void {
  assert.throws(() => computeResources(f), (err: unknown) => {
    assert.ok(err instanceof InvalidJobException, String(err));
    assert.equal(err.field, field);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

describe("ResourceSpecV1 inference", () => {
  it("none given → 1 node, 1 process, 1 per node", () => {
    assert.deepEqual(counts({}), [1, 1, 1]);
  });
  it("only processCount → one node holding them all", () => {
    assert.deepEqual(counts({ processCount: 6 }), [1, 6, 6]);
  });
  it("only nodeCount → one process per node", () => {
    assert.deepEqual(counts({ nodeCount: 3 }), [3, 3, 1]);
  });
  it("only processesPerNode → one node", () => {
    assert.deepEqual(counts({ processesPerNode: 4 }), [1, 4, 4]);
  });
  it("two given → the third inferred", () => {
    assert.deepEqual(counts({ nodeCount: 2, processCount: 8 }), [2, 8, 4]);
    assert.deepEqual(counts({ nodeCount: 2, processesPerNode: 3 }), [2, 6, 3]);
    assert.deepEqual(counts({ processCount: 8, processesPerNode: 2 }), [4, 8, 2]);
  });
  it("two given and not divisible → an error naming the field", () => {
    rejects({ nodeCount: 3, processCount: 8 }, "resources.processCount", /not divisible/);
    rejects({ processCount: 7, processesPerNode: 2 }, "resources.processesPerNode", /divisible/);
  });
  it("three given: consistent is accepted, inconsistent is an error", () => {
    assert.deepEqual(counts({ nodeCount: 2, processCount: 6, processesPerNode: 3 }), [2, 6, 3]);
    rejects({ nodeCount: 2, processCount: 5, processesPerNode: 3 }, "resources.processCount");
  });
  it("defaults: 1 core per process, no GPU, shared nodes, no memory limit", () => {
    const c = new ResourceSpecV1().computed();
    assert.equal(c.cpuCoresPerProcess, 1);
    assert.equal(c.gpuCoresPerProcess, 0);
    assert.equal(c.exclusiveNodeUse, false);
    assert.equal(c.memory, undefined);
    const d = computeResources({ cpuCoresPerProcess: 4, gpuCoresPerProcess: 2, memory: 1 << 30 });
    assert.deepEqual([d.cpuCoresPerProcess, d.gpuCoresPerProcess, d.memory], [4, 2, 1 << 30]);
  });
  it("bad values are errors naming the field", () => {
    for (const f of ["nodeCount", "processCount", "processesPerNode", "cpuCoresPerProcess"]) {
      for (const v of [0, -1, 1.5, "2", NaN, null]) {
        rejects({ [f]: v } as ResourceSpecFields, `resources.${f}`, /positive integer/);
      }
    }
    assert.equal(computeResources({ gpuCoresPerProcess: 0 }).gpuCoresPerProcess, 0);
    rejects({ gpuCoresPerProcess: -1 }, "resources.gpuCoresPerProcess", /non-negative/);
    rejects({ memory: 0 }, "resources.memory");
    rejects({ exclusiveNodeUse: "yes" as unknown as boolean }, "resources.exclusiveNodeUse");
  });
  it("errors use the given path prefix", () => {
    assert.throws(
      () => new ResourceSpecV1({ nodeCount: 0 }).computed("spec.resources"),
      (e: unknown) => e instanceof InvalidJobException && e.field === "spec.resources.nodeCount",
    );
  });
});

describe("ResourceSpecV1 values", () => {
  it("computed values follow later edits (never stale)", () => {
    const r = new ResourceSpecV1({ processCount: 4 });
    assert.equal(r.computedNodeCount, 1);
    r.nodeCount = 2;
    assert.equal(r.computedProcessesPerNode, 2);
    r.processCount = undefined;
    assert.equal(r.computedProcessCount, 2);
    r.processesPerNode = 5;
    assert.equal(r.computedProcessCount, 10);
    r.nodeCount = undefined;
    r.processCount = 3;
    assert.throws(() => r.computedNodeCount, InvalidJobException);
  });
  it("fields() gives the given fields only, never computed ones", () => {
    const r = new ResourceSpecV1({ nodeCount: 2, processesPerNode: undefined, memory: 10 });
    assert.deepEqual(r.fields(), { nodeCount: 2, memory: 10 });
    assert.equal(r.computedProcessCount, 2);
    assert.deepEqual(r.fields(), { nodeCount: 2, memory: 10 });
    assert.equal(r.version, 1);
  });
});
