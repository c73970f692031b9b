import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { VirtualClock } from "../../src/core/clock.ts";
import { type ProbeResult, StatusPoller, type StatusReport } from "../../src/batch/poller.ts";

/** A tiny scheduler for the poller's hooks: id → state, plus knobs. */
class Fake {
  states = new Map<string, string>();
  applied: Array<[string, string]> = [];
  queries: Array<{ at: number; ids: string[] }> = [];
  failNext = 0;
  inFlight = 0;
  maxInFlight = 0;
  queryMs = 0;
  probes: string[] = [];
  probeResult: ProbeResult = "none";
  gaveUp: string[] = [];
  last = new Map<string, string>();
  constructor(readonly clock: VirtualClock) {}

  hooks() {
    return {
      query: async (ids: string[]): Promise<StatusReport<string>> => {
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        this.queries.push({ at: this.clock.now(), ids });
        if (this.queryMs) await this.clock.sleep(this.queryMs);
        this.inFlight--;
        if (this.failNext > 0) {
          this.failNext--;
          return { seen: new Map(), missing: [], error: "qstat: cannot connect to server" };
        }
        const seen = new Map<string, string>();
        for (const id of ids) if (this.states.has(id)) seen.set(id, this.states.get(id)!);
        return { seen, missing: ids.filter((id) => !this.states.has(id)) };
      },
      apply: (id: string, s: string) => {
        this.applied.push([id, s]);
        const changed = this.last.get(id) !== s;
        this.last.set(id, s);
        return { changed, final: s === "F" };
      },
      probe: (id: string): Promise<ProbeResult> => {
        this.probes.push(id);
        return Promise.resolve(this.probeResult);
      },
      giveUp: (id: string) => {
        this.gaveUp.push(id);
      },
    };
  }
}

async function run(clock: VirtualClock, ms: number, step = 250): Promise<void> {
  for (let t = 0; t < ms; t += step) await clock.advance(step);
}

function setup(opts: ConstructorParameters<typeof StatusPoller>[2] = {}) {
  const clock = new VirtualClock();
  const fake = new Fake(clock);
  const poller = new StatusPoller<string>(clock, fake.hooks(), {
    floorMs: 1000,
    ceilingMs: 16000,
    graceMs: 10000,
    ...opts,
  });
  return { clock, fake, poller };
}

describe("StatusPoller", () => {
  it("scenario 20: no polling while nothing is tracked", async () => {
    const { clock, fake, poller } = setup();
    await run(clock, 60000, 5000);
    assert.equal(fake.queries.length, 0);
    assert.equal(poller.nextPollAt, undefined);
  });

  it("scenario 20: one status command per cycle for all tracked ids", async () => {
    const { clock, fake, poller } = setup();
    for (let i = 0; i < 50; i++) {
      fake.states.set(`${i}.s`, "Q");
      poller.track(`${i}.s`);
    }
    await run(clock, 1000);
    assert.equal(fake.queries.length, 1);
    assert.equal(fake.queries[0].ids.length, 50);
  });

  it("chunks ids so argv stays within limits", async () => {
    const { clock, fake, poller } = setup({ maxIdsPerCommand: 1000, maxIdChars: 1_000_000 });
    for (let i = 0; i < 2500; i++) {
      fake.states.set(`${i}.s`, "Q");
      poller.track(`${i}.s`);
    }
    await run(clock, 1000);
    assert.deepEqual(fake.queries.map((q) => q.ids.length), [1000, 1000, 500]);
    const { clock: c2, fake: f2, poller: p2 } = setup({ maxIdChars: 100 });
    for (let i = 0; i < 30; i++) {
      f2.states.set(`${i}.server`, "Q");
      p2.track(`${i}.server`);
    }
    await run(c2, 1000);
    assert.ok(f2.queries.every((q) => q.ids.join(" ").length <= 100));
    assert.equal(f2.queries.flatMap((q) => q.ids).length, 30);
  });

  it("polls fast after a submit, backs off while nothing moves, up to the ceiling", async () => {
    const { clock, fake, poller } = setup();
    const start = clock.now();
    fake.states.set("1.s", "Q");
    poller.track("1.s");
    await run(clock, 70000);
    const gaps = fake.queries.map((q) => q.at - start);
    // first at the floor, then 1 s (the first sighting is a change), then doubling to 16 s
    assert.deepEqual(gaps.slice(0, 6), [1000, 2000, 4000, 8000, 16000, 32000]);
    assert.equal(gaps[6] - gaps[5], 16000);
  });

  it("a change brings the cadence back to the floor", async () => {
    const { clock, fake, poller } = setup();
    fake.states.set("1.s", "Q");
    poller.track("1.s");
    await run(clock, 20000);
    assert.ok(poller.stats().intervalMs > 1000);
    fake.states.set("1.s", "R");
    const before = fake.queries.length;
    await run(clock, 20000);
    const at = fake.queries.slice(before).map((q) => q.at);
    assert.equal(at[1] - at[0], 1000); // the cycle that saw R was followed one floor later
  });

  it("never polls more often than the floor, however many submits arrive", async () => {
    const { clock, fake, poller } = setup();
    for (let i = 0; i < 200; i++) {
      fake.states.set(`${i}.s`, "Q");
      poller.track(`${i}.s`);
      await clock.advance(50);
    }
    const at = fake.queries.map((q) => q.at);
    for (let i = 1; i < at.length; i++) assert.ok(at[i] - at[i - 1] >= 1000, `gap ${i}`);
    assert.ok(at.length >= 5);
  });

  it("keeps at most one command in flight", async () => {
    const { clock, fake, poller } = setup();
    fake.queryMs = 5000;
    for (let i = 0; i < 20; i++) {
      fake.states.set(`${i}.s`, "Q");
      poller.track(`${i}.s`);
      await clock.advance(700);
    }
    await run(clock, 30000);
    assert.equal(fake.maxInFlight, 1);
  });

  it("a failing command changes no job, backs off, and marks the poller degraded until a success", async () => {
    const { clock, fake, poller } = setup();
    fake.states.set("1.s", "R");
    fake.failNext = 3;
    poller.track("1.s");
    await run(clock, 1000);
    assert.equal(poller.degraded, true);
    assert.equal(poller.stats().lastError, "qstat: cannot connect to server");
    assert.equal(fake.applied.length, 0);
    const afterFirst = fake.queries.length;
    await run(clock, 2000);
    assert.equal(fake.queries.length, afterFirst + 1); // backed off to 2 s
    await run(clock, 20000);
    assert.equal(poller.degraded, false);
    assert.deepEqual(fake.applied[0], ["1.s", "R"]);
    assert.equal(fake.gaveUp.length, 0);
  });

  it("uses partial output: known ids update, a missing one is probed", async () => {
    const { clock, fake, poller } = setup();
    fake.states.set("1.s", "R");
    poller.track("1.s");
    poller.track("2.s");
    await run(clock, 1000);
    assert.deepEqual(fake.applied, [["1.s", "R"]]);
    assert.deepEqual(fake.probes, ["2.s"]);
  });

  it("gives up on a vanished id only after the grace period with no evidence", async () => {
    const { clock, fake, poller } = setup();
    poller.track("9.s");
    await run(clock, 9000);
    assert.deepEqual(fake.gaveUp, []);
    await run(clock, 30000);
    assert.deepEqual(fake.gaveUp, ["9.s"]);
    assert.equal(poller.trackedCount, 0);
    // vanished ids leave the batched command: only look-ups ask about them
    assert.equal(fake.queries.length, 1);
  });

  it("a probe that finds evidence ends tracking; a failing probe never runs the grace out", async () => {
    const { clock, fake, poller } = setup();
    fake.probeResult = "error";
    poller.track("7.s");
    await run(clock, 60000);
    assert.deepEqual(fake.gaveUp, []);
    fake.probeResult = "final";
    await run(clock, 20000);
    assert.equal(poller.trackedCount, 0);
    assert.deepEqual(fake.gaveUp, []);
  });

  it("stops when every job is final and restarts on the next track", async () => {
    const { clock, fake, poller } = setup();
    fake.states.set("1.s", "F");
    poller.track("1.s");
    await run(clock, 2000);
    await poller.idle();
    assert.equal(poller.nextPollAt, undefined);
    const n = fake.queries.length;
    await run(clock, 30000, 5000);
    assert.equal(fake.queries.length, n);
    fake.states.set("2.s", "F");
    poller.track("2.s");
    await run(clock, 2000);
    assert.equal(fake.queries.length, n + 1);
  });
});
