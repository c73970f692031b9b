/**
 * Job history: finished jobs in the order they finished. With one retention
 * for all, that is also purge order, so one timed event (for the oldest)
 * serves them all instead of an event per job.
 * @module
 */
import type { SimJob } from "./job.ts";
import type { SimServer } from "./server.ts";

export class HistoryQueue {
  #jobs: SimJob[] = [];
  #head = 0;
  #armed = false;

  constructor(readonly srv: SimServer) {}

  add(job: SimJob): void {
    this.#jobs.push(job);
    if (!this.#armed) this.#arm();
  }

  /** Purged at the first second boundary past the retention (never early). */
  #purgeAt(job: SimJob): number {
    return ((job.historyTs ?? 0) + 1) * 1000 + this.srv.historyRetentionMs;
  }

  #arm(): void {
    const next = this.#jobs[this.#head];
    this.#armed = next !== undefined;
    if (next) this.srv.schedule(Math.max(this.#purgeAt(next), this.srv.nowMs()), "purge", next);
  }

  /** Forgets every job whose retention is over, then waits for the next. */
  purgeDue(): void {
    const h = this.#jobs;
    const srv = this.srv;
    while (this.#head < h.length && this.#purgeAt(h[this.#head]) <= srv.nowMs()) {
      const job = h[this.#head++];
      if (srv.jobs.get(job.id) === job && job.isHistory) srv.forget(job);
    }
    if (this.#head > 4096 && this.#head * 2 > h.length) {
      this.#jobs = h.slice(this.#head);
      this.#head = 0;
    }
    this.#arm();
  }
}
