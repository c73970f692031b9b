/**
 * Writing a JobSpec in either JSON form: every field that is set (even to
 * its default, so a round trip keeps it), resources as given (never the
 * computed values), flags as names.
 * @module
 */

import type { JobAttributes } from "../job-attributes.ts";
import type { Dependency, JobSpec } from "../job-spec.ts";
import { type ResourceSpecFields, ResourceSpecV1 } from "../resources.ts";
import { type StageIn, type StageOut, stageOutFlagNames } from "../staging.ts";
import type { JsonObject } from "./check.ts";
import type { Form } from "./forms.ts";
import { ATTRIBUTE_FIELDS, RESOURCE_FIELDS, SPEC_FIELDS } from "./read.ts";

export function writeSpec(spec: JobSpec, form: Form): JsonObject {
  const out: JsonObject = {};
  for (const field of SPEC_FIELDS) {
    const v = spec[field];
    if (v === undefined) continue;
    out[form.key(field)] = writeField(field, v, form);
  }
  return out;
}

function writeField(field: (typeof SPEC_FIELDS)[number], v: unknown, form: Form): unknown {
  switch (field) {
    case "arguments":
    case "cleanup":
      return [...(v as string[])];
    case "environment":
      return Object.fromEntries(Object.entries(v as Record<string, string | number>));
    case "resources":
      return writeResources(v as ResourceSpecV1 | ResourceSpecFields, form);
    case "attributes":
      return writeAttributes(v as JobAttributes, form);
    case "stageIn":
    case "stageOut":
      return (v as Array<StageIn | StageOut>).map((s) => writeStage(s, form));
    case "cleanupFlags":
      return stageOutFlagNames(v as number);
    case "dependsOn":
      return (v as Dependency[]).map((d) => d.when === undefined ? { job: d.job } : { ...d });
    default:
      return v;
  }
}

function writeResources(r: ResourceSpecV1 | ResourceSpecFields, form: Form): JsonObject {
  const given = r instanceof ResourceSpecV1 ? r.fields() : r;
  const out: JsonObject = {};
  if (form.resourcesVersionKey) out[form.resourcesVersionKey] = 1;
  for (const f of RESOURCE_FIELDS) {
    if (given[f] !== undefined) out[form.key(f)] = given[f];
  }
  return out;
}

function writeAttributes(a: JobAttributes, form: Form): JsonObject {
  const out: JsonObject = {};
  for (const f of ATTRIBUTE_FIELDS) {
    const v = a[f];
    if (v === undefined) continue;
    if (f === "duration") out[form.key(f)] = form.writeDuration(v as number);
    else if (f === "customAttributes") out[form.key(f)] = Object.fromEntries(Object.entries(v));
    else out[form.key(f)] = v;
  }
  return out;
}

function writeStage(s: StageIn | StageOut, form: Form): JsonObject {
  const out: JsonObject = { source: s.source, target: s.target };
  if (s.mode !== undefined) out[form.key("mode")] = s.mode;
  const flags = (s as StageOut).flags;
  if (flags !== undefined) out[form.key("flags")] = stageOutFlagNames(flags);
  return out;
}
