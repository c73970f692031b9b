/**
 * Environment and path expansion, applied once by an executor at submit time.
 *
 * The PSI/J specification asks for "simple variable substitution ... using the
 * Bash brace syntax `${VARIABLE_NAME}`" in environment values and arguments,
 * and for a `directory` starting with `~/` to be relative to the home
 * directory. The exact rules (also in docs/jobspec-json.md, "Expansion"):
 *
 * - Only `${NAME}` is expanded, NAME matching `[A-Za-z_][A-Za-z0-9_]*`.
 *   `$NAME`, `$(...)`, `$1` and a lone `$` are left as written.
 * - An unknown variable expands to the empty string, as in Bash.
 * - Escape: in a run of `$` signs directly before `{`, each `$$` writes one
 *   literal `$`; if one `$` is left over, `${NAME}` is expanded, otherwise the
 *   `{...}` is literal. So `$${HOME}` gives `${HOME}`, `$$${HOME}` gives `$` and
 *   the value. A `$` run not followed by `{` is never touched (`$$` stays `$$`).
 * - `${` that does not form `${NAME}` (`${A:-x}`, `${1}`, `${HOME`) is an
 *   error, so unsupported Bash forms never pass silently.
 * - Environment values expand in their order in the object: each sees the
 *   entries before it (already expanded) and, when inheritEnvironment is
 *   true, the submitting process's environment. So `PATH: "/opt/bin:${PATH}"`
 *   extends the inherited PATH. Arguments see the whole resulting environment.
 * - `directory` is `~` or starts with `~/`: the `~` becomes the home
 *   directory. `~user` is not expanded; `${...}` in `directory` is not expanded.
 * @module
 */

import { InvalidJobException } from "./errors.ts";
import type { JobSpec } from "./job-spec.ts";

export type Environment = Readonly<Record<string, string | undefined>>;

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Expands `${NAME}` in `s` from `env`; `field` names the value in errors. */
export function expandString(s: string, env: Environment, field = "value"): string {
  if (!s.includes("${")) return s; // the common case: nothing to do
  let out = "";
  let i = 0;
  while (i < s.length) {
    const dollar = s.indexOf("$", i);
    if (dollar < 0) break;
    let end = dollar;
    while (s[end] === "$") end++;
    out += s.slice(i, dollar);
    if (s[end] !== "{") {
      out += s.slice(dollar, end); // a `$` run without a brace is literal
      i = end;
      continue;
    }
    const run = end - dollar;
    out += "$".repeat(Math.floor(run / 2));
    if (run % 2 === 0) {
      out += "{"; // escaped: the brace and what follows are plain text
      i = end + 1;
      continue;
    }
    const close = s.indexOf("}", end);
    const name = close < 0 ? "" : s.slice(end + 1, close);
    if (!NAME_RE.test(name)) {
      const shown = close < 0 ? s.slice(dollar) : s.slice(dollar, close + 1);
      throw new InvalidJobException(
        `${field}: "${shown}" is not a supported expansion (only \${NAME}; write $\${ for a literal \${)`,
        { field },
      );
    }
    out += env[name] ?? "";
    i = close + 1;
  }
  return out + s.slice(i);
}

/** `~` or `~/...` at the start of a path becomes the home directory. */
export function expandHome(path: string, home: string): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return home.replace(/\/+$/, "") + path.slice(1);
  return path;
}

/**
 * The job's environment after expansion: the spec's entries in order, over
 * the process environment when the spec inherits it.
 */
export function expandEnvironment(
  spec: JobSpec,
  processEnv: Environment,
): Record<string, string> {
  const inherit = spec.inheritEnvironment ?? true;
  const scope: Record<string, string | undefined> = inherit ? { ...processEnv } : {};
  const result: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.environment ?? {})) {
    const value = typeof v === "number" ? String(v) : expandString(v, scope, `environment.${k}`);
    result[k] = value;
    scope[k] = value;
  }
  return result;
}

/**
 * A new spec with environment values, arguments and directory expanded (the
 * given spec is not changed). Environment values all become strings.
 */
export function expandSpec(spec: JobSpec, processEnv: Environment, home: string): JobSpec {
  const out: JobSpec = { ...spec };
  const inherit = spec.inheritEnvironment ?? true;
  let jobEnv: Environment = inherit ? processEnv : {};
  if (spec.environment !== undefined) {
    const env = expandEnvironment(spec, processEnv);
    out.environment = env;
    jobEnv = { ...jobEnv, ...env };
  }
  if (spec.arguments !== undefined) {
    out.arguments = spec.arguments.map((a, i) => expandString(a, jobEnv, `arguments[${i}]`));
  }
  if (spec.directory !== undefined) out.directory = expandHome(spec.directory, home);
  return out;
}
