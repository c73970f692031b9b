/**
 * JSON forms of a JobSpec (documented in docs/jobspec-json.md):
 * ours (camelCase, `"version": 1`) and psij-python's (snake_case).
 * @module
 */

import type { JobSpec } from "../job-spec.ts";
import { asObject, fail, type JsonObject } from "./check.ts";
import { OURS, PSIJ, snakeCase } from "./forms.ts";
import { fieldPath } from "./paths.ts";
import { readSpec, SPEC_FIELDS } from "./read.ts";
import { writeSpec } from "./write.ts";

export { pythonFloat } from "./forms.ts";

/** The version of our form that this code reads and writes. */
export const JOB_SPEC_JSON_VERSION = 1;

const OURS_ONLY = SPEC_FIELDS.filter((f) => snakeCase(f) !== f) as readonly string[];
const PSIJ_ONLY = SPEC_FIELDS.map(snakeCase).filter((k) => !SPEC_FIELDS.includes(k as never));

/** Our form: `{"version": 1, ...camelCase fields}`. */
export function jobSpecToJson(spec: JobSpec): JsonObject {
  return { version: JOB_SPEC_JSON_VERSION, ...writeSpec(spec, OURS) };
}

export function jobSpecFromJson(doc: unknown): JobSpec {
  const obj = asObject(doc, "$");
  if (!Object.hasOwn(obj, "version")) {
    fail(
      "$.version",
      `is required (${JOB_SPEC_JSON_VERSION}); a document without it is read as psij-python's form only by parseJobSpecDocument`,
    );
  }
  if (obj.version !== JOB_SPEC_JSON_VERSION) {
    fail(
      "$.version",
      `unsupported version ${
        JSON.stringify(obj.version)
      } (this reader knows ${JOB_SPEC_JSON_VERSION})`,
    );
  }
  const { version: _, ...rest } = obj;
  return readSpec(rest, OURS, "$", (key) => {
    const camel = key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    return camel !== key && OURS_ONLY.includes(camel) ? `did you mean "${camel}"?` : undefined;
  });
}

/** psij-python's form, readable by its JSONSerializer (resources carry `"__version": 1`). */
export function jobSpecToPsijJson(spec: JobSpec): JsonObject {
  return writeSpec(spec, PSIJ);
}

export function jobSpecFromPsijJson(doc: unknown): JobSpec {
  const obj = asObject(doc, "$");
  return readSpec(obj, PSIJ, "$", (key) => {
    if (key === "version") return `psij-python's form has no version; ours has it`;
    const snake = snakeCase(key);
    return snake !== key && PSIJ_ONLY.includes(snake) ? `did you mean "${snake}"?` : undefined;
  });
}

/**
 * Either form, told apart by the top-level `version` key, which only our
 * form has (psij-python versions only `resources`). A document without it is
 * psij-python's form; if it uses one of our camelCase keys, it is an error
 * saying the version is missing rather than a list of unknown keys.
 * A string is parsed as JSON first.
 */
export function parseJobSpecDocument(doc: unknown): JobSpec {
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch (err) {
      fail("$", `is not valid JSON (${(err as Error).message})`);
    }
  }
  const obj = asObject(doc, "$");
  if (Object.hasOwn(obj, "version")) return jobSpecFromJson(obj);
  const camel = Object.keys(obj).find((k) => OURS_ONLY.includes(k));
  if (camel !== undefined) {
    fail(
      "$.version",
      `is required: "${camel}" is a key of the psij-agent form, which starts with "version": ${JOB_SPEC_JSON_VERSION}`,
    );
  }
  return jobSpecFromPsijJson(obj);
}

/**
 * Where a model field (`attributes.account`, as validation and the executors
 * name it) is in `doc`, in the form `parseJobSpecDocument` reads `doc` in:
 * `$.attributes.account`, or `$.attributes.queue_name` for psij-python's
 * `attributes.queueName`. A path already in JSON form (`$...`) is returned as
 * it is; undefined for a name that is no spec field's.
 */
export function specFieldPath(field: string, doc: unknown): string | undefined {
  if (field.startsWith("$")) return field;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch {
      return undefined;
    }
  }
  const ours = doc !== null && typeof doc === "object" && Object.hasOwn(doc, "version");
  return fieldPath(field, ours ? OURS : PSIJ);
}
