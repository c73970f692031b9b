/**
 * The status poller every CLI-driven backend shares.
 *
 * One loop per executor: each cycle asks the scheduler about every tracked id
 * at once (chunked only to keep argv within limits), one command in flight at
 * a time. The cadence is fast right after a submit or a change and backs off
 * while nothing moves, between a floor and a ceiling. With nothing tracked it
 * does not poll at all.
 *
 * Truth rules kept here: a failing command changes no job (it costs budget,
 * backs off and marks the poller degraded until a command succeeds); partial
 * output is used for the ids it covers; an id that vanished is looked up on
 * its own and its exit-code file is read over a grace period, and only when
 * nothing at all was found does the backend end it with a message saying
 * what was looked at. The scheduler dialect lives in the hooks.
 * @module
 */

import type { Clock } from "../core/clock.ts";
import type { PollerHooks, PollerOptions, PollerStats } from "./poller-types.ts";

export type {
  PollerHooks,
  PollerOptions,
  PollerStats,
  ProbeResult,
  StatusReport,
} from "./poller-types.ts";

interface Vanished {
  since: number;
  attempts: number;
}

export class StatusPoller<O> {
  readonly #clock: Clock;
  readonly #hooks: PollerHooks<O>;
  readonly #floor: number;
  readonly #ceiling: number;
  readonly #backoff: number;
  readonly #grace: number;
  readonly #maxIds: number;
  readonly #maxChars: number;
  readonly #tracked = new Set<string>();
  readonly #vanished = new Map<string, Vanished>();
  #interval: number;
  #nextAt = 0;
  #lastStart = -Infinity;
  #running = false;
  #closed = false;
  #wake?: AbortController;
  #idle: Array<() => void> = [];
  #stats = {
    cycles: 0,
    commands: 0,
    failedCommands: 0,
    consecutiveFailures: 0,
    probes: 0,
    applyMs: 0,
    lastError: undefined as string | undefined,
    lastErrorAt: undefined as number | undefined,
    lastCommandAt: undefined as number | undefined,
    lastCommandMs: undefined as number | undefined,
  };

  constructor(clock: Clock, hooks: PollerHooks<O>, options: PollerOptions = {}) {
    this.#clock = clock;
    this.#hooks = hooks;
    this.#floor = Math.max(1, options.floorMs ?? 1000);
    this.#ceiling = Math.max(this.#floor, options.ceilingMs ?? 30_000);
    this.#backoff = Math.max(1, options.backoff ?? 2);
    this.#grace = options.graceMs ?? 60_000;
    this.#maxIds = Math.max(1, options.maxIdsPerCommand ?? 1000);
    this.#maxChars = Math.max(1, options.maxIdChars ?? 100_000);
    this.#interval = this.#floor;
  }

  /** Starts tracking an id; polling comes soon (one floor after the last cycle at most). */
  track(id: string): void {
    if (this.#closed) return;
    this.#tracked.add(id);
    this.#vanished.delete(id);
    this.#interval = this.#floor;
    const soon = Math.max(this.#clock.now() + this.#floor, this.#lastStart + this.#floor);
    if (!this.#running) {
      this.#nextAt = soon;
      this.#start();
    } else if (soon < this.#nextAt) {
      this.#nextAt = soon;
      this.#wake?.abort();
    }
  }

  untrack(id: string): void {
    this.#tracked.delete(id);
    this.#vanished.delete(id);
  }

  isTracked(id: string): boolean {
    return this.#tracked.has(id);
  }

  get trackedCount(): number {
    return this.#tracked.size;
  }

  /** True while the last status command failed (until one succeeds). */
  get degraded(): boolean {
    return this.#stats.consecutiveFailures > 0;
  }

  /** When the next cycle is due (clock ms), or undefined when idle. */
  get nextPollAt(): number | undefined {
    return this.#running ? this.#nextAt : undefined;
  }

  stats(): PollerStats {
    return {
      ...this.#stats,
      tracked: this.#tracked.size,
      degraded: this.degraded,
      intervalMs: this.#interval,
    };
  }

  /** Resolves when the loop has stopped (nothing tracked, or closed). */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  close(): void {
    this.#closed = true;
    this.#tracked.clear();
    this.#vanished.clear();
    this.#wake?.abort();
  }

  #start(): void {
    this.#running = true;
    void this.#loop().finally(() => {
      this.#running = false;
      for (const resolve of this.#idle.splice(0)) resolve();
      // A track() that raced the loop's exit must not be left unpolled.
      if (!this.#closed && this.#tracked.size > 0) {
        this.#nextAt = this.#clock.now() + this.#floor;
        this.#start();
      }
    });
  }

  async #loop(): Promise<void> {
    while (!this.#closed && this.#tracked.size > 0) {
      const wait = this.#nextAt - this.#clock.now();
      if (wait > 0) {
        this.#wake = new AbortController();
        await this.#clock.sleep(wait, this.#wake.signal);
        this.#wake = undefined;
        continue;
      }
      this.#lastStart = this.#clock.now();
      let moved = false;
      try {
        moved = await this.#cycle();
      } catch (err) {
        // A hook that throws is a bug, but it must not stop tracking every job.
        this.#failed(`poller hook failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (this.degraded) {
        const n = this.#stats.consecutiveFailures;
        this.#interval = Math.min(this.#ceiling, this.#floor * this.#backoff ** n);
      } else if (moved) this.#interval = this.#floor;
      else this.#interval = Math.min(this.#ceiling, this.#interval * this.#backoff);
      const next = this.#lastStart + this.#interval;
      // track() may have asked for an earlier cycle while this one ran.
      this.#nextAt = this.#nextAt > this.#lastStart && this.#nextAt < next ? this.#nextAt : next;
      this.#nextAt = Math.max(this.#nextAt, this.#lastStart + this.#floor);
    }
  }

  /** One cycle; true when some job moved. */
  async #cycle(): Promise<boolean> {
    this.#stats.cycles++;
    let moved = false;
    const ids = [...this.#tracked].filter((id) => !this.#vanished.has(id));
    for (const chunk of this.#chunks(ids)) {
      if (this.#closed) return moved;
      this.#stats.commands++;
      this.#stats.lastCommandAt = this.#clock.now();
      const sent = performance.now();
      const report = await this.#hooks.query(chunk);
      this.#stats.lastCommandMs = performance.now() - sent;
      // Whatever the output did say is used, even from a command that failed.
      const t0 = performance.now();
      for (const [id, obs] of report.seen) {
        if (!this.#tracked.has(id)) continue;
        const r = this.#hooks.apply(id, obs);
        if (r.changed) moved = true;
        if (r.final) this.untrack(id);
      }
      this.#stats.applyMs += performance.now() - t0;
      if (report.error !== undefined) {
        this.#failed(report.error);
        return moved; // the rest waits for the next cycle; no id was judged missing
      }
      this.#succeeded();
      for (const id of report.missing) {
        if (this.#tracked.has(id) && !this.#vanished.has(id)) {
          this.#vanished.set(id, { since: this.#clock.now(), attempts: 0 });
        }
      }
    }
    if (await this.#probeVanished()) moved = true;
    return moved;
  }

  async #probeVanished(): Promise<boolean> {
    let moved = false;
    for (const [id, v] of [...this.#vanished]) {
      if (this.#closed || !this.#tracked.has(id)) continue;
      this.#stats.probes++;
      const result = await this.#hooks.probe(id, v.attempts++);
      if (result === "final") {
        this.untrack(id);
        moved = true;
      } else if (result === "alive") {
        this.#vanished.delete(id);
        moved = true;
      } else if (result === "none" && this.#clock.now() - v.since >= this.#grace) {
        this.#hooks.giveUp(id, v.since);
        this.untrack(id);
        moved = true;
      }
      // "error": the look-up failed; the job keeps its state and its grace clock
      // does not run out on our failures alone.
      if (result === "error") v.since = Math.max(v.since, this.#clock.now() - this.#grace / 2);
    }
    return moved;
  }

  /**
   * Ids in commands within the limits, counted by the operand each puts on
   * the command line: ids that share one (an array's elements) go together
   * and count once.
   */
  #chunks(ids: string[]): string[][] {
    const groups = new Map<string, string[]>();
    const operand = this.#hooks.operand;
    for (const id of ids) {
      const op = operand ? operand(id) : id;
      const g = groups.get(op);
      if (g) g.push(id);
      else groups.set(op, [id]);
    }
    const out: string[][] = [];
    let cur: string[] = [];
    let n = 0;
    let chars = 0;
    for (const [op, members] of groups) {
      if (n && (n >= this.#maxIds || chars + op.length + 1 > this.#maxChars)) {
        out.push(cur);
        cur = [];
        n = 0;
        chars = 0;
      }
      cur.push(...members);
      n++;
      chars += op.length + 1;
    }
    if (cur.length) out.push(cur);
    return out;
  }

  #failed(error: string): void {
    this.#stats.failedCommands++;
    this.#stats.consecutiveFailures++;
    this.#stats.lastError = error;
    this.#stats.lastErrorAt = this.#clock.now();
  }

  #succeeded(): void {
    this.#stats.consecutiveFailures = 0;
  }
}
