/**
 * Checks for reading JSON documents: each failure is an InvalidJobException
 * whose message and `field` start with the JSON path of the bad value.
 * @module
 */

import { InvalidJobException } from "../errors.ts";
import { StageOutFlags, StagingMode } from "../staging.ts";

export type JsonObject = Record<string, unknown>;

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `$.a.b`, `$.a[3]`, or `$.a["pbs.l"]` for keys that are not identifiers. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  return IDENT_RE.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export function fail(path: string, reason: string): never {
  throw new InvalidJobException(`${path}: ${reason}`, { field: path });
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}

export function asObject(v: unknown, path: string): JsonObject {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    fail(path, `must be an object, got ${describe(v)}`);
  }
  return v as JsonObject;
}

export function asArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, `must be an array, got ${describe(v)}`);
  return v;
}

/** Rejects keys outside `allowed`; `hint` may suggest the right spelling. */
export function checkKeys(
  obj: JsonObject,
  allowed: readonly string[],
  path: string,
  hint?: (key: string) => string | undefined,
): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const extra = hint?.(key);
    fail(
      childPath(path, key),
      `unknown field${extra ? ` (${extra})` : ""}; known fields: ${allowed.join(", ")}`,
    );
  }
}

export function asString(v: unknown, path: string, allowEmpty = false): string {
  if (typeof v !== "string") fail(path, `must be a string, got ${describe(v)}`);
  if (!allowEmpty && v === "") fail(path, "must not be empty");
  if (v.includes("\0")) fail(path, "must not contain a NUL character");
  return v;
}

export function asBoolean(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") fail(path, `must be true or false, got ${describe(v)}`);
  return v;
}

/** A whole number of at least `min` (exact in a double, so it round-trips). */
export function asInteger(v: unknown, path: string, min: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    fail(
      path,
      `must be ${min === 0 ? "a non-negative" : "a positive"} integer, got ${describe(v)}`,
    );
  }
  return v;
}

export function asStringArray(v: unknown, path: string, allowEmpty: boolean): string[] {
  return asArray(v, path).map((s, i) => asString(s, childPath(path, i), allowEmpty));
}

export function asMode(v: unknown, path: string): StagingMode {
  const s = asString(v, path);
  if (!Object.hasOwn(StagingMode, s)) {
    fail(path, `unknown mode ${JSON.stringify(s)} (COPY, LINK, MOVE)`);
  }
  return s as StagingMode;
}

/** An array of StageOutFlags names, as a bitmask. */
export function asFlags(v: unknown, path: string): number {
  let flags = 0;
  asArray(v, path).forEach((name, i) => {
    const p = childPath(path, i);
    const s = asString(name, p);
    if (!Object.hasOwn(StageOutFlags, s)) {
      fail(p, `unknown flag ${JSON.stringify(s)} (${Object.keys(StageOutFlags).join(", ")})`);
    }
    flags |= StageOutFlags[s as keyof typeof StageOutFlags];
  });
  return flags;
}
