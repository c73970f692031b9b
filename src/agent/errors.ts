/**
 * The agent's own errors (the PSI/J ones come from core). Each maps to one
 * HTTP status in http/problem.ts.
 * @module
 */

import { PsijError } from "../core/errors.ts";

/** No job (or executor) with this id. */
export class NotFoundError extends PsijError {}

/** The request conflicts with what is stored (an idempotency key reused for another request). */
export class ConflictError extends PsijError {}

/** A request that is malformed apart from the JobSpec (query, header, body shape). */
export class BadRequestError extends PsijError {
  readonly field?: string;
  constructor(message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options);
    this.field = options?.field;
  }
}

/** The executor refused a recorded job; the job is stored as FAILED under `jobId`. */
export class SubmitFailedError extends PsijError {
  readonly jobId: string;
  readonly transient: boolean;
  constructor(message: string, options: { jobId: string; transient?: boolean; cause?: unknown }) {
    super(message, options);
    this.jobId = options.jobId;
    this.transient = options.transient ?? false;
  }
}
