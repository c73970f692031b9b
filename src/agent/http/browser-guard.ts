/**
 * Keeps web browsers from driving the API. A page on any site can make the
 * browser send a "simple" cross-site request (a form POST, `fetch` with a
 * text/plain body) to 127.0.0.1 without asking first; such a request carries
 * an `Origin` and, in current browsers, `Sec-Fetch-Site`, and it can never
 * carry `Content-Type: application/json` without a CORS preflight, which
 * this API never grants. So:
 *
 * - a request whose `Origin` is not one of the trusted origins, or whose
 *   `Sec-Fetch-Site` is anything but `same-origin` or `none` (typed by the
 *   user), is refused (403), whatever its method;
 * - a request that changes something (any method but GET, HEAD, OPTIONS)
 *   must say `Content-Type: application/json` (else 415), body or not.
 *
 * The trusted origins are empty today (the agent serves no pages); a
 * dashboard served by the agent itself adds its own origin, and then its
 * same-origin requests pass while a rebound DNS name (same-origin to the
 * browser, but with a foreign `Origin`) still does not.
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { problem, problemResponse } from "./problem.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const TRUSTED_FETCH_SITES = new Set(["same-origin", "none"]);

/** `application/json`, with or without parameters (`; charset=utf-8`). */
export function isJsonMediaType(value: string | undefined): boolean {
  if (value === undefined) return false;
  return /^application\/json\s*(;.*)?$/i.test(value.trim());
}

/**
 * `routed(method, path)` says whether a route answers that method: a method
 * no route takes is left to its 404/405, which is the more useful answer.
 */
export function browserGuard(
  trustedOrigins: readonly string[] = [],
  routed: (method: string, path: string) => boolean = () => true,
): MiddlewareHandler {
  const trusted = new Set(trustedOrigins);
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && !trusted.has(origin)) {
      return problemResponse(
        problem(
          403,
          "foreign-origin",
          "Forbidden",
          `requests from web pages of other origins are refused (Origin: ${origin})`,
          { field: "Origin" },
        ),
      );
    }
    const site = c.req.header("sec-fetch-site");
    if (site !== undefined && !TRUSTED_FETCH_SITES.has(site.toLowerCase())) {
      return problemResponse(
        problem(
          403,
          "foreign-origin",
          "Forbidden",
          `requests a browser sends for another site are refused (Sec-Fetch-Site: ${site})`,
          { field: "Sec-Fetch-Site" },
        ),
      );
    }
    if (
      !SAFE_METHODS.has(c.req.method) && !isJsonMediaType(c.req.header("content-type")) &&
      routed(c.req.method, c.req.path)
    ) {
      const given = c.req.header("content-type");
      return problemResponse(
        problem(
          415,
          "unsupported-media-type",
          "Unsupported media type",
          `${c.req.method} requests must send Content-Type: application/json (got ${
            given === undefined ? "none" : JSON.stringify(given)
          })`,
          { field: "Content-Type" },
        ),
        { "accept-post": "application/json" },
      );
    }
    await next();
  };
}
