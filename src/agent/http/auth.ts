/**
 * Bearer-token access for TCP listeners. The comparison hashes both sides
 * first, so it takes the same time whatever the token's length or content.
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { problem, problemResponse } from "./problem.ts";

function digest(s: string): Uint8Array {
  return createHash("sha256").update(s).digest();
}

export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Every route requires `Authorization: Bearer <token>`. */
export function bearerAuth(token: string): MiddlewareHandler {
  const challenge = { "www-authenticate": 'Bearer realm="psij-agent"' };
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (!header) {
      return problemResponse(
        problem(401, "unauthorized", "Unauthorized", "this listener requires a bearer token", {
          field: "Authorization",
        }),
        challenge,
      );
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m || !tokenMatches(m[1], token)) {
      return problemResponse(
        problem(401, "unauthorized", "Unauthorized", "the bearer token is not valid", {
          field: "Authorization",
        }),
        { "www-authenticate": 'Bearer realm="psij-agent", error="invalid_token"' },
      );
    }
    await next();
  };
}
