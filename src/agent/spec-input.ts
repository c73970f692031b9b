/**
 * JobSpec documents as clients send them (our JSON form or psij-python's,
 * decoded by core/json), and the form the store keeps (ours).
 * @module
 */

import { type JobSpec, validateJobSpec } from "../core/job-spec.ts";
import { jobSpecFromJson, jobSpecToJson, parseJobSpecDocument } from "../core/json/index.ts";

/** Decodes and validates a JobSpec document; throws InvalidJobException naming the field. */
export function parseSpecDocument(doc: unknown): JobSpec {
  const spec = parseJobSpecDocument(doc);
  validateJobSpec(spec);
  return spec;
}

/** The stored (and returned) form of a spec: our JSON form, as text. */
export function specToJson(spec: JobSpec): string {
  return JSON.stringify(jobSpecToJson(spec));
}

export function specFromJson(text: string): JobSpec {
  return jobSpecFromJson(JSON.parse(text));
}
