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

/**
 * Wraps `body` so that a launcher's tool missing on the host that runs the
 * job (mpirun on a compute node) ends the launch with status 127 and a
 * message naming the launcher on the shell's stderr, which the job's failure
 * message quotes; otherwise the shell's own "command not found" would go to
 * the job's stderr file and the job would say only "exit code 127".
 */
export function withToolCheck(launcher: string, tool: string, body: string): string {
  const t = shellQuote(tool);
  return [
    `if ! command -v -- ${t} >/dev/null 2>&1; then`,
    `  printf 'psij: launcher %s is not installed: no %s on PATH on %s\\n' ${
      shellQuote(launcher)
    } ${t} "$(hostname 2>/dev/null || echo this host)" >&2`,
    `  (exit 127)`,
    `else`,
    body,
    `fi`,
  ].join("\n");
}
