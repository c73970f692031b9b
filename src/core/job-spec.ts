/**
 * JobSpec: what to run, where, with which resources. Every field is optional
 * until submit; `validateJobSpec` says what is wrong, naming the field.
 * @module
 */

import { parseArrayRange } from "./array.ts";
import { InvalidJobException } from "./errors.ts";
import { expandString } from "./expand.ts";
import { type JobAttributes, validateAttributes } from "./job-attributes.ts";
import { computeResources, type ResourceSpecFields, ResourceSpecV1 } from "./resources.ts";
import { type StageIn, type StageOut, StageOutFlags, StagingMode } from "./staging.ts";

export interface JobSpec {
  executable?: string;
  arguments?: string[];
  /** Working directory; `~/` is expanded to the user's home. */
  directory?: string;
  /** Defaults to the executable's base name. */
  name?: string;
  /** Default true. */
  inheritEnvironment?: boolean;
  /** Numbers become strings; `${VAR}` in values is expanded (see expand.ts). */
  environment?: Record<string, string | number>;
  /** Each defaults to /dev/null. */
  stdinPath?: string;
  stdoutPath?: string;
  stderrPath?: string;
  resources?: ResourceSpecV1 | ResourceSpecFields;
  attributes?: JobAttributes;
  /** Scripts sourced in the job's shell before / after the launch. */
  preLaunch?: string;
  postLaunch?: string;
  /** Default `single`. */
  launcher?: string;
  stageIn?: StageIn[];
  stageOut?: StageOut[];
  /** Paths (inside the job directory) removed after the job. */
  cleanup?: string[];
  /** StageOutFlags bitmask saying when cleanup runs; default ALWAYS. */
  cleanupFlags?: number;
  /**
   * psij-agent's extension: run the job once per index of this range,
   * `first-last[:step][%limit]` (see array.ts, docs/jobspec-json.md).
   */
  array?: string;
  /**
   * psij-agent's own: jobs that must end (as `when` says) before this one
   * starts. To the agent `job` is a psij-agent id; to an executor it is a
   * native id of the same executor (the agent translates).
   */
  dependsOn?: Dependency[];
  /** psij-agent's own: submitted held; it starts only once released. */
  hold?: boolean;
  /**
   * psij-agent's extension: the user's own batch script (its text), run as
   * the job in place of `executable`, its `#PBS`/`#SBATCH` directives
   * honoured by the executor that reads them (docs/jobspec-json.md).
   */
  batchScript?: string;
}

/** How a dependency must have ended: `ok` (COMPLETED), `notok` (FAILED), `any`. */
export type DependencyWhen = "ok" | "notok" | "any";
export const DEPENDENCY_WHEN: readonly DependencyWhen[] = ["ok", "notok", "any"];

export interface Dependency {
  job: string;
  /** Default `ok`. */
  when?: DependencyWhen;
}

export const DEFAULT_LAUNCHER = "single";

export function jobName(spec: JobSpec): string {
  if (spec.name) return spec.name;
  const exe = spec.executable ?? "job";
  return exe.split("/").filter(Boolean).pop() ?? "job";
}

export function resourcesOf(spec: JobSpec): ResourceSpecV1 {
  const r = spec.resources;
  return r instanceof ResourceSpecV1 ? r : new ResourceSpecV1(r ?? {});
}

/** String form of the environment (numbers become strings). */
export function environmentOf(spec: JobSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.environment ?? {})) out[k] = String(v);
  return out;
}

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(field: string, reason: string): never {
  throw new InvalidJobException(`${field}: ${reason}`, { field });
}

function checkString(v: unknown, field: string, allowEmpty = false): void {
  if (v === undefined) return;
  if (typeof v !== "string") fail(field, `must be a string, got ${typeof v}`);
  if (!allowEmpty && v === "") fail(field, "must not be empty");
  if (v.includes("\0")) fail(field, "must not contain a NUL character");
}

/** Throws InvalidJobException naming the first bad field. */
export function validateJobSpec(spec: JobSpec | undefined): void {
  if (!spec) throw new InvalidJobException("the job has no spec", { field: "spec" });
  if (spec.batchScript !== undefined) {
    checkString(spec.batchScript, "batchScript");
    if (spec.executable !== undefined) {
      fail("batchScript", "a job runs either an executable or a batchScript, not both");
    }
  } else if (!spec.executable) fail("executable", "is required");
  checkString(spec.executable, "executable");
  if (spec.arguments !== undefined) {
    if (!Array.isArray(spec.arguments)) fail("arguments", "must be an array of strings");
    spec.arguments.forEach((a, i) => {
      checkString(a, `arguments[${i}]`, true);
      checkExpansion(a, `arguments[${i}]`);
    });
  }
  for (
    const f of [
      "directory",
      "name",
      "stdinPath",
      "stdoutPath",
      "stderrPath",
      "preLaunch",
      "postLaunch",
      "launcher",
    ] as const
  ) {
    checkString(spec[f], f);
  }
  if (spec.inheritEnvironment !== undefined && typeof spec.inheritEnvironment !== "boolean") {
    fail("inheritEnvironment", "must be true or false");
  }
  for (const [k, v] of Object.entries(spec.environment ?? {})) {
    if (!ENV_NAME_RE.test(k)) {
      fail(`environment.${k}`, "is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)");
    }
    if (typeof v === "number") {
      if (!Number.isFinite(v)) fail(`environment.${k}`, "must be a finite number");
    } else if (typeof v !== "string") {
      fail(
        `environment.${k}`,
        `must be a string or a number, got ${v === null ? "null" : typeof v}`,
      );
    } else if (v.includes("\0")) fail(`environment.${k}`, "must not contain a NUL character");
    else checkExpansion(v, `environment.${k}`);
  }
  computeResources(resourcesOf(spec));
  if (spec.attributes) validateAttributes(spec.attributes);
  spec.stageIn?.forEach((s, i) => validateStaging(s, `stageIn[${i}]`));
  spec.stageOut?.forEach((s, i) => {
    validateStaging(s, `stageOut[${i}]`);
    if (s.flags !== undefined && !validFlags(s.flags)) {
      fail(`stageOut[${i}].flags`, "is not a StageOutFlags bitmask (0..15)");
    }
  });
  spec.cleanup?.forEach((p, i) => checkString(p, `cleanup[${i}]`));
  if (spec.cleanupFlags !== undefined && !validFlags(spec.cleanupFlags)) {
    fail("cleanupFlags", "is not a StageOutFlags bitmask (0..15)");
  }
  if (spec.array !== undefined) parseArrayRange(spec.array);
  if (spec.dependsOn !== undefined) {
    if (!Array.isArray(spec.dependsOn)) fail("dependsOn", "must be an array of {job, when}");
    spec.dependsOn.forEach((d, i) => {
      if (!d || typeof d !== "object") fail(`dependsOn[${i}]`, "must be an object {job, when}");
      checkString(d.job, `dependsOn[${i}].job`);
      if (!d.job) fail(`dependsOn[${i}].job`, "is required");
      if (d.when !== undefined && !DEPENDENCY_WHEN.includes(d.when)) {
        fail(`dependsOn[${i}].when`, `must be one of ${DEPENDENCY_WHEN.join(", ")}`);
      }
    });
  }
  if (spec.hold !== undefined && typeof spec.hold !== "boolean") {
    fail("hold", "must be true or false");
  }
}

// Refuse at validation what expandSpec would refuse at submit (`${A:-x}`).
function checkExpansion(s: string, field: string): void {
  expandString(s, {}, field);
}

function validFlags(f: unknown): boolean {
  return typeof f === "number" && Number.isInteger(f) && f >= 0 && f <= 15;
}

function validateStaging(s: StageIn | StageOut, field: string): void {
  if (!s || typeof s !== "object") fail(field, "must be an object with source and target");
  checkString(s.source, `${field}.source`);
  checkString(s.target, `${field}.target`);
  if (!s.source) fail(`${field}.source`, "is required");
  if (!s.target) fail(`${field}.target`, "is required");
  if (s.mode !== undefined && !Object.hasOwn(StagingMode, s.mode)) {
    fail(`${field}.mode`, "must be COPY, LINK or MOVE");
  }
}

export const DEFAULT_CLEANUP_FLAGS = StageOutFlags.ALWAYS;
