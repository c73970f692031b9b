/**
 * Query and header checks: unknown parameters are rejected, bad values name
 * the parameter.
 * @module
 */

import type { Context } from "hono";
import { isJobState, type JobState } from "../../core/job-state.ts";
import { BadRequestError } from "../errors.ts";

/** The query parameters, each at most once, all of them known. */
export function queryOf(c: Context, allowed: readonly string[]): Record<string, string> {
  const all = c.req.queries();
  const out: Record<string, string> = {};
  for (const [k, values] of Object.entries(all)) {
    if (!allowed.includes(k)) {
      throw new BadRequestError(
        `query parameter "${k}" is not known here${
          allowed.length ? `; known: ${allowed.join(", ")}` : ""
        }`,
        { field: `query.${k}` },
      );
    }
    out[k] = values.join(",");
  }
  return out;
}

export function statesParam(value: string | undefined): JobState[] | undefined {
  if (value === undefined || value === "") return undefined;
  return value.split(",").map((s) => {
    const state = s.trim().toUpperCase();
    if (!isJobState(state)) {
      throw new BadRequestError(`state "${s}" is not a job state`, { field: "query.state" });
    }
    return state;
  });
}

export function intParam(
  value: string | undefined,
  field: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new BadRequestError(`${field} must be an integer from ${min} to ${max}, got "${value}"`, {
      field,
    });
  }
  return n;
}

export function idempotencyKey(c: Context): string | undefined {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new BadRequestError(
      "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces",
      { field: "Idempotency-Key" },
    );
  }
  return key;
}

/**
 * The JSON body; anything else is a 400 naming the body. (That the request
 * said `Content-Type: application/json` is browser-guard.ts's check.)
 */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(`the body is not valid JSON: ${(err as Error).message}`, {
      field: "body",
    });
  }
}

/** An ISO 8601 time (`2026-12-04T05:00:00Z`, `2026-12-04`) as ms since the epoch. */
export function timeParam(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw new BadRequestError(
      `${field} must be an ISO 8601 time (2026-12-04T05:00:00Z), got "${value}"`,
      { field },
    );
  }
  return ms;
}
