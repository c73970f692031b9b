/**
 * JobSpec documents as clients send them (our JSON form or psij-python's,
 * decoded by core/json), and the form the store keeps (ours). Every error
 * about a document names the JSON path of the value at fault, in the form
 * the client wrote, whichever layer found it.
 * @module
 */

import { InvalidJobException } from "../core/errors.ts";
import { type JobSpec, validateJobSpec } from "../core/job-spec.ts";
import {
  jobSpecFromJson,
  jobSpecToJson,
  parseJobSpecDocument,
  specFieldPath,
} from "../core/json/index.ts";

/** Decodes and validates a JobSpec document; throws InvalidJobException naming the JSON path. */
export function parseSpecDocument(doc: unknown): JobSpec {
  const spec = parseJobSpecDocument(doc);
  try {
    validateJobSpec(spec);
  } catch (err) {
    throw atDocumentPath(err, doc);
  }
  return spec;
}

/**
 * `err` with its field as a JSON path into `doc` (`attributes.account` →
 * `$.attributes.account`, also at the head of the message), when it is an
 * InvalidJobException naming a spec field; anything else as it is.
 */
export function atDocumentPath(err: unknown, doc: unknown): unknown {
  if (!(err instanceof InvalidJobException) || err.field === undefined) return err;
  const path = specFieldPath(err.field, doc);
  if (path === undefined || path === err.field) return err;
  const head = `${err.field}: `;
  const message = err.message.startsWith(head)
    ? `${path}: ${err.message.slice(head.length)}`
    : `${path}: ${err.message}`;
  return new InvalidJobException(message, { field: path, cause: err });
}

/** The stored (and returned) form of a spec: our JSON form, as text. */
export function specToJson(spec: JobSpec): string {
  return JSON.stringify(jobSpecToJson(spec));
}

export function specFromJson(text: string): JobSpec {
  return jobSpecFromJson(JSON.parse(text));
}
