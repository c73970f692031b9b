/**
 * What every simulated command receives and returns.
 * @module
 */
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import type { CommandResult } from "../../src/core/command-runner.ts";
import type { SimServer } from "../server/server.ts";
import { PbsError } from "../server/errors.ts";

export interface CommandContext {
  server: SimServer;
  /** argv[0] is the command name. */
  argv: readonly string[];
  stdin?: string;
  cwd: string;
  env: Record<string, string>;
}

export type Output = CommandResult;

export const PBS_VERSION_LINE = (srv: SimServer) =>
  `pbs_version = ${srv.config.pbsVersion ?? "23.06.06"}\n`;

/** PBS commands answer `--version` as their first argument before parsing any option. */
export function versionAnswer(ctx: CommandContext): Output | undefined {
  if (ctx.argv[1] !== "--version") return undefined;
  return { exitCode: 0, stdout: PBS_VERSION_LINE(ctx.server), stderr: "" };
}

/**
 * Acts on each job operand in turn, as qdel/qhold/qrls do: a malformed id or a
 * refusal prints its line and sets the exit code, and the next id still runs.
 * `line` words a refusal (default `<cmd>: <message> <id>`).
 */
export function eachJobOperand(
  o: Out,
  ctx: CommandContext,
  cmd: string,
  operands: readonly string[],
  act: (id: string) => void,
  line: (e: PbsError, id: string, operand: string) => string = (e, id) =>
    `${cmd}: ${e.message} ${id}`,
): void {
  for (const operand of operands) {
    const id = ctx.server.normalizeId(operand);
    if (id === undefined) {
      o.fail(`${cmd}: illegally formed job identifier: ${operand}`, 1);
      continue;
    }
    try {
      act(id);
    } catch (e) {
      if (!(e instanceof PbsError)) throw e;
      o.fail(line(e, id, operand), e.exitCode);
    }
  }
}

export function userOf(env: Record<string, string>): string {
  return env.USER || env.LOGNAME || safeUser(); // an empty USER (cron, containers) is no name
}

// PBS names the uid's user. Bun's os.userInfo() answers "unknown" without
// $USER: the uid's /etc/passwd entry decides then, as it does for the client
// (src/executors/pbs/config.ts currentUser), or they would disagree.
function safeUser(): string {
  let info: { username: string; uid: number } | undefined;
  try {
    info = userInfo();
  } catch {
    // no passwd entry for this uid
  }
  if (info?.username && info.username !== "unknown") return info.username;
  const uid = info?.uid ?? process.getuid?.();
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const f = line.split(":");
      if (uid !== undefined && f[0] && Number(f[2]) === uid) return f[0];
    }
  } catch {
    // no readable /etc/passwd
  }
  return info?.username || "user";
}

/** Accumulates stdout/stderr and the last failure's exit code. */
export class Out {
  stdout = "";
  stderr = "";
  code = 0;
  out(s: string): void {
    this.stdout += s;
  }
  err(s: string): void {
    this.stderr += s;
  }
  fail(line: string, code: number): void {
    this.stderr += `${line}\n`;
    this.code = code & 0xff;
  }
  /** A usage error: the message (if any), the usage text, exit 2. */
  usage(message: string | undefined, usage: string): Output {
    this.stderr += `${message ? `${message}\n` : ""}${usage}`;
    this.code = 2;
    return this.result();
  }
  result(): Output {
    return { exitCode: this.code, stdout: this.stdout, stderr: this.stderr };
  }
}
