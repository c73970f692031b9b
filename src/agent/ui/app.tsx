/** @jsxImportSource hono/jsx */
/**
 * The dashboard's HTTP app: its pages, its two static files, the sign-in,
 * and the /v1 API for the page's own requests, all behind the session
 * cookie. Every response carries a strict Content-Security-Policy (scripts
 * and styles from this origin only, no inline script, no framing).
 *
 * Requests must name this listener by a loopback name and its port in
 * `Host` (a DNS-rebound name is refused), and the API's browser guard
 * trusts exactly those origins: a request that changes something must come
 * from the dashboard's own pages (and be JSON, which no other page can send
 * without a CORS preflight the agent never grants).
 * @module
 */

import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { jobSpecToPsijJson } from "../../core/json/index.ts";
import { createApp } from "../http/app.ts";
import type { JobService } from "../service.ts";
import { specFromJson } from "../spec-input.ts";
import type { JobView } from "../view.ts";
import { APP_CSS } from "./assets/css.ts";
import { APP_JS } from "./assets/js.ts";
import { type HealthFacts, HealthPage, HealthPanel } from "./health-page.tsx";
import { JobLive, JobPage, OutputTails } from "./job-page.tsx";
import { JobRow, JobsPage } from "./jobs-page.tsx";
import { Layout, page } from "./layout.tsx";
import { outputTails } from "./output.ts";
import { SESSION_COOKIE, SESSION_MAX_AGE_S, type Sessions } from "./session.ts";
import { tablePage, tableQueryOf, tableRow } from "./table-query.ts";

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

export interface UiAppOptions {
  sessions: Sessions;
  /** The port this listener serves (in the Host and Origin it accepts). */
  port: number;
  shutdown?: AbortSignal;
}

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];
const HTML = { "content-type": "text/html; charset=utf-8" };

function notice(status: number, title: string, text: string): Response {
  const body = page(
    <Layout title={title} page="error">
      <h1>{title}</h1>
      <p>{text}</p>
    </Layout>,
  );
  return new Response(body, { status, headers: HTML });
}

export function createUiApp(service: JobService, options: UiAppOptions): Hono {
  const { sessions, port } = options;
  const hosts = new Set(LOOPBACK_NAMES.map((h) => `${h}:${port}`));
  const api = createApp(service, {
    shutdown: options.shutdown,
    trustedOrigins: [...hosts].map((h) => `http://${h}`),
  });
  const rates = new RateSampler();
  const app = new Hono();

  app.use("*", async (c, next) => {
    const host = (c.req.header("host") ?? "").toLowerCase();
    if (!hosts.has(host)) {
      c.res = notice(
        421,
        "Wrong address",
        `This dashboard answers only as 127.0.0.1:${port} or localhost:${port} (asked for ` +
          `"${host}"). Over ssh, forward the same port: ssh -L ${port}:127.0.0.1:${port} …`,
      );
    } else {
      await next();
    }
    c.res.headers.set("content-security-policy", CSP);
    c.res.headers.set("x-content-type-options", "nosniff");
    c.res.headers.set("referrer-policy", "no-referrer");
    c.res.headers.set("x-frame-options", "DENY");
    if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
  });

  app.get("/ui/app.js", () => asset(APP_JS, "text/javascript; charset=utf-8"));
  app.get("/ui/app.css", () => asset(APP_CSS, "text/css; charset=utf-8"));

  app.get("/login", (c) => {
    const cookie = sessions.exchange(c.req.query("token") ?? "");
    if (cookie === undefined) {
      return notice(
        403,
        "Login link not valid",
        "This login link was used already, has expired (after 15 minutes), or is not one " +
          "this agent made. Run `psij-agent ui` on the login node for a new one.",
      );
    }
    setCookie(c, SESSION_COOKIE, cookie, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      maxAge: SESSION_MAX_AGE_S,
    });
    // The token leaves the address bar (and the history) at once.
    return c.redirect("/", 303);
  });

  app.use("*", async (c, next) => {
    if (sessions.valid(getCookie(c, SESSION_COOKIE))) return await next();
    if (c.req.path.startsWith("/v1/")) {
      return c.json(
        {
          type: "about:blank",
          title: "Unauthorized",
          status: 401,
          detail: "sign in to the dashboard first (psij-agent ui prints a login URL)",
          field: "Cookie",
        },
        401,
        { "content-type": "application/problem+json" },
      );
    }
    return notice(
      401,
      "Sign in first",
      "Open the login URL that `psij-agent ui` (or `psij-agent serve --ui`) prints on the " +
        "login node; it signs this browser in for 24 hours.",
    );
  });

  app.all("/v1/*", (c) => api.fetch(c.req.raw));

  app.get("/", (c) => {
    const q = tableQueryOf(new URL(c.req.url).searchParams);
    const lastEvent = service.store.lastEventId();
    const p = tablePage(service.store, q);
    const executors = service.executorInfo().map((e) => e.name);
    return c.html(page(<JobsPage q={q} p={p} lastEvent={lastEvent} executors={executors} />));
  });

  // One row, when the job passes the page's filter (204 otherwise): for jobs a page has not seen.
  app.get("/ui/row/:id", (c) => {
    const q = tableQueryOf(new URL(c.req.url).searchParams);
    const row = tableRow(service.store, q, c.req.param("id"));
    if (row === undefined) return c.body(null, 204);
    return c.html(String(<JobRow r={row} />));
  });

  const viewOf = (id: string): JobView | undefined => {
    const json = service.jobJson(id);
    return json === undefined ? undefined : JSON.parse(json);
  };
  const noJob = (id: string) => notice(404, "No such job", `There is no job "${id}" here.`);

  app.get("/jobs/:id", (c) => {
    const lastEvent = service.store.lastEventId();
    const job = viewOf(c.req.param("id"));
    if (job === undefined) return noJob(c.req.param("id"));
    let psijSpec;
    try {
      psijSpec = job.spec ? jobSpecToPsijJson(specFromJson(JSON.stringify(job.spec))) : undefined;
    } catch {
      psijSpec = undefined;
    }
    const tails = outputTails(job.spec);
    return c.html(
      page(<JobPage job={job} psijSpec={psijSpec} tails={tails} lastEvent={lastEvent} />),
    );
  });

  app.get("/ui/jobs/:id/live", (c) => {
    const job = viewOf(c.req.param("id"));
    if (job === undefined) return noJob(c.req.param("id"));
    return c.html(String(<JobLive job={job} />));
  });

  app.get("/ui/jobs/:id/tail", (c) => {
    const job = viewOf(c.req.param("id"));
    if (job === undefined) return noJob(c.req.param("id"));
    return c.html(String(<OutputTails tails={outputTails(job.spec)} />));
  });

  const healthFacts = (): HealthFacts => {
    const executors = service.health();
    return {
      executors,
      perMinute: rates.sample(executors),
      store: service.storeHealth(),
      recovering: service.recovering,
      liveJobs: service.live.size,
      pid: process.pid,
    };
  };
  app.get("/health", (c) => c.html(page(<HealthPage h={healthFacts()} />)));
  app.get("/ui/health", (c) => c.html(String(<HealthPanel h={healthFacts()} />)));

  app.notFound((c) => notice(404, "Not found", `Nothing at ${c.req.path}.`));
  return app;
}

function asset(text: string, type: string): Response {
  return new Response(text, {
    headers: { "content-type": type, "cache-control": "no-cache" },
  });
}

/** Status commands per minute, from the change in each executor's count between two looks. */
class RateSampler {
  #last = new Map<string, { at: number; n: number; rate?: number }>();

  sample(executors: HealthFacts["executors"]): Record<string, number | undefined> {
    const now = Date.now();
    const out: Record<string, number | undefined> = {};
    for (const [name, h] of Object.entries(executors)) {
      const n = h.stats?.statusCommands;
      if (n === undefined) continue;
      const prev = this.#last.get(name);
      let rate = prev?.rate;
      // A look less than 5 s after the last one keeps the last rate (too short to say).
      if (prev === undefined || now - prev.at >= 5000) {
        if (prev !== undefined) rate = ((n - prev.n) * 60_000) / (now - prev.at);
        this.#last.set(name, { at: now, n, rate });
      }
      out[name] = rate;
    }
    return out;
  }
}
