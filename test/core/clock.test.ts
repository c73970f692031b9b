import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { realClock, VirtualClock } from "../../src/core/index.ts";

describe("clocks", () => {
  it("VirtualClock wakes sleepers in time order, ties in the order they slept", async () => {
    const clock = new VirtualClock(1000);
    const woke: string[] = [];
    const sleep = (ms: number, tag: string) =>
      clock.sleep(ms).then(() => woke.push(`${tag}@${clock.now()}`));
    sleep(30, "c");
    sleep(10, "a");
    sleep(10, "b");
    sleep(20, "d");
    assert.equal(clock.nextWake(), 1010);
    await clock.advance(20);
    assert.deepEqual(woke, ["a@1010", "b@1010", "d@1020"]);
    assert.equal(clock.now(), 1020);
    await clock.advanceTo(5000);
    assert.deepEqual(woke.at(-1), "c@1030");
    assert.equal(clock.now(), 5000);
    assert.equal(clock.pendingSleepers(), 0);
  });

  it("VirtualClock: an abort resolves the sleeper early and removes it", async () => {
    const clock = new VirtualClock();
    const ctl = new AbortController();
    let done = false;
    const p = clock.sleep(1000, ctl.signal).then(() => (done = true));
    assert.equal(clock.pendingSleepers(), 1);
    ctl.abort();
    await p;
    assert.ok(done);
    assert.equal(clock.pendingSleepers(), 0);
    await clock.sleep(5, ctl.signal); // already aborted: resolves at once
  });

  it("realClock: an aborted sleep resolves without waiting", async () => {
    const ctl = new AbortController();
    const p = realClock.sleep(3_600_000, ctl.signal);
    ctl.abort();
    await p;
    assert.ok(Math.abs(realClock.now() - Date.now()) < 1000);
  });
});
