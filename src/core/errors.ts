/**
 * The PSI/J errors. Each carries what a caller needs to act: the field at
 * fault, whether a retry may help, the scheduler's own words.
 * @module
 */

import type { CommandResult } from "./command-runner.ts";

export class PsijError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A JobSpec (or a job) that cannot be submitted as it is. */
export class InvalidJobException extends PsijError {
  /** Dotted path of the offending field, e.g. `resources.processCount`. */
  readonly field?: string;
  constructor(message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options);
    this.field = options?.field;
  }
}

/** The scheduler refused the job, or its answer could not be obtained. */
export class SubmitException extends PsijError {
  /** True when the same submission may succeed later (connection refused, timeout). */
  readonly transient: boolean;
  /** The command's result, when a command was run. */
  readonly output?: CommandResult;
  constructor(
    message: string,
    options?: { transient?: boolean; output?: CommandResult; cause?: unknown },
  ) {
    super(message, options);
    this.transient = options?.transient ?? false;
    this.output = options?.output;
  }
}

/**
 * The scheduler answered a cancel with a definite no (the request never
 * reached it, or it was not allowed): the job goes on, and nothing about its
 * end may be put down to the user's cancel.
 */
export class CancelRefusedException extends PsijError {}

/** An operation that the job's current state does not allow. */
export class InvalidStateException extends PsijError {}

/** An executor name or version the registry cannot satisfy. */
export class UnknownExecutorException extends PsijError {}

/**
 * An error for a log line: its name and message, then at most `frames` stack
 * frames. Logging the Error object itself would let a runtime add its own
 * rendering (Bun prints the source lines around the throw: in the compiled
 * binary, a screenful of minified code).
 */
export function errorSummary(err: unknown, frames = 5): string {
  if (!(err instanceof Error)) return String(err);
  const head = `${err.name}: ${err.message}`;
  const at = (err.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l)).slice(0, frames);
  return [head, ...at.map((l) => `    ${l.trim()}`)].join("\n");
}
