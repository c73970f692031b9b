/**
 * The OpenAPI 3.1 document for /v1. A test checks that its paths and
 * methods are exactly the app's routes.
 * @module
 */

import { VERSION } from "../version.ts";
import { ALL_STATES } from "../../core/job-state.ts";
import { jobSpecSchema, psijJobSpecSchema } from "./jobspec-schema.ts";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ "application/json": { schema } });
const problems = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [
      String(code),
      {
        description: "problem details (RFC 9457)",
        content: { "application/problem+json": { schema: ref("Problem") } },
      },
    ]),
  );
const jobId = {
  name: "id",
  in: "path",
  required: true,
  description: "the job id, the scheduler's native id, or a start of the job id that fits one " +
    "job only (several: 409); `1234` is PBS's `1234.<server>`",
  schema: { type: "string" },
};
const ok = (description: string, schema: unknown) => ({ description, content: json(schema) });

const STATES = [...ALL_STATES];

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "psij-agent",
      version: VERSION,
      description: "PSI/J jobs on the login node: submit, track, cancel, stream transitions.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Problem: {
          type: "object",
          required: ["type", "title", "status", "detail"],
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            field: { type: "string", description: "the JSON path, header or parameter at fault" },
            jobId: { type: "string", description: "the job the problem is about" },
          },
        },
        JobSpec: jobSpecSchema(),
        PsijJobSpec: psijJobSpecSchema(),
        SubmitBody: {
          description: "either JobSpec form; the job needs an executable",
          allOf: [
            { oneOf: [ref("JobSpec"), ref("PsijJobSpec")] },
            { required: ["executable"], properties: { executable: { type: "string" } } },
          ],
        },
        Transition: {
          type: "object",
          required: ["seq", "eventId", "state", "time"],
          properties: {
            seq: { type: "integer" },
            eventId: { type: "integer" },
            state: { enum: STATES },
            time: {
              type: "string",
              format: "date-time",
              description: "when the agent saw the evidence: never before the previous transition",
            },
            schedulerTime: {
              type: "string",
              format: "date-time",
              description:
                "the scheduler's own stamp for the state (whole seconds), if it gave one",
            },
            message: { type: "string" },
            exitCode: { type: "integer" },
            evidence: { type: "string" },
            metadata: { type: "object" },
            damaged: {
              type: "string",
              description: "only when the stored transition is damaged: what is wrong",
            },
          },
        },
        JobSummary: {
          type: "object",
          required: ["id", "executor", "state", "createdAt", "updatedAt"],
          properties: {
            id: { type: "string" },
            executor: { type: "string" },
            nativeId: { type: "string" },
            state: { enum: STATES },
            exitCode: { type: "integer" },
            message: { type: "string" },
            held: {
              const: true,
              description: "present while a QUEUED job is held (PSI/J has no HELD state); " +
                "the message says by whom",
            },
            createdAt: { type: "string", format: "date-time" },
            updatedAt: { type: "string", format: "date-time" },
          },
        },
        Job: {
          allOf: [ref("JobSummary"), {
            type: "object",
            required: ["spec", "history"],
            properties: {
              spec: {
                oneOf: [ref("JobSpec"), { type: "null" }],
                description: "null only when the stored spec is damaged (see damaged)",
              },
              history: { type: "array", items: ref("Transition") },
              damaged: {
                type: "array",
                description: "only when the stored row is damaged: each part and what is wrong",
                items: {
                  type: "object",
                  required: ["part", "problem"],
                  properties: { part: { type: "string" }, problem: { type: "string" } },
                },
              },
            },
          }],
        },
      },
    },
    security: [{}, { bearer: [] }],
    paths: {
      "/v1/jobs": {
        post: {
          summary: "Submit a job",
          parameters: [
            { name: "executor", in: "query", schema: { type: "string" } },
            { name: "Idempotency-Key", in: "header", schema: { type: "string", maxLength: 255 } },
          ],
          requestBody: { required: true, content: json(ref("SubmitBody")) },
          responses: {
            "201": ok("the job, submitted", ref("Job")),
            "200": ok("the job first submitted with this Idempotency-Key", ref("Job")),
            ...problems(400, 401, 403, 409, 413, 415, 422, 502),
          },
        },
        get: {
          summary: "List jobs, oldest first",
          parameters: [
            {
              name: "state",
              in: "query",
              schema: { type: "string" },
              description: "comma-separated states",
            },
            { name: "cursor", in: "query", schema: { type: "string" } },
            { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000 } },
            {
              name: "name",
              in: "query",
              schema: { type: "string" },
              description: "the job's name (the spec's, else the executable's base name) matches " +
                "this glob (`sim*`)",
            },
            { name: "executor", in: "query", schema: { type: "string" } },
            {
              name: "since",
              in: "query",
              schema: { type: "string", format: "date-time" },
              description: "submitted at or after this ISO 8601 time",
            },
            {
              name: "until",
              in: "query",
              schema: { type: "string", format: "date-time" },
              description: "submitted before this ISO 8601 time",
            },
          ],
          responses: {
            "200": ok("a page of jobs", {
              type: "object",
              properties: {
                jobs: { type: "array", items: ref("JobSummary") },
                nextCursor: { type: "string" },
              },
            }),
            ...problems(400, 401, 403),
          },
        },
      },
      "/v1/jobs/{id}": {
        get: {
          summary: "A job: spec, native id, status and full history",
          parameters: [jobId],
          responses: { "200": ok("the job", ref("Job")), ...problems(401, 403, 404) },
        },
      },
      "/v1/jobs/{id}/cancel": {
        post: {
          summary: "Cancel a job (a final job is returned as it is)",
          parameters: [jobId],
          responses: {
            "200": ok("the job after the cancel request", ref("Job")),
            ...problems(401, 403, 404, 409, 415, 502),
          },
        },
      },
      "/v1/jobs/{id}/hold": {
        post: {
          summary: "Hold a QUEUED job (PBS qhold, Slurm scontrol hold; local: a job the agent " +
            "still keeps back); it stays QUEUED with held: true",
          parameters: [jobId],
          responses: {
            "200": ok("the job, held", ref("Job")),
            ...problems(401, 403, 404, 409, 415, 502),
          },
        },
      },
      "/v1/jobs/{id}/release": {
        post: {
          summary: "Release a held job (PBS qrls, Slurm scontrol release)",
          parameters: [jobId],
          responses: {
            "200": ok("the job, released", ref("Job")),
            ...problems(401, 403, 404, 409, 415, 502),
          },
        },
      },
      "/v1/attach": {
        post: {
          summary: "Track a job the scheduler already has, by its native id",
          requestBody: {
            required: true,
            content: json({
              type: "object",
              required: ["nativeId"],
              additionalProperties: false,
              properties: { nativeId: { type: "string" }, executor: { type: "string" } },
            }),
          },
          responses: {
            "201": ok("the new job record", ref("Job")),
            "200": ok("the job already tracked under this native id", ref("Job")),
            ...problems(400, 401, 403, 404, 415, 422, 502),
          },
        },
      },
      "/v1/prune": {
        post: {
          summary: "Forget final jobs (and their history) last changed more than N seconds ago",
          requestBody: {
            required: true,
            content: json({
              type: "object",
              required: ["olderThanSeconds"],
              additionalProperties: false,
              properties: { olderThanSeconds: { type: "number", minimum: 0 } },
            }),
          },
          responses: {
            "200": ok("how many jobs were forgotten", {
              type: "object",
              properties: { pruned: { type: "integer" } },
            }),
            ...problems(400, 401, 403, 415),
          },
        },
      },
      "/v1/events": {
        get: {
          summary: "Server-Sent Events: one `transition` event per stored transition",
          parameters: [
            { name: "Last-Event-ID", in: "header", schema: { type: "integer" } },
            { name: "after", in: "query", schema: { type: "integer" } },
            {
              name: "job",
              in: "query",
              schema: { type: "string" },
              description: "one job, by its id or its native id (unknown: 404)",
            },
          ],
          responses: {
            "200": {
              description: "event stream",
              content: { "text/event-stream": { schema: { type: "string" } } },
            },
            ...problems(400, 401, 403, 404),
          },
        },
      },
      "/v1/health": {
        get: {
          summary: "Agent and per-executor health",
          responses: { "200": ok("health", { type: "object" }), ...problems(401, 403) },
        },
      },
      "/v1/executors": {
        get: {
          summary: "The executors this agent serves",
          responses: { "200": ok("executors", { type: "object" }), ...problems(401, 403) },
        },
      },
      "/v1/openapi.json": {
        get: {
          summary: "This document",
          responses: { "200": ok("OpenAPI 3.1", { type: "object" }), ...problems(401, 403) },
        },
      },
    },
  };
}
