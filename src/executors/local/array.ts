/**
 * Job arrays on the local executor, with the semantics PBS and Slurm give
 * them: one element per index, at most `limit` running at once (the others
 * QUEUED, started in index order as running ones end), each element a run
 * of its own with `PSIJ_ARRAY_INDEX` set and `{index}` in its output paths.
 * @module
 */

import {
  ARRAY_INDEX_VARIABLE,
  type ArrayRange,
  INDEX_PLACEHOLDER,
  parseArrayRange,
} from "../../core/array.ts";
import type { JobSpec } from "../../core/job-spec.ts";

/** The spec one element runs: no array, its index in the environment and the output paths. */
export function elementSpec(spec: JobSpec, index: number): JobSpec {
  const at = (p: string | undefined) =>
    p === undefined ? undefined : p.replaceAll(INDEX_PLACEHOLDER, String(index));
  const { array: _array, ...rest } = spec;
  const out: JobSpec = {
    ...rest,
    environment: { ...spec.environment, [ARRAY_INDEX_VARIABLE]: String(index) },
  };
  if (spec.stdoutPath !== undefined) out.stdoutPath = at(spec.stdoutPath);
  if (spec.stderrPath !== undefined) out.stderrPath = at(spec.stderrPath);
  return out;
}

/** An array of this process: its elements waiting to start, and how many run. */
export class LocalArray {
  readonly range: ArrayRange;
  /** Element starters in index order, waiting for a free slot. */
  readonly #waiting: Array<{ index: number; start: () => void }> = [];
  #running = 0;

  constructor(readonly nativeId: string, readonly spec: JobSpec) {
    this.range = parseArrayRange(spec.array);
  }

  get limit(): number {
    return this.range.limit ?? Infinity;
  }

  /** Queues an element; it starts when a slot is free (at once, if one is). */
  enqueue(index: number, start: () => void): void {
    this.#waiting.push({ index, start });
    this.#waiting.sort((a, b) => a.index - b.index);
    this.#pump();
  }

  /** Takes a waiting element out (its cancel before it started); true when it was waiting. */
  withdraw(index: number): boolean {
    const at = this.#waiting.findIndex((w) => w.index === index);
    if (at < 0) return false;
    this.#waiting.splice(at, 1);
    return true;
  }

  /** A running element ended: its slot goes to the next one waiting. */
  ended(): void {
    this.#running--;
    this.#pump();
  }

  #pump(): void {
    while (this.#running < this.limit && this.#waiting.length) {
      const next = this.#waiting.shift()!;
      this.#running++;
      next.start();
    }
  }
}
