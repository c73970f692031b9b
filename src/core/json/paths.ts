/**
 * From the model's field names, as validation and the executors report them
 * (`attributes.account`, `environment.X`, `stageIn[0].source`,
 * `attributes.customAttributes.pbs.l`), to the JSON path of that value in a
 * document of either form (`$.attributes.account`, `$.attributes.queue_name`,
 * `$.attributes.customAttributes["pbs.l"]`).
 * @module
 */

import { childPath } from "./check.ts";
import type { Form } from "./forms.ts";
import { SPEC_FIELDS } from "./read.ts";

/** Fields whose keys are the user's own names (a variable, `pbs.l`), spelt as given in both forms. */
const NAMED_ENTRIES = new Set(["environment", "customAttributes"]);

const STEP_RE = /^(?:\.([^.[\]]+)|\[(\d+)\])/;

/** The JSON path of a model field in `form`; undefined for a name that is not a spec field's. */
export function fieldPath(field: string, form: Form): string | undefined {
  const top = /^[A-Za-z]+/.exec(field)?.[0];
  if (!top || !(SPEC_FIELDS as readonly string[]).includes(top)) return undefined;
  let path = "$";
  let rest = `.${field}`;
  while (rest !== "") {
    const m = STEP_RE.exec(rest);
    if (!m) return undefined;
    rest = rest.slice(m[0].length);
    if (m[2] !== undefined) {
      path = childPath(path, Number(m[2]));
      continue;
    }
    path = childPath(path, form.key(m[1]));
    if (NAMED_ENTRIES.has(m[1]) && rest !== "") {
      // The rest is one key, dots and all (`pbs.l`).
      if (!rest.startsWith(".")) return undefined;
      return childPath(path, rest.slice(1));
    }
  }
  return path;
}
