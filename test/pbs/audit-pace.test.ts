/**
 * Audit of truth rule 6 on the PBS executor: whoever asks (the poller, a
 * stamp look-up during recovery, list(), a re-attach), the scheduler sees
 * one status command at a time, and a new round of them no sooner than a
 * floor after the last round began.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { CommandOptions, CommandRunner } from "../../src/core/command-runner.ts";
import type { VirtualClock } from "../../src/core/clock.ts";
import { Job } from "../../src/core/job.ts";
import { advance, rig } from "./helpers.ts";

const STATUS = new Set(["qstat", "qselect"]);

/** Records when each status command starts and ends (virtual ms) around the simulator's runner. */
class PaceRecorder implements CommandRunner {
  readonly spans: { argv: string[]; start: number; end: number }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(readonly inner: CommandRunner, readonly clock: VirtualClock) {}
  async run(argv: readonly string[], options?: CommandOptions) {
    if (!STATUS.has(argv[0])) return await this.inner.run(argv, options);
    const start = this.clock.now();
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      return await this.inner.run(argv, options);
    } finally {
      this.inFlight--;
      this.spans.push({ argv: [...argv], start, end: this.clock.now() });
    }
  }
}

describe("audit: truth rule 6, one pace for every status command", () => {
  it("poller, stamp look-ups, list() and attach together: one at a time, rounds a floor apart", async () => {
    const floor = 1000;
    const r = rig();
    const rec = new PaceRecorder(r.runner, r.clock);
    const ex = r.newExecutor({ runner: rec, pollFloorMs: floor, pollCeilingMs: 4000 });
    const jobs = Array.from(
      { length: 8 },
      (_, i) => new Job({ executable: "/bin/date", name: `r${20 + i}` }),
    );
    for (const j of jobs) await ex.submit(j);
    const side: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      side.push(ex.findByStamp(jobs[i].id), ex.list(), ex.attach(new Job(), jobs[i].nativeId!));
      await advance(r.clock, 700, 100);
    }
    await advance(r.clock, 10_000, 100);
    await Promise.all(side);
    assert.equal(rec.maxInFlight, 1, "never two status commands at once");
    // A command that starts the instant the previous one ended continues its round;
    // any other starts a new round, a floor after the last round began at the earliest.
    let roundStart = -Infinity;
    let prevEnd = -Infinity;
    const tooSoon: string[] = [];
    for (const s of [...rec.spans].sort((a, b) => a.start - b.start)) {
      if (s.start !== prevEnd) {
        if (s.start - roundStart < floor) tooSoon.push(`${s.argv.join(" ")} at ${s.start}`);
        roundStart = s.start;
      }
      prevEnd = s.end;
    }
    assert.deepEqual(tooSoon, []);
    assert.ok(rec.spans.some((s) => s.argv[0] === "qselect"));
    await ex.close();
  });
});
