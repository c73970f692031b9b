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
import { getopt } from "./commands/getopt.ts";
import { QSUB_OPTS } from "./commands/qsub-options.ts";
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
      const result = runCommand(server, argv, options);
      if (name === "qsub" && result.exitCode === 0 && wantsBlock(argv)) {
        return await block(server, result, options.timeoutMs);
      }
      return result;
    },
  };
}

/** `-W block=true` on the command line (directives are not scanned for it). */
function wantsBlock(argv: readonly string[]): boolean {
  const g = getopt("qsub", argv.slice(1), QSUB_OPTS);
  return g.opts.some(([c, v]) => c === "W" && /(^|,)block=true(,|$)/i.test(v ?? ""));
}

/**
 * qsub -W block=true: the id is printed, then qsub waits for the job and exits
 * with its Exit_status & 0xFF (3 with PBS's line when the job was deleted).
 */
async function block(
  server: SimServer,
  submitted: CommandResult,
  timeoutMs?: number,
): Promise<CommandResult> {
  const id = submitted.stdout.trim();
  const start = server.clock.now();
  for (;;) {
    server.tick();
    const job = server.jobs.get(id);
    if (!job || job.finished) {
      if (!job || job.substate === 91 || job.exitStatus === undefined) {
        const by = job?.deletedBy ?? `${job?.req.user ?? "root"}@${server.host}`;
        return {
          ...submitted,
          exitCode: 3,
          stderr: `qsub: ${id} Job to be deleted at request of ${by}\n`,
        };
      }
      return { ...submitted, exitCode: job.exitStatus & 0xff };
    }
    if (timeoutMs !== undefined && server.clock.now() - start >= timeoutMs) {
      return { ...submitted, exitCode: 124, timedOut: true };
    }
    await server.clock.sleep(1000);
  }
}
