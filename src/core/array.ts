/**
 * Job arrays, a psij-agent extension of the JobSpec: `first-last[:step][%limit]`,
 * the range syntax `qsub -J` (PBS 23.06, `%` for the limit) and
 * `sbatch --array` share. One element runs per index; `limit` caps how
 * many run at once.
 * @module
 */

import { InvalidJobException } from "./errors.ts";

export interface ArrayRange {
  first: number;
  last: number;
  step: number;
  /** At most this many elements run at once; unset: no cap of ours. */
  limit?: number;
}

/** The most elements one array may have (PBS's default max_array_size is 10000). */
export const MAX_ARRAY_ELEMENTS = 100_000;

const RANGE_RE = /^(\d{1,9})-(\d{1,9})(?::(\d{1,9}))?(?:%(\d{1,9}))?$/;

/** Parses the range, or throws an InvalidJobException naming `field` and the reason. */
export function parseArrayRange(text: unknown, field = "array"): ArrayRange {
  const bad = (why: string): never => {
    throw new InvalidJobException(`${field}: ${why}`, { field });
  };
  if (typeof text !== "string") return bad(`must be a string such as "1-100:2%10"`);
  const m = RANGE_RE.exec(text);
  if (!m) {
    return bad(
      `${
        JSON.stringify(text)
      } is not an index range: first-last[:step][%limit] with whole numbers, e.g. "1-100:2%10"`,
    );
  }
  const first = Number(m[1]), last = Number(m[2]);
  const step = m[3] === undefined ? 1 : Number(m[3]);
  const limit = m[4] === undefined ? undefined : Number(m[4]);
  if (last <= first) bad(`the last index (${last}) must be above the first (${first})`);
  if (step < 1) bad("the step must be at least 1");
  if (limit !== undefined && limit < 1) bad("the limit (after %) must be at least 1");
  const size = Math.floor((last - first) / step) + 1;
  if (size > MAX_ARRAY_ELEMENTS) {
    bad(`${size} elements; an array has at most ${MAX_ARRAY_ELEMENTS}`);
  }
  return limit === undefined ? { first, last, step } : { first, last, step, limit };
}

/** The indices of a range, in order. */
export function arrayIndices(r: ArrayRange): number[] {
  const out: number[] = [];
  for (let i = r.first; i <= r.last; i += r.step) out.push(i);
  return out;
}

/** The canonical text of a range (what the schedulers are given). */
export function formatArrayRange(r: ArrayRange): string {
  return `${r.first}-${r.last}${r.step === 1 ? "" : `:${r.step}`}${
    r.limit === undefined ? "" : `%${r.limit}`
  }`;
}

/** The agent's id of one element: `<array id>[<index>]`. */
export function elementId(arrayId: string, index: number): string {
  return `${arrayId}[${index}]`;
}

const ELEMENT_RE = /^(.+)\[(\d+)\]$/;

/** The array id and index of an element id, or undefined for any other id. */
export function splitElementId(id: string): { arrayId: string; index: number } | undefined {
  const m = ELEMENT_RE.exec(id);
  return m ? { arrayId: m[1], index: Number(m[2]) } : undefined;
}

/** The placeholder for the element's index in stdoutPath and stderrPath. */
export const INDEX_PLACEHOLDER = "{index}";

/** The variable every element finds its index in, whatever the scheduler. */
export const ARRAY_INDEX_VARIABLE = "PSIJ_ARRAY_INDEX";
