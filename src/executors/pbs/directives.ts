/**
 * JobSpec → `#PBS` directives. Generated directives come first, the user's
 * `pbs.*` custom attributes after them; where a user attribute sets the same
 * thing as a generated one, the generated one is left out, because PBS keeps
 * the first `-l place=` it reads and a user's choice must win.
 * @module
 */

import { isPbsJobId } from "./parse/index.ts";
import {
  type ComputedResources,
  customOptions,
  dependencyValue,
  directiveValue,
  effectiveDuration,
  formatArrayRange,
  formatHms,
  InvalidJobException,
  jobName,
  type JobSpec,
  parseArrayRange,
  resourcesOf,
} from "../../kit.ts";

/** One directive: the option letter(s) and the raw (unquoted) value, if any. */
export interface Directive {
  flag: string;
  value?: string;
  /** Where it came from: a spec field, or `attributes.customAttributes.pbs.<key>`. */
  field: string;
}

/** PBS accepts `[A-Za-z0-9_+.-]`, up to 230 characters (qsub ck_job_name). */
export const MAX_JOB_NAME = 230;

/** A PBS-legal job name: other characters become `_`; never empty. */
export function pbsJobName(name: string): string {
  const legal = Array.from(name).map((c) => /[A-Za-z0-9_+.-]/.test(c) ? c : "_").join("");
  return (legal || "job").slice(0, MAX_JOB_NAME);
}

/** Memory per chunk, rounded up to whole kilobytes (PBS sizes: `<n>kb`). */
function memoryPerChunk(bytes: number, chunks: number): string {
  return `${Math.ceil(bytes / chunks / 1024)}kb`;
}

/** `N:ncpus=..:mpiprocs=..[:ngpus=..][:mem=..]`: one chunk per node. */
export function selectValue(r: ComputedResources): string {
  let s = `${r.nodeCount}:ncpus=${r.processesPerNode * r.cpuCoresPerProcess}` +
    `:mpiprocs=${r.processesPerNode}`;
  if (r.gpuCoresPerProcess > 0) s += `:ngpus=${r.processesPerNode * r.gpuCoresPerProcess}`;
  if (r.memory !== undefined) s += `:mem=${memoryPerChunk(r.memory, r.nodeCount)}`;
  return s;
}

export function placeValue(r: ComputedResources): string {
  return r.exclusiveNodeUse ? "scatter:exclhost" : "scatter:shared";
}

/**
 * The queue of a reservation: pbs_rsub names a reservation `R123.server`
 * (`S123`, `M123` for standing and maintenance ones) and its queue `R123`.
 */
export function reservationQueue(id: string): string {
  return /^([RSM]\d+)\.\S+$/.exec(id)?.[1] ?? id;
}

/** Names of the resources a `-l` value sets (`select=..,walltime=..` → select, walltime). */
export function resourceNames(value: string): Set<string> {
  return new Set(
    value.split(",").map((p) => p.split("=")[0].trim().toLowerCase()).filter(Boolean),
  );
}

const CUSTOM_KEY_RE = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * qsub options that break what the executor relies on: qsub's printed job id
 * (the only link to the job it made), a batch script of our own that writes
 * one `.ec` for one native id, and a qsub that returns once the job is queued.
 */
const REFUSED: Record<string, string> = {
  z: "qsub would print no job id, so the job it makes could not be tracked",
  I: "an interactive job has no batch script to run",
  J: "a job array runs the script once per subjob under ids this executor does not follow; " +
    "submit one job per index instead",
  X: "X11 forwarding needs an interactive job",
};

/** qsub's getopt string (src/cmds/qsub.c GETOPT_ARGS): a letter before `:` takes a value. */
export const QSUB_GETOPT = "a:A:c:C:e:fhIj:J:k:l:m:M:N:o:p:q:r:R:S:u:v:VW:XzP:";

/**
 * The options qsub's getopt reads from `-<key>`: `zq` is `-z -q`, `Wblock=true`
 * is `-W block=true` (a letter that takes a value takes the rest of the key).
 */
export function getoptLetters(key: string): Array<{ letter: string; inline?: string }> {
  const out: Array<{ letter: string; inline?: string }> = [];
  for (let i = 0; i < key.length; i++) {
    const at = QSUB_GETOPT.indexOf(key[i]);
    if (at >= 0 && QSUB_GETOPT[at + 1] === ":") {
      out.push({ letter: key[i], inline: key.slice(i + 1) || undefined });
      break;
    }
    out.push({ letter: key[i] });
  }
  return out;
}

const BLOCK = /(^|,)\s*block\s*=\s*true\b/i;

/** Throws when a custom option would make qsub do what the executor cannot follow. */
export function checkSupported(name: string, value: string | undefined, field: string): void {
  for (const { letter, inline } of getoptLetters(name)) {
    const why = Object.hasOwn(REFUSED, letter) ? REFUSED[letter] : undefined;
    if (why) {
      throw new InvalidJobException(`${field}: -${letter} is not supported: ${why}`, { field });
    }
    if (letter === "W" && BLOCK.test(inline ?? value ?? "")) {
      throw new InvalidJobException(
        `${field}: block=true is not supported: qsub would not return until the job ends`,
        { field },
      );
    }
  }
}

/** The user's `pbs.*` custom attributes, validated, in the order given. */
export function customDirectives(spec: JobSpec): Directive[] {
  return customOptions(spec, "pbs", CUSTOM_KEY_RE, "a qsub option name (letters, digits, _)")
    .map(({ name, value, field }) => {
      checkSupported(name, value, field);
      return { flag: name, value, field };
    });
}

export interface DirectiveOptions {
  /** Where PBS writes the job's own stdout/stderr (script output goes to `.out`). */
  pbsOutputPath: string;
  pbsErrorPath: string;
  /** The submission's stamp, carried in Variable_List for reconciliation. */
  stamp: string;
}

/** Every directive for a spec, generated ones first, overridden ones dropped. */
export function buildDirectives(spec: JobSpec, opts: DirectiveOptions): Directive[] {
  const custom = customDirectives(spec);
  const userFlags = new Set(custom.map((d) => d.flag));
  const userResources = new Set(
    custom.filter((d) => d.flag === "l" && d.value).flatMap((d) => [...resourceNames(d.value!)]),
  );
  const r = resourcesOf(spec).computed();
  const a = spec.attributes ?? {};
  const gen: Directive[] = [];
  const add = (flag: string, value: string, field: string, resource?: string) => {
    if (resource ? userResources.has(resource) : userFlags.has(flag)) return;
    gen.push({ flag, value, field });
  };
  add("N", pbsJobName(jobName(spec)), "name");
  add("l", `select=${selectValue(r)}`, "resources", "select");
  add("l", `place=${placeValue(r)}`, "resources.exclusiveNodeUse", "place");
  add("l", `walltime=${formatHms(effectiveDuration(a))}`, "attributes.duration", "walltime");
  if (a.account) add("A", a.account, "attributes.account");
  // A reservation is a queue in PBS (R123 / S123): jobs for it are submitted to it.
  if (a.reservationId) add("q", reservationQueue(a.reservationId), "attributes.reservationId");
  else if (a.queueName) add("q", a.queueName, "attributes.queueName");
  // An array: one qsub -J; PBS writes each subjob's own -o/-e apart (^array_index^).
  const array = spec.array === undefined ? undefined : parseArrayRange(spec.array);
  if (array) gen.push({ flag: "J", value: formatArrayRange(array), field: "array" });
  const perIndex = array ? ".^array_index^" : "";
  add("o", opts.pbsOutputPath + perIndex, "output");
  add("e", opts.pbsErrorPath + perIndex, "output");
  gen.push({ flag: "v", value: `PSIJ_AGENT_STAMP=${opts.stamp}`, field: "stamp" });
  const depend = dependencyValue(spec, isPbsJobId, "PBS");
  if (depend) gen.push({ flag: "W", value: `depend=${depend}`, field: "dependsOn" });
  if (spec.hold && !userFlags.has("h")) gen.push({ flag: "h", field: "hold" });
  return [...gen, ...custom];
}

/** The text after `#PBS ` for each directive, values quoted for a directive line. */
export function directiveLines(directives: readonly Directive[]): string[] {
  return directives.map((d) =>
    d.value === undefined ? `-${d.flag}` : `-${d.flag} ${directiveValue(d.value, d.field)}`
  );
}
