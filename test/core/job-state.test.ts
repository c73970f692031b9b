import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ALL_STATES,
  FINAL_STATES,
  isFinal,
  isJobState,
  isLater,
  JobState,
  stateOrder,
  transitionPath,
} from "../../src/core/index.ts";

const S = JobState;

describe("JobState", () => {
  it("orders NEW < QUEUED < STAGE_IN < ACTIVE < STAGE_OUT < CLEANUP < final", () => {
    const path = [S.NEW, S.QUEUED, S.STAGE_IN, S.ACTIVE, S.STAGE_OUT, S.CLEANUP, S.COMPLETED];
    for (let i = 1; i < path.length; i++) {
      assert.ok(isLater(path[i - 1], path[i]), `${path[i]} after ${path[i - 1]}`);
      assert.ok(!isLater(path[i], path[i - 1]));
    }
    for (const f of FINAL_STATES) assert.ok(isLater(S.CLEANUP, f));
  });

  it("final states are COMPLETED, FAILED, CANCELED and mutually unordered", () => {
    assert.deepEqual([...FINAL_STATES].sort(), ["CANCELED", "COMPLETED", "FAILED"]);
    for (const a of FINAL_STATES) {
      assert.ok(isFinal(a));
      for (const b of FINAL_STATES) assert.ok(!isLater(a, b), `${b} not after ${a}`);
    }
    for (const s of ALL_STATES.filter((s) => !FINAL_STATES.includes(s))) assert.ok(!isFinal(s));
    assert.equal(stateOrder(S.FAILED), stateOrder(S.COMPLETED));
  });

  it("isJobState accepts the nine names only (not inherited object keys)", () => {
    for (const s of ALL_STATES) assert.ok(isJobState(s));
    for (const v of ["toString", "constructor", "__proto__", "new", "", 3, null, undefined]) {
      assert.ok(!isJobState(v), String(v));
    }
  });

  it("a skip on the success path synthesises every missing predecessor in order", () => {
    assert.deepEqual(transitionPath(S.QUEUED, S.COMPLETED), [
      S.STAGE_IN,
      S.ACTIVE,
      S.STAGE_OUT,
      S.CLEANUP,
      S.COMPLETED,
    ]);
    assert.deepEqual(transitionPath(S.NEW, S.ACTIVE), [S.QUEUED, S.STAGE_IN, S.ACTIVE]);
    assert.deepEqual(transitionPath(S.ACTIVE, S.STAGE_OUT), [S.STAGE_OUT]);
  });

  it("FAILED and CANCELED are entered directly from any non-final state", () => {
    for (const from of ALL_STATES.filter((s) => !isFinal(s))) {
      assert.deepEqual(transitionPath(from, S.FAILED), [S.FAILED]);
      assert.deepEqual(transitionPath(from, S.CANCELED), [S.CANCELED]);
    }
  });

  it("a FAILED or CANCELED job that ran passes ACTIVE first, as a COMPLETED one does", () => {
    for (const end of [S.FAILED, S.CANCELED]) {
      assert.deepEqual(transitionPath(S.NEW, end, true), [S.QUEUED, S.STAGE_IN, S.ACTIVE, end]);
      assert.deepEqual(transitionPath(S.QUEUED, end, true), [S.STAGE_IN, S.ACTIVE, end]);
      assert.deepEqual(transitionPath(S.ACTIVE, end, true), [end]);
      assert.deepEqual(transitionPath(S.STAGE_OUT, end, true), [end]);
      assert.deepEqual(transitionPath(S.COMPLETED, end, true), [], "final is final");
    }
    assert.deepEqual(
      transitionPath(S.QUEUED, S.COMPLETED, true),
      transitionPath(S.QUEUED, S.COMPLETED),
    );
  });

  it("an equal or earlier state, or anything after a final state, is ignored", () => {
    for (const from of ALL_STATES) {
      for (const to of ALL_STATES) {
        const path = transitionPath(from, to);
        if (isFinal(from) || stateOrder(to) <= stateOrder(from)) assert.deepEqual(path, []);
        else assert.equal(path.at(-1), to);
      }
    }
  });
});
