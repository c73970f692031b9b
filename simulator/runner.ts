/**
 * The simulator behind the CommandRunner seam: argv goes to the in-process
 * qsub/qstat/... and comes back as PBS would print it. Faults apply here.
 * @module
 */
import { basename } from "node:path";
import type { CommandOptions, CommandResult, CommandRunner } from "../src/core/command-runner.ts";
import type { CommandContext, Output } from "./commands/context.ts";
import { qdel } from "./commands/qdel.ts";
import { qhold, qrls } from "./commands/qhold.ts";
import { qselect } from "./commands/qselect.ts";
import { qstat } from "./commands/qstat.ts";
import { qsub } from "./commands/qsub.ts";
import { connectFailure, Faults } from "./faults.ts";
import type { SimServer } from "./server/server.ts";

export const COMMANDS: Record<string, (ctx: CommandContext) => Output> = {
  qsub,
  qstat,
  qdel,
  qhold,
  qrls,
  qselect,
};

export interface SimRunner extends CommandRunner {
  readonly server: SimServer;
  readonly faults: Faults;
}

/** Runs one command against the server, synchronously (no faults). */
export function runCommand(
  server: SimServer,
  argv: readonly string[],
  options: CommandOptions = {},
): CommandResult {
  const name = basename(argv[0] ?? "");
  const fn = COMMANDS[name];
  if (!fn) return { exitCode: 127, stdout: "", stderr: `${argv[0] ?? ""}: command not found\n` };
  const env = options.env ?? (process.env as Record<string, string>);
  return fn({
    server,
    argv: [name, ...argv.slice(1)],
    stdin: options.stdin,
    cwd: options.cwd ?? env.PWD ?? process.cwd(),
    env,
  });
}

export function createSimRunner(server: SimServer, faults = new Faults()): SimRunner {
  return {
    server,
    faults,
    async run(argv, options = {}) {
      faults.applyDue(server);
      const name = basename(argv[0] ?? "");
      if (!COMMANDS[name]) return runCommand(server, argv, options);
      const fault = faults.take(name, server.clock.now());
      if (fault?.kind === "connect") return { stdout: "", ...connectFailure(name, server.name) };
      if (fault?.kind === "qsub-refuse") {
        return {
          exitCode: (fault.code ?? 15060) & 0xff,
          stdout: "",
          stderr: `qsub: ${fault.text ?? "Server shutdown completed"}\n`,
        };
      }
      if (fault?.kind === "qsub-lost-reply") {
        runCommand(server, argv, options);
        return { exitCode: 15031 & 0xff, stdout: "", stderr: "qsub: Batch protocol error\n" };
      }
      if (fault?.kind === "hang") {
        const hang = fault.ms ?? 3_600_000;
        const acted = fault.acts ? runCommand(server, argv, options) : undefined;
        const limit = options.timeoutMs;
        if (limit !== undefined && limit < hang) {
          await server.clock.sleep(limit);
          return { exitCode: 124, stdout: "", stderr: "", timedOut: true };
        }
        await server.clock.sleep(hang);
        return acted ?? runCommand(server, argv, options);
      }
      return runCommand(server, argv, options);
    },
  };
}
