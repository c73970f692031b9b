/**
 * glibc getopt(3) as the PBS commands use it: clustered flags, attached or
 * separate values, operands permuted to the end, `--` ends options, and
 * glibc's own error lines.
 * @module
 */

export interface GetoptResult {
  /** Options in the order given: [letter, value|undefined]. */
  opts: [string, string | undefined][];
  operands: string[];
  /** Words after a literal `--` (undefined when there was none). */
  afterDashDash?: string[];
  /** glibc's message for the first bad option (without the trailing newline). */
  error?: string;
}

export function getopt(cmd: string, args: readonly string[], spec: string): GetoptResult {
  const takes = new Map<string, boolean>();
  for (let i = 0; i < spec.length; i++) {
    if (spec[i] === ":") continue;
    takes.set(spec[i], spec[i + 1] === ":");
  }
  const out: GetoptResult = { opts: [], operands: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      out.afterDashDash = args.slice(i + 1);
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      out.operands.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      const needs = takes.get(c);
      if (needs === undefined) {
        out.error ??= `${cmd}: invalid option -- '${c}'`;
        continue;
      }
      if (!needs) {
        out.opts.push([c, undefined]);
        continue;
      }
      if (j + 1 < a.length) out.opts.push([c, a.slice(j + 1)]);
      else if (i + 1 < args.length) out.opts.push([c, args[++i]]);
      else out.error ??= `${cmd}: option requires an argument -- '${c}'`;
      break;
    }
  }
  return out;
}
