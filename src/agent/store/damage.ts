/**
 * Text columns the store keeps as JSON (a job's spec, its rendered history, a
 * transition's metadata) are served as stored, without re-serialising them.
 * A row damaged in place (a disk error, a hand edit, a bad copy) would then
 * reach clients as broken JSON. These checks find such a value so that it is
 * reported, as a `damaged` entry naming the part, instead.
 * @module
 */

/** One damaged part of a stored job, as the API reports it. */
export interface Damage {
  /** `spec`, `history`, or `history[seq 3].metadata`. */
  part: string;
  problem: string;
}

/**
 * Why `text` is not the JSON `kind` it should be (an object, an array), or
 * undefined when it is.
 */
export function jsonProblem(text: unknown, kind: "object" | "array"): string | undefined {
  if (typeof text !== "string") return `not text but ${text === null ? "null" : typeof text}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `not valid JSON (${(err as Error).message})`;
  }
  const ok = kind === "array"
    ? Array.isArray(value)
    : value !== null && typeof value === "object" && !Array.isArray(value);
  return ok ? undefined : `valid JSON but not a JSON ${kind}`;
}
