/**
 * Reading a JobSpec from either JSON form, strictly: unknown keys, wrong
 * types and inconsistent resources are errors naming the JSON path. A null
 * in an optional field is that field left out (docs/jobspec-json.md).
 * @module
 */

import type { CustomAttributeValue, JobAttributes } from "../job-attributes.ts";
import { isCustomAttributeKey } from "../job-attributes.ts";
import {
  type Dependency,
  DEPENDENCY_WHEN,
  type DependencyWhen,
  type JobSpec,
} from "../job-spec.ts";
import { type ResourceSpecFields, ResourceSpecV1 } from "../resources.ts";
import type { StageIn, StageOut } from "../staging.ts";
import {
  asArray,
  asBoolean,
  asFlags,
  asInteger,
  asMode,
  asObject,
  asString,
  asStringArray,
  checkKeys,
  childPath,
  fail,
  type JsonObject,
} from "./check.ts";
import { expandString } from "../expand.ts";
import { parseArrayRange } from "../array.ts";
import type { Form } from "./forms.ts";

/** Model fields of a JobSpec, in the order writers emit them. */
export const SPEC_FIELDS = [
  "executable",
  "arguments",
  "directory",
  "name",
  "inheritEnvironment",
  "environment",
  "stdinPath",
  "stdoutPath",
  "stderrPath",
  "resources",
  "attributes",
  "preLaunch",
  "postLaunch",
  "launcher",
  "stageIn",
  "stageOut",
  "cleanup",
  "cleanupFlags",
  "array",
  "dependsOn",
  "hold",
  "batchScript",
] as const;

export const RESOURCE_FIELDS = [
  "nodeCount",
  "processCount",
  "processesPerNode",
  "cpuCoresPerProcess",
  "gpuCoresPerProcess",
  "exclusiveNodeUse",
  "memory",
] as const;

export const ATTRIBUTE_FIELDS = [
  "duration",
  "queueName",
  "account",
  "reservationId",
  "customAttributes",
] as const;

const STRING_FIELDS = new Set([
  "executable",
  "directory",
  "name",
  "stdinPath",
  "stdoutPath",
  "stderrPath",
  "preLaunch",
  "postLaunch",
  "launcher",
  "batchScript",
]);

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Whether an optional field is given: an explicit `null` is the field left
 * out (its default), as psij-python's reader takes it and as Python's
 * `json.dumps` writes an unset value. A null is never a value itself: not in
 * an array, an environment value or a custom attribute.
 */
function given(obj: JsonObject, key: string): boolean {
  return Object.hasOwn(obj, key) && obj[key] !== null;
}

/** Reads the spec fields of `obj` (the caller has removed any top-level version). */
export function readSpec(
  obj: JsonObject,
  form: Form,
  path: string,
  hint?: (key: string) => string | undefined,
): JobSpec {
  checkKeys(obj, SPEC_FIELDS.map(form.key), path, hint);
  const spec: JobSpec = {};
  for (const field of SPEC_FIELDS) {
    const key = form.key(field);
    if (!given(obj, key)) continue;
    const v = obj[key];
    const p = childPath(path, key);
    if (STRING_FIELDS.has(field)) (spec as Record<string, unknown>)[field] = asString(v, p);
    else if (field === "arguments") {
      spec.arguments = asStringArray(v, p, true);
      spec.arguments.forEach((a, i) => expandable(a, childPath(p, i)));
    } else if (field === "inheritEnvironment") spec.inheritEnvironment = asBoolean(v, p);
    else if (field === "environment") spec.environment = readEnvironment(v, p);
    else if (field === "resources") spec.resources = readResources(v, form, p);
    else if (field === "attributes") spec.attributes = readAttributes(v, form, p);
    else if (field === "stageIn") {
      spec.stageIn = asArray(v, p).map((s, i) => readStage(s, form, childPath(p, i), false));
    } else if (field === "stageOut") {
      spec.stageOut = asArray(v, p).map((s, i) => readStage(s, form, childPath(p, i), true));
    } else if (field === "cleanup") spec.cleanup = asStringArray(v, p, false);
    else if (field === "cleanupFlags") spec.cleanupFlags = asFlags(v, p);
    else if (field === "array") spec.array = readArray(v, p);
    else if (field === "dependsOn") {
      spec.dependsOn = asArray(v, p).map((d, i) => readDependency(d, childPath(p, i)));
    } else if (field === "hold") spec.hold = asBoolean(v, p);
  }
  return spec;
}

/** The range as given, once it reads (see core/array.ts). */
function readArray(v: unknown, path: string): string {
  const text = asString(v, path);
  parseArrayRange(text, path);
  return text;
}

function readDependency(v: unknown, path: string): Dependency {
  const o = asObject(v, path);
  checkKeys(o, ["job", "when"], path);
  if (!given(o, "job")) fail(childPath(path, "job"), "is required");
  const job = asString(o.job, childPath(path, "job"));
  if (job === "") fail(childPath(path, "job"), "must not be empty");
  if (!given(o, "when")) return { job };
  const when = asString(o.when, childPath(path, "when"));
  if (!(DEPENDENCY_WHEN as readonly string[]).includes(when)) {
    fail(childPath(path, "when"), `must be one of ${DEPENDENCY_WHEN.join(", ")}, got "${when}"`);
  }
  return { job, when: when as DependencyWhen };
}

function readEnvironment(v: unknown, path: string): Record<string, string | number> {
  // fromEntries, not assignment: a variable named __proto__ stays a variable
  return Object.fromEntries(
    Object.entries(asObject(v, path)).map(([k, value]) => {
      const p = childPath(path, k);
      if (!ENV_NAME_RE.test(k)) fail(p, "is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)");
      if (typeof value === "number") {
        if (!Number.isFinite(value)) fail(p, `must be a finite number, got ${value}`);
        return [k, value];
      }
      return [k, expandable(asString(value, p, true), p)];
    }),
  );
}

/** Refuses `${...}` that expansion would refuse at submit (`${A:-x}`). */
function expandable(s: string, path: string): string {
  expandString(s, {}, path);
  return s;
}

function readResources(v: unknown, form: Form, path: string): ResourceSpecV1 {
  const obj = asObject(v, path);
  const keys: string[] = RESOURCE_FIELDS.map(form.key);
  const vk = form.resourcesVersionKey;
  if (vk) {
    keys.push(vk);
    if (!Object.hasOwn(obj, vk)) fail(childPath(path, vk), "is required (1 for ResourceSpecV1)");
    if (obj[vk] !== 1) {
      fail(
        childPath(path, vk),
        `unsupported resource spec version ${JSON.stringify(obj[vk])} (only 1)`,
      );
    }
  }
  checkKeys(obj, keys, path);
  const fields: ResourceSpecFields = {};
  const at = (f: string) => childPath(path, form.key(f));
  for (const f of RESOURCE_FIELDS) {
    if (!given(obj, form.key(f))) continue;
    const value = obj[form.key(f)];
    if (f === "exclusiveNodeUse") fields.exclusiveNodeUse = asBoolean(value, at(f));
    else fields[f] = asInteger(value, at(f), f === "gpuCoresPerProcess" ? 0 : 1);
  }
  const { nodeCount: n, processCount: p, processesPerNode: q } = fields;
  const name = (f: string) => form.key(f);
  if (n !== undefined && p !== undefined && q !== undefined && n * q !== p) {
    fail(
      at("processCount"),
      `must equal ${name("nodeCount")} × ${name("processesPerNode")} (${n} × ${q} = ${
        n * q
      }), got ${p}`,
    );
  }
  if (n !== undefined && p !== undefined && q === undefined && p % n !== 0) {
    fail(at("processCount"), `${p} is not divisible by ${name("nodeCount")} (${n})`);
  }
  if (n === undefined && p !== undefined && q !== undefined && p % q !== 0) {
    fail(at("processCount"), `${p} is not divisible by ${name("processesPerNode")} (${q})`);
  }
  return new ResourceSpecV1(fields);
}

function readAttributes(v: unknown, form: Form, path: string): JobAttributes {
  const obj = asObject(v, path);
  checkKeys(obj, [...ATTRIBUTE_FIELDS.map(form.key), ...Object.keys(form.attributeAliases)], path);
  const attrs: JobAttributes = {};
  for (const f of ATTRIBUTE_FIELDS) {
    const key = form.key(f);
    if (!given(obj, key)) continue;
    const p = childPath(path, key);
    const value = obj[key];
    if (f === "duration") attrs.duration = form.readDuration(value, p);
    else if (f === "customAttributes") attrs.customAttributes = readCustom(value, p);
    else attrs[f] = asString(value, p);
  }
  for (const [alias, field] of Object.entries(form.attributeAliases)) {
    if (!given(obj, alias)) continue;
    const p = childPath(path, alias);
    const value = asString(obj[alias], p);
    const current = (attrs as Record<string, unknown>)[field];
    if (current !== undefined && current !== value) {
      fail(p, `conflicts with ${form.key(field)} (${JSON.stringify(current)}); give one of them`);
    }
    (attrs as Record<string, unknown>)[field] = value;
  }
  return attrs;
}

function readCustom(v: unknown, path: string): Record<string, CustomAttributeValue> {
  return Object.fromEntries(
    Object.entries(asObject(v, path)).map(([k, value]) => {
      const p = childPath(path, k);
      if (!isCustomAttributeKey(k)) {
        fail(p, `keys must look like <executor>.<flag> (e.g. "pbs.l", "slurm.qos")`);
      }
      if (!["string", "number", "boolean"].includes(typeof value)) {
        fail(
          p,
          `must be a string, number or boolean, got ${
            value === null ? "null" : Array.isArray(value) ? "an array" : typeof value
          }`,
        );
      }
      return [k, value as CustomAttributeValue];
    }),
  );
}

function readStage(v: unknown, form: Form, path: string, out: boolean): StageIn | StageOut {
  const obj = asObject(v, path);
  const keys = ["source", "target", "mode", ...(out ? ["flags"] : [])].map(form.key);
  checkKeys(obj, keys, path);
  for (const k of ["source", "target"]) {
    if (!given(obj, k)) fail(childPath(path, k), "is required");
  }
  const stage: StageOut = {
    source: asString(obj.source, childPath(path, "source")),
    target: asString(obj.target, childPath(path, "target")),
  };
  if (given(obj, "mode")) stage.mode = asMode(obj.mode, childPath(path, "mode"));
  if (out && given(obj, "flags")) {
    stage.flags = asFlags(obj.flags, childPath(path, "flags"));
  }
  return stage;
}
