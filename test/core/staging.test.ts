import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_STAGE_OUT_FLAGS,
  normalizeStageOutFlags,
  stageOutApplies,
  stageOutFlagNames,
  StageOutFlags,
  stageOutFlagsFromNames,
} from "../../src/core/index.ts";

const F = StageOutFlags;
const outcomes = ["success", "error", "cancel"] as const;
const applies = (flags: number) => outcomes.filter((o) => stageOutApplies(flags, o));

describe("stage-out flags", () => {
  it("ALWAYS is ON_SUCCESS | ON_ERROR | ON_CANCEL", () => {
    assert.equal(F.ALWAYS, F.ON_SUCCESS | F.ON_ERROR | F.ON_CANCEL);
  });

  it("each outcome flag applies to its own outcome only", () => {
    assert.deepEqual(applies(F.ON_SUCCESS), ["success"]);
    assert.deepEqual(applies(F.ON_ERROR), ["error"]);
    assert.deepEqual(applies(F.ON_CANCEL), ["cancel"]);
    assert.deepEqual(applies(F.ON_SUCCESS | F.ON_CANCEL), ["success", "cancel"]);
    assert.deepEqual(applies(F.IF_PRESENT | F.ON_ERROR), ["error"]);
    assert.deepEqual(applies(F.ALWAYS), ["success", "error", "cancel"]);
  });

  it("as in PSI/J, no outcome flag means every outcome (NONE = ALWAYS, IF_PRESENT = IF_PRESENT|ALWAYS)", () => {
    assert.deepEqual(applies(F.NONE), ["success", "error", "cancel"]);
    assert.deepEqual(applies(F.IF_PRESENT), ["success", "error", "cancel"]);
    assert.equal(normalizeStageOutFlags(F.IF_PRESENT), F.IF_PRESENT | F.ALWAYS);
    assert.equal(normalizeStageOutFlags(F.ON_ERROR), F.ON_ERROR);
  });

  it("the default is ALWAYS, as in psij-python", () => {
    assert.equal(DEFAULT_STAGE_OUT_FLAGS, F.ALWAYS);
  });

  it("names round-trip for every mask, ALWAYS collapsed, NONE for zero", () => {
    for (let mask = 0; mask <= 15; mask++) {
      assert.equal(stageOutFlagsFromNames(stageOutFlagNames(mask)), mask);
    }
    assert.deepEqual(stageOutFlagNames(0), ["NONE"]);
    assert.deepEqual(stageOutFlagNames(15), ["IF_PRESENT", "ALWAYS"]);
    assert.deepEqual(stageOutFlagNames(6), ["ON_SUCCESS", "ON_ERROR"]);
  });

  it("an unknown name is an error, inherited object keys included", () => {
    assert.throws(
      () => stageOutFlagsFromNames(["SOMETIMES"]),
      /unknown stage-out flag "SOMETIMES"/,
    );
    assert.throws(() => stageOutFlagsFromNames(["toString"]), /unknown stage-out flag/);
  });
});
