/**
 * JobSpec documents as clients send them: decoding and the stored form.
 *
 * Kept in one module so the agent switches to core's JSON forms (ours and
 * psij-python's) in one place.
 * @module
 */

import { InvalidJobException } from "../core/errors.ts";
import { type JobSpec, validateJobSpec } from "../core/job-spec.ts";

const TOP = new Set([
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
]);
const RESOURCES = new Set([
  "version",
  "nodeCount",
  "processCount",
  "processesPerNode",
  "cpuCoresPerProcess",
  "gpuCoresPerProcess",
  "exclusiveNodeUse",
  "memory",
]);
const ATTRIBUTES = new Set([
  "duration",
  "queueName",
  "account",
  "reservationId",
  "customAttributes",
]);

function checkKeys(obj: unknown, allowed: Set<string>, path: string): void {
  if (obj === undefined) return;
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    throw new InvalidJobException(`${path || "spec"}: must be a JSON object`, {
      field: path || "spec",
    });
  }
  for (const k of Object.keys(obj)) {
    if (!allowed.has(k)) {
      const field = path ? `${path}.${k}` : k;
      throw new InvalidJobException(`${field}: unknown field`, { field });
    }
  }
}

/** Decodes and validates a JobSpec document; throws InvalidJobException naming the field. */
export function parseSpecDocument(doc: unknown): JobSpec {
  checkKeys(doc, TOP, "");
  const d = doc as Record<string, any>;
  checkKeys(d.resources, RESOURCES, "resources");
  checkKeys(d.attributes, ATTRIBUTES, "attributes");
  const spec = structuredClone(d) as JobSpec;
  if (d.resources) {
    const { version, ...fields } = d.resources;
    if (version !== undefined && version !== 1) {
      throw new InvalidJobException("resources.version: only version 1 is known", {
        field: "resources.version",
      });
    }
    spec.resources = fields;
  }
  validateJobSpec(spec);
  return spec;
}

/** The stored (and returned) form of a spec: our JSON form. */
export function specToJson(spec: JobSpec): string {
  return JSON.stringify(spec);
}

export function specFromJson(text: string): JobSpec {
  return JSON.parse(text) as JobSpec;
}
