/**
 * Job: one submission of a JobSpec, its status, callbacks and `wait`.
 * @module
 */

import { invokeCallback, type JobStatusCallback } from "./callbacks.ts";
import { type Clock, realClock } from "./clock.ts";
import { InvalidStateException } from "./errors.ts";
import type { JobExecutor } from "./executor.ts";
import type { JobSpec } from "./job-spec.ts";
import { isFinal, JobState, stateOrder, transitionPath } from "./job-state.ts";
import type { JobStatus } from "./job-status.ts";

export interface WaitOptions {
  /** Milliseconds (of the executor's clock); absent means forever. */
  timeout?: number;
  /** Default: the final states. A later state than a target also satisfies it. */
  targetStates?: JobState[];
}

export class Job {
  readonly id: string;
  spec?: JobSpec;
  nativeId?: string;
  executor?: JobExecutor;
  #status: JobStatus;
  #history: JobStatus[] = [];
  #callbacks: JobStatusCallback[] = [];
  #pending: JobStatus[] = [];
  #notifying = false;
  #waiters = new Set<() => void>();

  constructor(spec?: JobSpec, options?: { id?: string }) {
    this.id = options?.id ?? crypto.randomUUID();
    this.spec = spec;
    this.#status = { state: JobState.NEW, time: Date.now() };
  }

  get status(): JobStatus {
    return this.#status;
  }

  /** Every transition this job went through, in order (NEW not included). */
  get history(): readonly JobStatus[] {
    return this.#history;
  }

  setStatusCallback(cb: JobStatusCallback): void {
    this.#callbacks = [cb];
  }

  addStatusCallback(cb: JobStatusCallback): () => void {
    this.#callbacks.push(cb);
    return () => {
      this.#callbacks = this.#callbacks.filter((c) => c !== cb);
    };
  }

  async cancel(): Promise<void> {
    if (!this.executor) throw new InvalidStateException(`job ${this.id} was never submitted`);
    await this.executor.cancel(this);
  }

  /**
   * Applies a status update under the transition rules: an equal or earlier
   * state, or anything after a final state, is ignored; skipped states are
   * synthesised (through ACTIVE for a FAILED or CANCELED job that `ran`, see
   * transitionPath). Returns the transitions made. For executors only.
   */
  _applyStatus(update: JobStatus, ran = false): JobStatus[] {
    const path = transitionPath(this.#status.state, update.state, ran);
    const made: JobStatus[] = [];
    // A clock that steps back must not give a later transition an earlier time.
    const time = Math.max(update.time, this.#history.at(-1)?.time ?? update.time);
    for (const state of path) {
      const synthesized = state !== update.state;
      // A synthesised state has no scheduler stamp of its own.
      const status: JobStatus = synthesized
        ? { state, time, metadata: { nativeId: this.nativeId, evidence: "synthesized" } }
        : { ...update, time, metadata: { nativeId: this.nativeId, ...update.metadata } };
      this.#status = status;
      this.#history.push(status);
      made.push(status);
      this.#pending.push(status);
    }
    if (made.length) this.#drain();
    return made;
  }

  // Callbacks run in transition order even when a callback itself causes a
  // new update (re-entrancy): updates queue and one loop delivers them.
  #drain(): void {
    if (this.#notifying) return;
    this.#notifying = true;
    try {
      while (this.#pending.length) {
        const status = this.#pending.shift()!;
        for (const cb of [...this.#callbacks]) invokeCallback(cb, this, status);
        this.executor?._notifyExecutorCallbacks(this, status);
        for (const wake of [...this.#waiters]) wake();
      }
    } finally {
      this.#notifying = false;
    }
  }

  /** Resolves with the status once a target (or later) or final state is reached; null on timeout. */
  wait(options: WaitOptions = {}): Promise<JobStatus | null> {
    const targets = options.targetStates ??
      [JobState.COMPLETED, JobState.FAILED, JobState.CANCELED];
    const satisfied = () => {
      const s = this.#status.state;
      return isFinal(s) || targets.some((t) => !isFinal(t) && stateOrder(s) >= stateOrder(t));
    };
    if (satisfied()) return Promise.resolve(this.#status);
    const clock: Clock = this.executor?.clock ?? realClock;
    return new Promise((resolve) => {
      let done = false;
      const timer = new AbortController();
      const wake = () => {
        if (done || !satisfied()) return;
        done = true;
        this.#waiters.delete(wake);
        timer.abort(); // no timer left behind to keep the process alive
        resolve(this.#status);
      };
      this.#waiters.add(wake);
      if (options.timeout !== undefined) {
        clock.sleep(options.timeout, timer.signal).then(() => {
          if (done) return;
          done = true;
          this.#waiters.delete(wake);
          resolve(null);
        });
      }
    });
  }
}
