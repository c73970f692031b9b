/**
 * Errors as RFC 9457 problem details: one status per error class, the field
 * at fault named in `field`, the message in `detail`.
 * @module
 */

import {
  CancelRefusedException,
  InvalidJobException,
  InvalidStateException,
  PsijError,
  SubmitException,
  UnknownExecutorException,
} from "../../core/errors.ts";
import { BadRequestError, ConflictError, NotFoundError, SubmitFailedError } from "../errors.ts";
import { StoreError } from "../store/errors.ts";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The JSON path, header or parameter at fault. */
  field?: string;
  [extension: string]: unknown;
}

const TYPE_BASE = "https://psij-agent.invalid/problems/";

export function problem(
  status: number,
  slug: string,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Problem {
  return { type: TYPE_BASE + slug, title, status, detail, ...extra };
}

/**
 * An error with what the route knows and the error does not: the field at
 * fault as the client wrote it (`path.id`, `query.executor`, `$.executor`)
 * and the job concerned. Its members override the error's own.
 */
export class InRequest extends Error {
  constructor(readonly error: unknown, readonly extra: { field?: string; jobId?: string }) {
    super(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** The problem an error becomes; anything unexpected is a 500 that still says what happened. */
export function problemOf(err: unknown): Problem {
  if (err instanceof InRequest) return { ...problemOf(err.error), ...err.extra };
  if (err instanceof InvalidJobException) {
    return problem(422, "invalid-job-spec", "Invalid job spec", err.message, {
      field: err.field,
    });
  }
  if (err instanceof BadRequestError) {
    return problem(400, "bad-request", "Bad request", err.message, { field: err.field });
  }
  if (err instanceof NotFoundError) return problem(404, "not-found", "Not found", err.message);
  if (err instanceof ConflictError) return problem(409, "conflict", "Conflict", err.message);
  if (err instanceof InvalidStateException) {
    return problem(409, "invalid-state", "Invalid job state", err.message);
  }
  if (err instanceof UnknownExecutorException) {
    return problem(400, "unknown-executor", "Unknown executor", err.message, {
      field: "executor",
    });
  }
  if (err instanceof SubmitFailedError) {
    return problem(502, "submit-failed", "The scheduler refused the job", err.message, {
      jobId: err.jobId,
      transient: err.transient,
    });
  }
  if (err instanceof SubmitException) {
    return problem(502, "submit-failed", "The scheduler refused the job", err.message, {
      transient: err.transient,
    });
  }
  if (err instanceof CancelRefusedException) {
    return problem(502, "cancel-refused", "The scheduler refused the cancel", err.message);
  }
  if (err instanceof StoreError) return storeProblem(err);
  if (err instanceof PsijError) {
    // What is left are scheduler commands that failed or never answered: may be retried.
    return problem(502, "scheduler-error", "The scheduler command failed", err.message);
  }
  const detail = err instanceof Error ? err.message : String(err);
  return problem(500, "internal", "Internal error", detail);
}

/** 507 when the store's disk is full, 500 when it is damaged, 503 when it cannot be used. */
function storeProblem(err: StoreError): Problem {
  const extra = { store: err.path, sqlite: err.sqlite };
  if (err.kind === "full") {
    return problem(507, "store-full", "The job store is out of space", err.message, extra);
  }
  if (err.kind === "damaged") {
    return problem(500, "store-damaged", "The job store is damaged", err.message, extra);
  }
  return problem(503, "store-unavailable", "The job store cannot be used", err.message, extra);
}

export function problemResponse(p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(p), {
    status: p.status,
    headers: { "content-type": "application/problem+json", ...headers },
  });
}
