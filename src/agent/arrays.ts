/**
 * Job arrays in the agent: the array's own record (id `j…`, the scheduler's
 * array id) and one job per element (`j…[<index>]`, the scheduler's element
 * id), each element with its own history and evidence. The array's state
 * follows its elements: QUEUED while all wait, ACTIVE once one has started
 * (or ended), and final once every element is — COMPLETED when all
 * completed, else FAILED when one failed, else CANCELED. Its summary counts
 * the elements per state.
 * @module
 */

import { arrayIndices, elementId, parseArrayRange, splitElementId } from "../core/array.ts";
import { FINAL_STATES, isFinal, JobState } from "../core/job-state.ts";
import type { JobStatus } from "../core/job-status.ts";
import type { JobStore } from "./store/store.ts";
import type { NewElement } from "./store/types.ts";

export interface ArraySummary {
  /** The range as given (`1-100:2%10`). */
  range: string;
  size: number;
  /** Elements per state (states with none left out). */
  counts: Partial<Record<JobState, number>>;
  /** Every element is final. */
  final: boolean;
}

interface Tracked {
  range: string;
  size: number;
  states: Map<string, JobState>;
  counts: Map<JobState, number>;
}

/** The array's state for these counts of its elements' states. */
export function arrayState(counts: ReadonlyMap<JobState, number>, size: number): JobState {
  const n = (s: JobState) => counts.get(s) ?? 0;
  const final = FINAL_STATES.reduce((a, s) => a + n(s), 0);
  if (size > 0 && final === size) {
    if (n(JobState.COMPLETED) === size) return JobState.COMPLETED;
    return n(JobState.FAILED) > 0 ? JobState.FAILED : JobState.CANCELED;
  }
  if (final > 0 || n(JobState.ACTIVE) > 0) return JobState.ACTIVE;
  return n(JobState.QUEUED) > 0 ? JobState.QUEUED : JobState.NEW;
}

function countsText(counts: ReadonlyMap<JobState, number>): string {
  return [...counts].filter(([, c]) => c > 0).map(([s, c]) => `${c} ${s}`).join(", ");
}

/** The element records of an array just submitted (or re-followed): one per index. */
export function elementRecords(
  arrayId: string,
  range: string,
  executor: string,
  specJson: string,
  nativeIdOf: (index: number) => string,
  createdAt: number,
): NewElement[] {
  return arrayIndices(parseArrayRange(range)).map((i) => ({
    id: elementId(arrayId, i),
    executor,
    nativeId: nativeIdOf(i),
    specJson,
    createdAt,
  }));
}

/**
 * The agent's book of arrays not yet final: each element's last stored
 * state, so an element's change costs no query, and the array's own state
 * is recorded whenever the elements move it.
 */
export class ArrayBook {
  readonly #arrays = new Map<string, Tracked>();

  constructor(
    private readonly store: JobStore,
    /** Records a state of the array itself (the service publishes what is written). */
    private readonly record: (arrayId: string, status: JobStatus) => void,
    private readonly now: () => number,
  ) {}

  /** Starts (or restarts) following an array with this range; loads its elements' states. */
  follow(arrayId: string, range: string): void {
    const states = new Map<string, JobState>();
    const counts = new Map<JobState, number>();
    for (const e of this.store.arrayElements(arrayId)) {
      states.set(e.id, e.state);
      counts.set(e.state, (counts.get(e.state) ?? 0) + 1);
    }
    const size = arrayIndices(parseArrayRange(range)).length;
    this.#arrays.set(arrayId, { range, size, states, counts });
    this.#settle(arrayId);
  }

  /** An element's state was stored: the array's own state may follow. */
  elementChanged(id: string, state: JobState): string | undefined {
    const parts = splitElementId(id);
    const a = parts && this.#arrays.get(parts.arrayId);
    if (!a) return undefined;
    const before = a.states.get(id);
    if (before === state) return parts.arrayId;
    if (before !== undefined) a.counts.set(before, (a.counts.get(before) ?? 1) - 1);
    a.states.set(id, state);
    a.counts.set(state, (a.counts.get(state) ?? 0) + 1);
    this.#settle(parts.arrayId);
    return parts.arrayId;
  }

  #settle(arrayId: string): void {
    const a = this.#arrays.get(arrayId)!;
    const state = arrayState(a.counts, a.size);
    if (state === JobState.NEW) return;
    const final = isFinal(state);
    this.record(arrayId, {
      state,
      time: this.now(),
      message: final ? `${a.size} elements: ${countsText(a.counts)}` : undefined,
      metadata: { evidence: "elements" },
    });
    if (final) this.#arrays.delete(arrayId);
  }

  /** The summary of an array, from the book or, for one not followed, the store. */
  summary(arrayId: string, range: string): ArraySummary {
    let a = this.#arrays.get(arrayId);
    if (!a) {
      const counts = new Map<JobState, number>();
      for (const e of this.store.arrayElements(arrayId)) {
        counts.set(e.state, (counts.get(e.state) ?? 0) + 1);
      }
      a = { range, size: arrayIndices(parseArrayRange(range)).length, states: new Map(), counts };
    }
    const counts: Partial<Record<JobState, number>> = {};
    let final = 0;
    for (const [s, c] of a.counts) {
      if (c <= 0) continue;
      counts[s] = c;
      if (isFinal(s)) final += c;
    }
    return { range: a.range, size: a.size, counts, final: final === a.size };
  }
}
