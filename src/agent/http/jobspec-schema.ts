/**
 * JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of the two JobSpec
 * documents core/json reads: ours and psij-python's. They say what the
 * reader says, field for field; test/agent/jobspec-schema.test.ts holds
 * the two to each other (a document one refuses, the other refuses).
 *
 * Two rules compare values with each other, which JSON Schema cannot say.
 * They are extension keywords (ignored by other validators, so those accept
 * a little more; the agent still refuses): `x-counts-agree` on resources
 * (nodeCount × processesPerNode = processCount, or divides it) and
 * `x-same-value` on psij-python's attributes (`project_name` = `account`
 * when both are given). One more thing no pattern can say: a walltime
 * string must also fit a double (not hundreds of digits), which the reader
 * checks. And `x-index-range` on a job array's range: the last index above
 * the first, step and limit at least 1, at most `maxElements` elements.
 * @module
 */

import { MAX_ARRAY_ELEMENTS } from "../../core/array.ts";
import { ATTRIBUTE_FIELDS, RESOURCE_FIELDS, SPEC_FIELDS } from "../../core/json/read.ts";
import { snakeCase } from "../../core/json/forms.ts";
import { StageOutFlags, StagingMode } from "../../core/staging.ts";

type Schema = Record<string, unknown>;

/** Any value of an optional field may also be an explicit null: the field left out. */
const orNull = (schema: Schema): Schema => ({ anyOf: [{ type: "null" }, schema] });

const NO_NUL = "^[^\\u0000]*$";
const text = (description?: string): Schema => ({
  type: "string",
  minLength: 1,
  pattern: NO_NUL,
  ...(description ? { description } : {}),
});

/**
 * A string `${NAME}` expansion accepts (docs/jobspec-json.md, Expansion): any
 * `$` run not before `{`; an even run before `{` (escaped, literal); an odd
 * run before `{NAME}`. Never `${A:-x}`, `${1}`, an unclosed `${`. No NUL.
 */
const EXPANDABLE = "^(?:[^$\\u0000]|\\$+(?![${])|(?:\\$\\$)*\\$\\$\\{|" +
  "(?:\\$\\$)*\\$\\{[A-Za-z_][A-Za-z0-9_]*\\})*$";
const expandable: Schema = {
  type: "string",
  pattern: EXPANDABLE,
  description: "may be empty; ${NAME} is expanded at submit (write $${ for a literal ${)",
};

const NUM = "\\d+(?:\\.\\d+)?";
// Each form says "positive" with a look-ahead for a digit 1-9 before its end.
const UNIT = `(?=[0-9.]*[1-9])${NUM}\\s*[hms]`;
const CLOCK = `(?=[0-9:.-]*[1-9])(?:\\d+(?::\\d+(?::${NUM})?)?|\\d+-\\d+:\\d+(?::${NUM})?)`;
const PY_SECONDS = "(?=[0-9.]*[1-9])[0-9]+(?:\\.[0-9]*)?(?:[eE][+-]?[0-9]+)?\\s*s";
const walltime = (alternatives: string[], description: string): Schema => ({
  type: "string",
  pattern: `^\\s*(?:${alternatives.join("|")})\\s*$`,
  description,
});

const positiveInt = (min: number): Schema => ({
  type: "integer",
  minimum: min,
  maximum: Number.MAX_SAFE_INTEGER,
});

const FLAG_NAMES = Object.keys(StageOutFlags);
const flags: Schema = {
  type: "array",
  items: { enum: FLAG_NAMES },
  description: "when it applies; [] or no outcome named means every outcome",
};

interface Form {
  key(field: string): string;
  duration: Schema;
  /** psij-python tags resources with `"__version": 1`. */
  resourcesVersion?: string;
  /** Further attribute keys and the field they must agree with. */
  aliases: Record<string, string>;
}

const OURS: Form = {
  key: (f) => f,
  duration: {
    anyOf: [
      { type: "number", exclusiveMinimum: 0, description: "seconds" },
      walltime(
        [UNIT, CLOCK],
        "hh:mm:ss, hh:mm, mm (minutes), N[h|m|s] or d-hh:mm:ss; more than 0",
      ),
    ],
  },
  aliases: {},
};

const PSIJ: Form = {
  key: snakeCase,
  duration: walltime(
    [PY_SECONDS, UNIT, CLOCK],
    'seconds as psij-python writes them ("7230.0 s"), or any walltime string; more than 0',
  ),
  resourcesVersion: "__version",
  aliases: { project_name: "account" },
};

function object(properties: Record<string, Schema>, extra: Schema = {}): Schema {
  return { type: "object", properties, additionalProperties: false, ...extra };
}

function resources(form: Form): Schema {
  const props: Record<string, Schema> = {};
  if (form.resourcesVersion) props[form.resourcesVersion] = { const: 1 };
  for (const f of RESOURCE_FIELDS) {
    props[form.key(f)] = orNull(
      f === "exclusiveNodeUse"
        ? { type: "boolean" }
        : positiveInt(f === "gpuCoresPerProcess" ? 0 : 1),
    );
  }
  return object(props, {
    ...(form.resourcesVersion ? { required: [form.resourcesVersion] } : {}),
    "x-counts-agree": {
      nodes: form.key("nodeCount"),
      processes: form.key("processCount"),
      perNode: form.key("processesPerNode"),
    },
    description: `${form.key("processCount")} must equal ${form.key("nodeCount")} × ${
      form.key("processesPerNode")
    } when all three are given, and be divisible by whichever of them is given`,
  });
}

function attributes(form: Form): Schema {
  const props: Record<string, Schema> = {};
  for (const f of ATTRIBUTE_FIELDS) {
    const key = form.key(f);
    if (f === "duration") props[key] = orNull(form.duration);
    else if (f === "customAttributes") {
      props[key] = orNull({
        type: "object",
        propertyNames: { pattern: "^[A-Za-z][A-Za-z0-9_-]*\\.[^\\s.][^\\s]*$" },
        additionalProperties: { type: ["string", "number", "boolean"] },
        description: 'keys are <executor>.<flag>, e.g. "pbs.l"',
      });
    } else props[key] = orNull(text());
  }
  const same: Record<string, string> = {};
  for (const [alias, field] of Object.entries(form.aliases)) {
    props[alias] = orNull(text(`the same as ${form.key(field)} (an older name)`));
    same[alias] = form.key(field);
  }
  return object(props, Object.keys(same).length ? { "x-same-value": same } : {});
}

function stage(form: Form, out: boolean): Schema {
  const props: Record<string, Schema> = {
    [form.key("source")]: text(),
    [form.key("target")]: text(),
    [form.key("mode")]: orNull({ enum: Object.keys(StagingMode) }),
  };
  if (out) props[form.key("flags")] = orNull(flags);
  return object(props, { required: [form.key("source"), form.key("target")] });
}

/** psij-agent's job arrays (core/array.ts); psij-python's reader does not know the key. */
const arrayRange: Schema = {
  type: "string",
  pattern: "^[0-9]{1,9}-[0-9]{1,9}(:[0-9]{1,9})?(%[0-9]{1,9})?$",
  "x-index-range": { maxElements: MAX_ARRAY_ELEMENTS },
  description: "psij-agent's extension: run the job once per index, first-last[:step][%limit] " +
    "(qsub -J, sbatch --array); last above first, step and limit at least 1, at most " +
    `${MAX_ARRAY_ELEMENTS} elements. Element ids are <array id>[<index>]; {index} in ` +
    "stdoutPath/stderrPath becomes the index",
  examples: ["1-100:2%10"],
};

/** The schema of one model field in `form`. */
function field(f: (typeof SPEC_FIELDS)[number], form: Form): Schema {
  switch (f) {
    case "arguments":
      return { type: "array", items: expandable };
    case "inheritEnvironment":
      return { type: "boolean", description: "default true" };
    case "environment":
      return {
        type: "object",
        propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
        additionalProperties: { anyOf: [{ type: "number" }, expandable] },
        description: "numbers become strings in the job",
      };
    case "resources":
      return resources(form);
    case "attributes":
      return attributes(form);
    case "stageIn":
      return { type: "array", items: stage(form, false) };
    case "stageOut":
      return { type: "array", items: stage(form, true) };
    case "cleanup":
      return { type: "array", items: text() };
    case "cleanupFlags":
      return flags;
    case "array":
      return arrayRange;
    case "dependsOn":
      return {
        type: "array",
        items: object({ job: text(), when: orNull({ enum: ["ok", "notok", "any"] }) }, {
          required: ["job"],
        }),
        description: "psij-agent's own: ids of jobs that must end first (when: default ok)",
      };
    case "hold":
      return { type: "boolean", description: "psij-agent's own: submit held (default false)" };
    case "batchScript":
      return text(
        "psij-agent's extension: the user's own batch script (its text), run in place of " +
          "executable; its #PBS / #SBATCH directives are honoured by the executor that reads " +
          "them, those that would break tracking refused naming the line",
      );
    default: // executable, directory, name, the paths, preLaunch, postLaunch, launcher
      return text();
  }
}

function spec(form: Form, extra: Record<string, Schema>, required: string[]): Schema {
  const props: Record<string, Schema> = { ...extra };
  for (const f of SPEC_FIELDS) props[form.key(f)] = orNull(field(f, form));
  return object(props, required.length ? { required } : {});
}

/** Our form: `"version": 1` and camelCase keys. */
export function jobSpecSchema(): Schema {
  return {
    ...spec(OURS, { version: { const: 1 } }, ["version"]),
    description: "psij-agent's JobSpec document (docs/jobspec-json.md)",
  };
}

/** psij-python's form: snake_case keys, no top-level version. */
export function psijJobSpecSchema(): Schema {
  return {
    ...spec(PSIJ, {}, []),
    description: "psij-python's JobSpec document, as its JSONSerializer writes it",
  };
}
