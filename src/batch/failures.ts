/**
 * A scheduler command's failure in words, the same for every backend.
 * Whether a failure is worth a retry is the backend's to say.
 * @module
 */

import type { CommandResult } from "../core/command-runner.ts";
import { SubmitException } from "../core/errors.ts";

/** The first lines of a command's output, on one line. */
export function firstLines(s: string, n = 5): string {
  return s.trim().split("\n").slice(0, n).join(" / ");
}

/** `<what> failed (exit N[, timed out]): <stderr>`. */
export function commandFailed(what: string, r: CommandResult): string {
  return `${what} failed (exit ${r.exitCode}${r.timedOut ? ", timed out" : ""}): ${
    firstLines(r.stderr) || "(no message)"
  }`;
}

/**
 * A submit command that gave no job id: refused, failed, or printed something
 * else. `detail` says which of the job's values the refusal is about.
 */
export function submitFailed(
  command: string,
  r: CommandResult,
  transient: boolean,
  detail?: string,
): SubmitException {
  const what = r.exitCode === 0
    ? `${command} printed no job id: ${firstLines(r.stdout) || "(nothing)"}`
    : commandFailed(command, r);
  return new SubmitException(detail ? `${what}; ${detail}` : what, { transient, output: r });
}
