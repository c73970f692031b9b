/**
 * One pace for every status command of an executor. The poller keeps its own
 * cycles a floor apart, but a stamp look-up (a lost qsub reply being
 * reconciled) or a re-attach asks qstat outside its cycles; truth rule 6 wants
 * the scheduler asked at most once per floor and never twice at once, whoever
 * asks. So every `qstat` and `qselect` (list(), the stamp look-up) passes
 * here: one at a time, and one that does not directly follow the previous
 * one (the next chunk or look-up of the same cycle) starts a floor after the
 * last such start at the earliest.
 * @module
 */

import {
  type Clock,
  type CommandOptions,
  type CommandResult,
  type CommandRunner,
} from "../../kit.ts";

/** The commands that ask PBS about jobs (qsub and qdel act, and are never held back). */
const STATUS_COMMANDS = new Set(["qstat", "qselect"]);

export class StatusGate implements CommandRunner {
  #lastEnd = Number.NEGATIVE_INFINITY;
  #lastWake = Number.NEGATIVE_INFINITY;
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly inner: CommandRunner,
    readonly clock: Clock,
    readonly floorMs: number,
  ) {}

  async run(argv: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    if (!STATUS_COMMANDS.has(argv[0])) return await this.inner.run(argv, options);
    const before = this.#queue;
    let release!: () => void;
    this.#queue = new Promise((resolve) => (release = resolve));
    try {
      await before;
      if (this.clock.now() !== this.#lastEnd) {
        const wait = this.#lastWake + this.floorMs - this.clock.now();
        if (wait > 0) await this.clock.sleep(wait);
        this.#lastWake = this.clock.now();
      }
      try {
        return await this.inner.run(argv, options);
      } finally {
        this.#lastEnd = this.clock.now();
      }
    } finally {
      release();
    }
  }
}
