/**
 * JobAttributes: walltime, queue, account, reservation and
 * scheduler-specific custom attributes.
 * @module
 */

import { InvalidJobException } from "./errors.ts";

/** PSI/J's default walltime: ten minutes. */
export const DEFAULT_DURATION_SECONDS = 600;

export type CustomAttributeValue = string | number | boolean;

export interface JobAttributes {
  /** Walltime in seconds; may exceed a day and be fractional. Default 600. */
  duration?: number;
  queueName?: string;
  /** Called `project_name` in older PSI/J. */
  account?: string;
  reservationId?: string;
  /** Keys are `<executor>.<flag>` (`pbs.l`, `slurm.qos`); each executor reads only its own. */
  customAttributes?: Record<string, CustomAttributeValue>;
}

export function effectiveDuration(attrs: JobAttributes | undefined): number {
  return attrs?.duration ?? DEFAULT_DURATION_SECONDS;
}

const KEY_RE = /^[A-Za-z][A-Za-z0-9_-]*\.[^\s.][^\s]*$/;

/** Whether `key` has the `<executor>.<flag>` shape custom attributes need. */
export function isCustomAttributeKey(key: string): boolean {
  return KEY_RE.test(key);
}

export function validateAttributes(attrs: JobAttributes, path = "attributes"): void {
  const d = attrs.duration;
  if (d !== undefined && (typeof d !== "number" || !Number.isFinite(d) || d <= 0)) {
    throw new InvalidJobException(
      `${path}.duration: must be a positive number of seconds, got ${String(d)}`,
      {
        field: `${path}.duration`,
      },
    );
  }
  for (const key of ["queueName", "account", "reservationId"] as const) {
    const v = attrs[key];
    if (v !== undefined && (typeof v !== "string" || v === "")) {
      throw new InvalidJobException(`${path}.${key}: must be a non-empty string`, {
        field: `${path}.${key}`,
      });
    }
  }
  for (const [k, v] of Object.entries(attrs.customAttributes ?? {})) {
    const field = `${path}.customAttributes.${k}`;
    if (!KEY_RE.test(k)) {
      throw new InvalidJobException(
        `${field}: keys must look like <executor>.<flag> (e.g. "pbs.l", "slurm.qos")`,
        { field },
      );
    }
    if (!["string", "number", "boolean"].includes(typeof v)) {
      throw new InvalidJobException(`${field}: must be a string, number or boolean`, { field });
    }
  }
}

/** The custom attributes addressed to one executor, keys without the prefix. */
export function customAttributesFor(
  attrs: JobAttributes | undefined,
  executor: string,
): Array<[string, string]> {
  const prefix = `${executor.toLowerCase()}.`;
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(attrs?.customAttributes ?? {})) {
    if (k.toLowerCase().startsWith(prefix)) out.push([k.slice(prefix.length), String(v)]);
  }
  return out;
}
