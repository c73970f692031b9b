/**
 * What every simulated command receives and returns.
 * @module
 */
import { userInfo } from "node:os";
import type { CommandResult } from "../../src/core/command-runner.ts";
import type { SimServer } from "../server/server.ts";

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

export function userOf(env: Record<string, string>): string {
  return env.USER || env.LOGNAME || safeUser(); // an empty USER (cron, containers) is no name
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "user";
  }
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
  result(): Output {
    return { exitCode: this.code, stdout: this.stdout, stderr: this.stderr };
  }
}
