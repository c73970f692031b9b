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
