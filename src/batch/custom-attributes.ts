/**
 * A scheduler's own options as a JobSpec carries them: custom attributes
 * `<prefix>.<option>` (`pbs.l`, `slurm.qos`), checked and read the same way
 * for every backend; the backend turns them into its directives.
 * @module
 */

import { InvalidJobException } from "../core/errors.ts";
import type { JobSpec } from "../core/job-spec.ts";

export interface CustomOption {
  /** The option as given after the prefix. */
  name: string;
  /** Its raw value; undefined for a bare switch (`true` or `""`). */
  value?: string;
  /** `attributes.customAttributes.<key>`, for messages. */
  field: string;
}

/**
 * The custom attributes under `prefix` (matched case-insensitively), in the
 * order given. A name `namePattern` refuses is an InvalidJobException that
 * says what a name must be (`rule`); `false` switches an option off.
 */
export function customOptions(
  spec: JobSpec,
  prefix: string,
  namePattern: RegExp,
  rule: string,
): CustomOption[] {
  const out: CustomOption[] = [];
  const lead = `${prefix.toLowerCase()}.`;
  for (const [key, v] of Object.entries(spec.attributes?.customAttributes ?? {})) {
    if (!key.toLowerCase().startsWith(lead)) continue;
    const name = key.slice(lead.length);
    const field = `attributes.customAttributes.${key}`;
    if (!namePattern.test(name)) {
      throw new InvalidJobException(`${field}: "${name}" is not ${rule}`, { field });
    }
    if (v === false) continue; // an option switched off is simply not given
    out.push({ name, value: v === true || v === "" ? undefined : String(v), field });
  }
  return out;
}
