/**
 * The HTTP API under /v1 (Hono), over a JobService. Runtime-free: serve.ts
 * binds it to a socket; tests call `app.request()`.
 * @module
 */

import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { UnknownExecutorException } from "../../core/errors.ts";
import { BadRequestError, ConflictError } from "../errors.ts";
import type { JobService } from "../service.ts";
import { summaryOf } from "../view.ts";
import { VERSION } from "../version.ts";
import { bearerAuth } from "./auth.ts";
import { browserGuard } from "./browser-guard.ts";
import { openApiDocument } from "./openapi.ts";
import { idempotencyKey, intParam, jsonBody, queryOf, statesParam, timeParam } from "./params.ts";
import { InRequest, problem, problemOf, problemResponse } from "./problem.ts";
import { eventsHandler } from "./sse.ts";

export interface AppOptions {
  /** When set, every route requires `Authorization: Bearer <token>`. */
  token?: string;
  /** Largest request body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Aborted when the agent stops: open event streams end. */
  shutdown?: AbortSignal;
  /**
   * Origins whose browser requests are accepted (none by default: the agent
   * serves no pages). Any other `Origin` is refused; see browser-guard.ts.
   */
  trustedOrigins?: readonly string[];
  /**
   * Starts the dashboard if need be and mints a one-time login URL
   * (`POST /v1/ui/login`, for `psij-agent ui`); given on the unix socket only.
   */
  uiLogin?: (port?: number) => Promise<{ url: string; port: number; ssh: string }>;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

export function createApp(service: JobService, options: AppOptions = {}): Hono {
  const app = new Hono();
  const maxSize = options.maxBodyBytes ?? 1024 * 1024;

  app.onError((err) => problemResponse(problemOf(err)));
  app.notFound((c) => {
    const allow = allowedMethods(app, c.req.path);
    if (allow.length) {
      return problemResponse(
        problem(
          405,
          "method-not-allowed",
          "Method not allowed",
          `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow.join(", ")}`,
          { field: "method" },
        ),
        { allow: allow.join(", ") },
      );
    }
    return problemResponse(
      problem(404, "not-found", "Not found", `no route for ${c.req.method} ${c.req.path}`),
    );
  });
  app.use(
    "*",
    browserGuard(
      options.trustedOrigins,
      (method, path) => allowedMethods(app, path).includes(method),
    ),
  );
  if (options.token !== undefined) app.use("*", bearerAuth(options.token));
  app.use(
    "*",
    bodyLimit({
      maxSize,
      onError: () =>
        problemResponse(
          problem(
            413,
            "body-too-large",
            "Body too large",
            `request bodies are limited to ${maxSize} bytes`,
            {
              field: "body",
            },
          ),
        ),
    }),
  );

  app.post("/v1/jobs", async (c) => {
    const q = queryOf(c, ["executor"]);
    const key = idempotencyKey(c);
    const doc = await jsonBody(c);
    const { job, created } = await service.submit(doc, {
      idempotencyKey: key,
      executor: q.executor,
    }).catch((err) => {
      if (err instanceof UnknownExecutorException) {
        throw new InRequest(err, { field: "query.executor" });
      }
      if (err instanceof ConflictError) throw new InRequest(err, { field: "Idempotency-Key" });
      throw err;
    });
    const headers: Record<string, string> = { ...JSON_HEADERS, location: `/v1/jobs/${job.id}` };
    if (!created) headers["idempotent-replayed"] = "true";
    return new Response(service.jobJson(job.id), { status: created ? 201 : 200, headers });
  });

  app.get("/v1/jobs", (c) => {
    const q = queryOf(c, ["state", "cursor", "limit", "name", "executor", "since", "until"]);
    let page;
    try {
      page = service.list({
        states: statesParam(q.state),
        name: q.name,
        executor: q.executor?.toLowerCase(),
        since: timeParam(q.since, "query.since"),
        until: timeParam(q.until, "query.until"),
        cursor: q.cursor,
        limit: intParam(q.limit, "query.limit", 1, 1000),
      });
    } catch (err) {
      if (err instanceof RangeError) {
        throw new BadRequestError(err.message, { field: "query.cursor" });
      }
      throw err;
    }
    return c.json({ jobs: page.jobs.map(summaryOf), nextCursor: page.nextCursor });
  });

  app.get("/v1/jobs/:id", (c) => {
    const id = c.req.param("id");
    const json = service.jobJson(id);
    if (json === undefined) {
      return problemResponse(
        problem(404, "not-found", "Not found", `no job with id or native id "${id}"`, {
          field: "path.id",
        }),
      );
    }
    return new Response(json, { headers: JSON_HEADERS });
  });

  app.post("/v1/jobs/:id/cancel", async (c) => {
    queryOf(c, []);
    let jobId: string;
    try {
      jobId = service.getRecord(c.req.param("id")).id;
    } catch (err) {
      throw new InRequest(err, { field: "path.id" });
    }
    const record = await service.cancel(jobId).catch((err) => {
      throw new InRequest(err, { jobId });
    });
    return new Response(service.jobJson(record.id), { headers: JSON_HEADERS });
  });

  for (const action of ["hold", "release"] as const) {
    app.post(`/v1/jobs/:id/${action}`, async (c) => {
      queryOf(c, []);
      let jobId: string;
      try {
        jobId = service.getRecord(c.req.param("id")).id;
      } catch (err) {
        throw new InRequest(err, { field: "path.id" });
      }
      const record = await service.hold(jobId, action === "hold").catch((err) => {
        throw new InRequest(err, { jobId });
      });
      return new Response(service.jobJson(record.id), { headers: JSON_HEADERS });
    });
  }

  app.post("/v1/attach", async (c) => {
    queryOf(c, []);
    const body = await jsonBody(c);
    const { nativeId, executor } = attachBody(body);
    const { job, created } = await service.attach(nativeId, executor).catch((err) => {
      throw err instanceof UnknownExecutorException
        ? new InRequest(err, { field: "$.executor" })
        : err;
    });
    return new Response(service.jobJson(job.id), {
      status: created ? 201 : 200,
      headers: { ...JSON_HEADERS, location: `/v1/jobs/${job.id}` },
    });
  });

  app.post("/v1/prune", async (c) => {
    queryOf(c, []);
    const body = await jsonBody(c);
    const seconds = (body as Record<string, unknown> | null)?.olderThanSeconds;
    const keys = body !== null && typeof body === "object" ? Object.keys(body) : [];
    const extra = keys.find((k) => k !== "olderThanSeconds");
    if (extra !== undefined) {
      throw new BadRequestError(`$.${extra}: unknown field; known fields: olderThanSeconds`, {
        field: `$.${extra}`,
      });
    }
    if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
      throw new BadRequestError("$.olderThanSeconds: required, a number of seconds >= 0", {
        field: "$.olderThanSeconds",
      });
    }
    return c.json({ pruned: service.prune(seconds * 1000) });
  });

  const uiLogin = options.uiLogin;
  if (uiLogin) {
    app.post("/v1/ui/login", async (c) => {
      queryOf(c, []);
      const body = await jsonBody(c).catch(() => ({}));
      const port = (body as { port?: unknown } | null)?.port;
      if (
        port !== undefined &&
        (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535)
      ) {
        throw new BadRequestError("$.port: must be a port number (0-65535)", { field: "$.port" });
      }
      return c.json(await uiLogin(port as number | undefined));
    });
  }

  app.get("/v1/events", eventsHandler(service, options.shutdown));

  app.get("/v1/health", (c) => {
    queryOf(c, []);
    const executors = service.health();
    const store = service.storeHealth();
    const degraded = store.status !== "ok" ||
      Object.values(executors).some((h) => h.status !== "ok");
    return c.json({
      status: degraded ? "degraded" : "ok",
      version: VERSION,
      pid: process.pid,
      executors,
      store,
      recovering: service.recovering,
      liveJobs: service.live.size,
      lastEventId: service.store.lastEventId(),
      sseClients: service.events.subscriberCount,
    });
  });

  app.get("/v1/executors", (c) => {
    queryOf(c, []);
    return c.json({ executors: service.executorInfo() });
  });

  app.get("/v1/openapi.json", (c) => c.json(openApiDocument()));

  return app;
}

function attachBody(body: unknown): { nativeId: string; executor?: string } {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new BadRequestError("the body must be a JSON object", { field: "$" });
  }
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) {
    if (k !== "nativeId" && k !== "executor") {
      throw new BadRequestError(`$.${k}: unknown field; known fields: nativeId, executor`, {
        field: `$.${k}`,
      });
    }
  }
  if (typeof b.nativeId !== "string" || b.nativeId === "" || /[\0\s]/.test(b.nativeId)) {
    throw new BadRequestError("$.nativeId: required, a non-empty string without spaces", {
      field: "$.nativeId",
    });
  }
  if (b.executor !== undefined && typeof b.executor !== "string") {
    throw new BadRequestError("$.executor: must be a string", { field: "$.executor" });
  }
  return { nativeId: b.nativeId, executor: b.executor as string | undefined };
}

/** The methods routed for `path` (GET brings HEAD), or none when no route has this path. */
function allowedMethods(app: Hono, path: string): string[] {
  const methods = new Set<string>();
  for (const r of app.routes) {
    if (r.method === "ALL") continue; // middleware
    const pattern = r.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[^/]+/g, "[^/]+");
    if (!new RegExp(`^${pattern}$`).test(path)) continue;
    methods.add(r.method);
    if (r.method === "GET") methods.add("HEAD");
  }
  return [...methods];
}
