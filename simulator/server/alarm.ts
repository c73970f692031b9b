/**
 * Wakes the server when its next timed event is due, on whatever Clock it
 * runs: a cancellable timer on the real clock, a clock sleep otherwise
 * (a VirtualClock then fires it as tests advance time).
 * @module
 */
import { type Clock, realClock } from "../../src/core/clock.ts";

export class Alarm {
  #timer?: ReturnType<typeof setTimeout>;
  #armedAt?: number;
  #gen = 0;
  #running = false;

  constructor(readonly clock: Clock, readonly fire: () => void) {}

  start(next: number | undefined): void {
    this.#running = true;
    this.arm(next);
  }

  stop(): void {
    this.#running = false;
    this.#gen++;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = undefined;
  }

  /** Makes sure something wakes us by `next` (an earlier alarm already does). */
  arm(next: number | undefined): void {
    if (!this.#running) return;
    if (next === undefined || (this.#armedAt !== undefined && this.#armedAt <= next)) return;
    this.#armedAt = next;
    const gen = ++this.#gen;
    const ring = () => {
      if (gen !== this.#gen) return;
      this.#armedAt = undefined;
      this.#timer = undefined;
      this.fire();
    };
    const delay = Math.max(0, next - this.clock.now());
    if (this.clock === realClock) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(ring, Math.min(delay, 2 ** 31 - 1));
    } else void this.clock.sleep(delay).then(ring);
  }
}
