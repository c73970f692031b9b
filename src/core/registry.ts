/**
 * The executor registry: case-insensitive names, aliases, version constraints.
 * @module
 */

import { UnknownExecutorException } from "./errors.ts";
import type { JobExecutor } from "./executor.ts";

export interface ExecutorDescriptor<C = Record<string, unknown>> {
  name: string;
  aliases?: string[];
  version: string;
  description?: string;
  create(config?: C): JobExecutor;
}

const byName = new Map<string, ExecutorDescriptor<any>[]>();

export function registerExecutor<C>(d: ExecutorDescriptor<C>): void {
  for (const key of [d.name, ...(d.aliases ?? [])].map((n) => n.toLowerCase())) {
    const list = byName.get(key) ?? [];
    if (!list.some((x) => x.name === d.name && x.version === d.version)) list.push(d);
    list.sort((a, b) => compareVersions(b.version, a.version)); // newest first
    byName.set(key, list);
  }
}

/** Canonical descriptors, one per name and version. */
export function listExecutors(): ExecutorDescriptor<any>[] {
  const seen = new Set<ExecutorDescriptor<any>>();
  for (const list of byName.values()) list.forEach((d) => seen.add(d));
  return [...seen].sort((a, b) => a.name.localeCompare(b.name));
}

export function findExecutor(name: string, versionConstraint?: string): ExecutorDescriptor<any> {
  const list = byName.get(name.toLowerCase());
  if (!list) {
    const known = [...new Set(listExecutors().flatMap((d) => [d.name, ...(d.aliases ?? [])]))]
      .sort();
    throw new UnknownExecutorException(
      `unknown executor "${name}"; known executors: ${known.join(", ") || "(none registered)"}`,
    );
  }
  const match = versionConstraint
    ? list.find((d) => satisfies(d.version, versionConstraint))
    : list[0];
  if (!match) {
    throw new UnknownExecutorException(
      `executor "${name}" has no version matching "${versionConstraint}"; available: ${
        list.map((d) => d.version).join(", ")
      }`,
    );
  }
  return match;
}

export function createExecutor<C>(
  name: string,
  config?: C,
  versionConstraint?: string,
): JobExecutor {
  return findExecutor(name, versionConstraint).create(config);
}

function parts(v: string): number[] {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(v.trim());
  if (!m) throw new UnknownExecutorException(`"${v}" is not a version (expected N[.N[.N]])`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

export function compareVersions(a: string, b: string): number {
  const x = parts(a), y = parts(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/**
 * Constraints: comma- or space-separated terms, all of which must hold:
 * `>=1.2`, `>1`, `<=2`, `<2`, `=1.0.3` (or bare `1.0.3`), `^1.2` (same major),
 * `~1.2` (same major.minor).
 */
export function satisfies(version: string, constraint: string): boolean {
  // `>= 1.2` is one term: join operators to their version before splitting
  const terms = constraint.replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1").split(/[\s,]+/).filter(Boolean);
  return terms.every((t) => {
    const m = /^(>=|<=|>|<|=|\^|~)?\s*(.+)$/.exec(t)!;
    const op = m[1] ?? "=", want = m[2];
    const c = compareVersions(version, want);
    const [vM, vm] = parts(version), [wM, wm] = parts(want);
    switch (op) {
      case ">=":
        return c >= 0;
      case "<=":
        return c <= 0;
      case ">":
        return c > 0;
      case "<":
        return c < 0;
      case "^":
        return vM === wM && c >= 0;
      case "~":
        return vM === wM && vm === wm && c >= 0;
      default:
        return c === 0;
    }
  });
}
