/**
 * JobSpec → `#SBATCH` directives. Generated directives come first, the user's
 * `slurm.*` custom attributes after them; a generated directive that a user
 * attribute also sets (under its long or short name) is left out, so the
 * user's choice wins without relying on sbatch's last-one-wins.
 * @module
 */

import { isSlurmJobId } from "./status.ts";
import {
  customOptions,
  dependencyValue,
  effectiveDuration,
  formatArrayRange,
  InvalidJobException,
  jobName,
  type JobSpec,
  parseArrayRange,
  resourcesOf,
} from "../../kit.ts";

/** One directive: the long option name and its raw (unquoted) value, if any. */
export interface Directive {
  /** `job-name`, or a user's own option as given (`qos`, `J`, ...). */
  option: string;
  value?: string;
  /** Where it came from: a spec field, or `attributes.customAttributes.slurm.<key>`. */
  field: string;
}

/** Short options sbatch accepts for the options we generate. */
const SHORT: Record<string, string> = {
  J: "job-name",
  N: "nodes",
  n: "ntasks",
  c: "cpus-per-task",
  t: "time",
  p: "partition",
  A: "account",
  o: "output",
  e: "error",
};

/** Options that set the same thing as a generated one. */
const SAME_AS: Record<string, string> = {
  "mem-per-cpu": "mem",
  "mem-per-gpu": "mem",
  "gpus": "gpus-per-task",
  "gres": "gpus-per-task",
};

/** The generated option a user's option replaces. */
export function canonicalOption(option: string): string {
  const long = SHORT[option] ?? option.toLowerCase();
  return SAME_AS[long] ?? long;
}

/**
 * `D-HH:MM:SS` (days only when there are any), fractional seconds rounded up.
 * Slurm itself rounds a limit up to whole minutes.
 */
export function slurmTime(seconds: number): string {
  const total = Math.ceil(seconds);
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d > 0 ? `${d}-` : ""}${two(h)}:${two(m)}:${two(s)}`;
}

/** Memory per node, in KiB rounded up: PSI/J's memory is for the whole job, `--mem` per node. */
export function memoryPerNode(bytes: number, nodes: number): string {
  return `${Math.ceil(bytes / nodes / 1024)}K`;
}

/** Control characters would end or corrupt a directive line; Slurm accepts the rest. */
export function slurmJobName(name: string): string {
  // deno-lint-ignore no-control-regex
  return name.replace(/[\x00-\x1f\x7f]/g, "_") || "job";
}

/**
 * A value as sbatch reads it on a `#SBATCH` line: sbatch honours double
 * quotes and takes a backslash as an escape everywhere (even inside single
 * quotes, unlike bash), and an unquoted `#` starts a comment. So: double
 * quotes, with `\` and `"` escaped. A line break cannot be represented.
 */
export function sbatchValue(value: string, field: string): string {
  if (/[\r\n\0]/.test(value)) {
    throw new InvalidJobException(
      `${field}: a line break or NUL cannot be placed in an #SBATCH directive`,
      { field },
    );
  }
  if (value !== "" && /^[A-Za-z0-9_\/.,:@%+=-]+$/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

const CUSTOM_KEY_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** The user's `slurm.*` custom attributes, validated, in the order given. */
export function customDirectives(spec: JobSpec): Directive[] {
  const rule = "an sbatch option name (letters, digits, _ and -)";
  return customOptions(spec, "slurm", CUSTOM_KEY_RE, rule)
    .map(({ name, value, field }) => ({ option: name, value, field }));
}

export interface DirectiveOptions {
  /** Where Slurm writes the batch script's own output (the job's goes to `.out`). */
  slurmOutputPath: string;
  /** The submission's stamp, carried in the job's comment for reconciliation. */
  stamp: string;
}

export const STAMP_COMMENT_PREFIX = "psij-agent:";

/** Every directive for a spec, generated ones first, overridden ones dropped. */
export function buildDirectives(spec: JobSpec, opts: DirectiveOptions): Directive[] {
  const custom = customDirectives(spec);
  const userSet = new Set(custom.map((d) => canonicalOption(d.option)));
  const r = resourcesOf(spec).computed();
  const a = spec.attributes ?? {};
  const gen: Directive[] = [];
  const add = (option: string, value: string | undefined, field: string) => {
    if (!userSet.has(option)) gen.push({ option, value, field });
  };
  add("job-name", slurmJobName(jobName(spec)), "name");
  add("nodes", String(r.nodeCount), "resources.nodeCount");
  add("ntasks", String(r.processCount), "resources.processCount");
  add("ntasks-per-node", String(r.processesPerNode), "resources.processesPerNode");
  add("cpus-per-task", String(r.cpuCoresPerProcess), "resources.cpuCoresPerProcess");
  if (r.gpuCoresPerProcess > 0) {
    add("gpus-per-task", String(r.gpuCoresPerProcess), "resources.gpuCoresPerProcess");
  }
  if (r.memory !== undefined) add("mem", memoryPerNode(r.memory, r.nodeCount), "resources.memory");
  if (r.exclusiveNodeUse) add("exclusive", undefined, "resources.exclusiveNodeUse");
  add("time", slurmTime(effectiveDuration(a)), "attributes.duration");
  if (a.queueName) add("partition", a.queueName, "attributes.queueName");
  if (a.account) add("account", a.account, "attributes.account");
  if (a.reservationId) add("reservation", a.reservationId, "attributes.reservationId");
  // The script exports the spec's environment itself (and clears the rest when
  // inheritEnvironment is false); sbatch passes the submitter's environment.
  add("export", "ALL", "inheritEnvironment");
  add("output", opts.slurmOutputPath, "output");
  add("comment", `${STAMP_COMMENT_PREFIX}${opts.stamp}`, "stamp");
  const depend = dependencyValue(spec, isSlurmJobId, "Slurm");
  if (depend) add("dependency", depend, "dependsOn");
  if (spec.hold) add("hold", undefined, "hold");
  if (spec.array !== undefined) {
    add("array", formatArrayRange(parseArrayRange(spec.array)), "array");
  }
  return [...gen, ...custom];
}

/** The text after `#SBATCH ` for each directive, values quoted as sbatch reads them. */
export function directiveLines(directives: readonly Directive[]): string[] {
  return directives.map((d) => {
    const flag = d.option.length === 1 ? `-${d.option}` : `--${d.option}`;
    if (d.value === undefined) return flag;
    const v = sbatchValue(d.value, d.field);
    return d.option.length === 1 ? `${flag} ${v}` : `${flag}=${v}`;
  });
}
