/**
 * The two JSON forms of a JobSpec differ only in key spelling, in how the
 * walltime is written, and in psij-python's `__version` marker on resources.
 * A Form captures exactly those differences; read.ts and write.ts do the rest.
 * @module
 */

import { parseWalltime } from "../walltime.ts";
import { fail } from "./check.ts";

export interface Form {
  /** For messages: "psij-agent" or "psij-python". */
  readonly label: string;
  /** The key of a (camelCase) model field in this form. */
  key(field: string): string;
  readDuration(v: unknown, path: string): number;
  writeDuration(seconds: number): unknown;
  /** psij-python tags resources with `"__version": 1`; ours does not. */
  readonly resourcesVersionKey?: string;
  /** Extra accepted attribute keys and the model field they feed. */
  readonly attributeAliases: Readonly<Record<string, string>>;
}

function positiveSeconds(n: number, path: string): number {
  if (!Number.isFinite(n) || n <= 0) fail(path, `must be a positive number of seconds, got ${n}`);
  return n;
}

/** Ours: seconds as a number; any walltime string is accepted on input. */
export const OURS: Form = {
  label: "psij-agent",
  key: (field) => field,
  readDuration(v, path) {
    if (typeof v === "number") return positiveSeconds(v, path);
    if (typeof v === "string") return positiveSeconds(parseWalltime(v, path), path);
    return fail(path, `must be seconds (a number) or a walltime string such as "01:30:00"`);
  },
  writeDuration: (seconds) => seconds,
  attributeAliases: {},
};

export function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

// Python's `"%s s" % total_seconds()`: repr of a float, exponents included.
const PY_SECONDS_RE = /^([0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)\s*s$/;

/** psij-python: a string; it writes `"7230.0 s"`, and any walltime syntax is read. */
export const PSIJ: Form = {
  label: "psij-python",
  key: snakeCase,
  readDuration(v, path) {
    if (typeof v !== "string") {
      return fail(path, `must be a string such as "600.0 s" or "01:30:00", got ${typeof v}`);
    }
    const m = PY_SECONDS_RE.exec(v.trim());
    return positiveSeconds(m ? Number(m[1]) : parseWalltime(v, path), path);
  },
  writeDuration: (seconds) => `${pythonFloat(seconds)} s`,
  resourcesVersionKey: "__version",
  // psij-python's deprecated name for `account`, which it also writes
  attributeAliases: { project_name: "account" },
};

/**
 * Python's repr of a float: shortest round-trip digits (as JavaScript), but
 * `.0` on whole numbers and exponent form below 1e-4 and from 1e16 on.
 */
export function pythonFloat(n: number): string {
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    return n.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  const s = String(n);
  return s.includes(".") ? s : `${s}.0`;
}
