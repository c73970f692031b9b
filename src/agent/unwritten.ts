/**
 * Store writes that failed because the store could not be written (its disk
 * full), held per job in order and tried again with backoff until they are
 * written. A job's later writes queue behind its held ones, so its states are
 * stored in the order they happened; a job's true end is never lost while the
 * agent runs, and the agent makes one last attempt when it stops.
 * @module
 */

import { realClock } from "../core/clock.ts";
import { StoreError } from "./store/errors.ts";

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

export class UnwrittenWrites {
  readonly #held = new Map<string, Array<() => void>>();
  readonly #signal: AbortSignal;
  readonly #log: (line: string) => void;
  #retrying?: Promise<void>;

  constructor(signal: AbortSignal, log: (line: string) => void) {
    this.#signal = signal;
    this.#log = log;
  }

  /** How many jobs have writes waiting. */
  get jobs(): number {
    return this.#held.size;
  }

  has(jobId: string): boolean {
    return this.#held.has(jobId);
  }

  /**
   * Runs `write` now, unless the job already has held writes (then it waits
   * behind them). A StoreError holds it for retry; any other error is thrown.
   */
  write(jobId: string, write: () => void): void {
    const queue = this.#held.get(jobId);
    if (queue) {
      queue.push(write);
      return;
    }
    try {
      write();
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      if (this.#held.size === 0) {
        this.#log(`${err.message}; holding job ${jobId}'s state change until it can be written`);
      }
      this.#held.set(jobId, [write]);
      this.#retrying ??= this.#retry().finally(() => (this.#retrying = undefined));
    }
  }

  /** Tries every held write once, in order per job; true when none is left. */
  flush(): boolean {
    for (const [jobId, queue] of this.#held) {
      while (queue.length) {
        try {
          queue[0]();
        } catch (err) {
          if (err instanceof StoreError) return false;
          // Not the store's failure: retrying cannot help; report it and go on.
          this.#log(`job ${jobId}: a held store write failed: ${(err as Error).message}`);
        }
        queue.shift();
      }
      this.#held.delete(jobId);
    }
    return true;
  }

  async #retry(): Promise<void> {
    let delay = FIRST_RETRY_MS;
    while (this.#held.size && !this.#signal.aborted) {
      // Real time, whatever clock the service runs on: the disk is real.
      await realClock.sleep(delay, this.#signal);
      if (this.#signal.aborted) return;
      if (this.flush()) {
        this.#log("job store: writable again; every held state change is written");
        return;
      }
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  }
}
