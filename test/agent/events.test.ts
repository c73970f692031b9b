import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventBus, subscribeFrom } from "../../src/agent/events.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { JobState } from "../../src/core/job-state.ts";
import type { TransitionRecord } from "../../src/agent/store/types.ts";

function addJob(store: JobStore, bus: EventBus, id: string): void {
  store.createJob({ id, executor: "x", specJson: "{}", createdAt: 1, stamp: id });
  for (const t of store.recordTransition(id, { state: JobState.FAILED, time: 2 })) bus.publish(t);
}

describe("event bus", () => {
  it("replays a long backlog in pages while live events arrive: each once, in order", async () => {
    const store = new JobStore(":memory:");
    const bus = new EventBus();
    for (let i = 0; i < 1200; i++) addJob(store, bus, `old${i}`);
    const got: TransitionRecord[] = [];
    const stop = subscribeFrom(bus, store, 100, (e) => got.push(e), 250);
    // live events while the replay is still paging
    for (let i = 0; i < 50; i++) {
      addJob(store, bus, `new${i}`);
      await new Promise((r) => setTimeout(r, 0));
    }
    for (let i = 0; i < 100 && got.length < 1150; i++) await new Promise((r) => setTimeout(r, 5));
    stop();
    const ids = got.map((e) => e.eventId);
    assert.equal(ids.length, 1150);
    assert.equal(ids[0], 101);
    assert.deepEqual(ids, Array.from({ length: 1150 }, (_, i) => 101 + i));
    addJob(store, bus, "after-stop");
    assert.equal(got.length, 1150, "nothing after unsubscribe");
    assert.equal(bus.subscriberCount, 0);
  });

  it("keeps delivering to the others when one subscriber throws", () => {
    const bus = new EventBus();
    const seen: number[] = [];
    bus.subscribe(() => {
      throw new Error("broken client");
    });
    bus.subscribe((e) => seen.push(e.eventId));
    bus.publish({ eventId: 7, jobId: "j", seq: 1, state: JobState.QUEUED, time: 1 });
    assert.deepEqual(seen, [7]);
  });
});
