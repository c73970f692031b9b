/**
 * `run`'s resource and scheduler options (--mem, --gpus, --cores-per-process,
 * --exclusive, --attr) as JobSpec fields.
 * @module
 */

import { isCustomAttributeKey } from "../../core/job-attributes.ts";
import { UsageError } from "./command.ts";

export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(value)) {
    throw new UsageError(`--${flag} must be a positive integer, got "${value}"`);
  }
  return Number(value);
}

const SIZE_UNITS: Record<string, number> = { b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** `512mb`, `4gb`, `2G`, `1.5t` → bytes (units of 1024, as PBS sizes). A bare number is refused. */
export function parseSize(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt])b?$/i.exec(value.trim());
  const bytes = m ? Math.ceil(Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()]) : NaN;
  if (!m || !(bytes > 0) || !Number.isSafeInteger(bytes)) {
    throw new UsageError(
      `--${flag} wants a size with a unit (512mb, 4gb, 2G), got "${value}"`,
    );
  }
  return bytes;
}

/** --mem, --gpus, --cores-per-process, --exclusive as ResourceSpecV1 fields. */
export function resourceOptions(values: Record<string, any>): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  if (values.mem !== undefined) r.memory = parseSize(values.mem, "mem");
  const gpus = positiveInt(values.gpus, "gpus");
  if (gpus !== undefined) r.gpuCoresPerProcess = gpus;
  const cores = positiveInt(values["cores-per-process"], "cores-per-process");
  if (cores !== undefined) r.cpuCoresPerProcess = cores;
  if (values.exclusive) r.exclusiveNodeUse = true;
  return r;
}

/** `--attr pbs.l=mem=4gb` (the first "=" ends the key); `--attr slurm.exclusive` is a switch. */
export function customAttributeOptions(attrs: string[]): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const a of attrs) {
    const i = a.indexOf("=");
    const key = i < 0 ? a : a.slice(0, i);
    if (!isCustomAttributeKey(key)) {
      throw new UsageError(
        `--attr wants <executor>.<option>[=value] (pbs.l=mem=4gb, slurm.qos=high), got "${a}"`,
      );
    }
    if (Object.hasOwn(out, key)) {
      throw new UsageError(
        `--attr ${key} is given twice: give one value (pbs.l takes a comma-separated list)`,
      );
    }
    out[key] = i < 0 ? true : a.slice(i + 1);
  }
  return out;
}
