/**
 * Pieces every launcher's bash text shares: the executable check, the
 * redirections, the nodefile export.
 * @module
 */

import { shellQuote } from "./shell.ts";
import type { LaunchContext } from "./types.ts";

/** ` <in >out 2>err` for the redirections the context names. */
export function redirections(ctx: LaunchContext, stdin = true, outputs = true): string {
  let r = "";
  if (stdin && ctx.stdinPath !== undefined) r += ` <${shellQuote(ctx.stdinPath)}`;
  if (outputs && ctx.stdoutPath !== undefined) r += ` >${shellQuote(ctx.stdoutPath)}`;
  if (outputs && ctx.stderrPath !== undefined) {
    // One file for both: one open, so the two streams interleave instead of overwriting.
    r += ctx.stderrPath === ctx.stdoutPath ? " 2>&1" : ` 2>${shellQuote(ctx.stderrPath)}`;
  }
  return r;
}

/**
 * Wraps `body` so that a missing executable ends the launch with status 127
 * and a message naming it on the shell's stderr (not the job's, which the
 * user reads for the job's own output). Looked up after preLaunch ran, so a
 * PATH set there counts.
 */
export function withExecutableCheck(ctx: LaunchContext, body: string): string {
  const exe = shellQuote(ctx.executable);
  const lines = [
    `if ! command -v -- ${exe} >/dev/null 2>&1; then`,
    `  printf 'psij: cannot run executable %s: not found or not executable\\n' ${exe} >&2`,
    `  (exit 127)`,
    `else`,
    body, // not re-indented: a quoted argument may span lines
    `fi`,
  ];
  if (ctx.nodefile !== undefined) lines.unshift(`export PSIJ_NODEFILE=${ctx.nodefile}`);
  return lines.join("\n");
}
