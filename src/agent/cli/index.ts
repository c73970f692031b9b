/**
 * The CLI: `psij-agent <command> [options]`. Returns the exit code; only
 * src/main.ts turns it into the process's exit.
 * @module
 */

import { conformanceCommand } from "./conformance-cmd.ts";
import { VERSION } from "../version.ts";
import { AgentUnreachableError } from "./client.ts";
import {
  ApiError,
  type Command,
  EXIT,
  helpText,
  type Io,
  makeContext,
  optionWords,
  parseCommandLine,
  signalExit,
  UsageError,
} from "./command.ts";
import {
  eventsCommand,
  executorsCommand,
  healthCommand,
  pruneCommand,
  stopCommand,
} from "./info-cmds.ts";
import {
  attachCommand,
  cancelCommand,
  holdJobCommand,
  listCommand,
  releaseJobCommand,
  statusCommand,
  waitCommand,
} from "./job-cmds.ts";
import { logsCommand } from "./logs-cmd.ts";
import { serveCommand } from "./serve-cmd.ts";
import { simCommand } from "./sim-cmd.ts";
import { runCommand, submitCommand } from "./submit-cmds.ts";
import { uiCommand } from "./ui-cmd.ts";

export const COMMANDS: Command[] = [
  serveCommand,
  submitCommand,
  runCommand,
  statusCommand,
  waitCommand,
  logsCommand,
  cancelCommand,
  holdJobCommand,
  releaseJobCommand,
  listCommand,
  attachCommand,
  eventsCommand,
  executorsCommand,
  healthCommand,
  uiCommand,
  pruneCommand,
  stopCommand,
  conformanceCommand,
  simCommand,
];

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `psij-agent ${VERSION} — PSI/J jobs on PBS (or its simulator) from one login-node agent`,
    "",
    "usage: psij-agent <command> [options]      psij-agent <command> --help",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Every command takes --json (machine-readable output) and --home <dir> (default",
    "$PSIJ_AGENT_HOME or ~/.psij-agent). Calls to the agent give up after --request-timeout",
    "(default 10 s, 90 s for submit/cancel). Exit codes: 0 ok, 1 error, 64 bad command line,",
    "69 no agent answering (or not within the deadline), 130/143 ended by SIGINT/SIGTERM;",
    "`wait` (and --wait): 0 COMPLETED, 1 FAILED, 2 CANCELED, 3 timeout.",
    "",
    "Quick start:",
    "  psij-agent run --wait -- echo hello      (starts an agent in the background if needed)",
    "  psij-agent logs <id>                     (what a job printed)",
    "  psij-agent list",
  ].join("\n");
}

export async function cli(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.out(topic ? helpText(topic) : mainHelp());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    io.out(
      argv.includes("--json") ? JSON.stringify({ version: VERSION }) : `psij-agent ${VERSION}`,
    );
    return EXIT.OK;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`psij-agent: unknown command "${name}"; see psij-agent --help`);
    return EXIT.USAGE;
  }
  // `sim serve` stops on a signal itself; the simulator's client commands are ended by it.
  if (cmd === simCommand) {
    const running = simCommand.run(makeContext(io, {}, rest));
    return rest[0] === "serve" ? running : untilSignal(running, io.signal);
  }
  try {
    const { values, positionals } = parseCommandLine(cmd, rest);
    if (values.help) {
      io.out(helpText(cmd));
      return EXIT.OK;
    }
    const running = cmd.run(makeContext(io, values, positionals));
    return await (cmd.ownsSignals ? running : untilSignal(running, io.signal));
  } catch (err) {
    const json = optionWords(cmd, rest).includes("--json");
    const report = (code: number, message: string, extra: Record<string, unknown> = {}) => {
      if (json) io.err(JSON.stringify({ error: message, exitCode: code, ...extra }));
      else io.err(`psij-agent ${name}: ${message}`);
      return code;
    };
    if (err instanceof UsageError) {
      return report(EXIT.USAGE, `${err.message} (see psij-agent ${name} --help)`);
    }
    if (err instanceof AgentUnreachableError) return report(EXIT.UNAVAILABLE, err.message);
    if (err instanceof ApiError) {
      return report(EXIT.ERROR, err.message, { status: err.status, problem: err.problem });
    }
    return report(EXIT.ERROR, err instanceof Error ? err.message : String(err));
  }
}

/**
 * The command's exit code, or 130/143 at the first SIGINT/SIGTERM: whatever the
 * command waits for (an agent that does not answer, a job) is abandoned, as
 * Ctrl-C abandons qstat. The job itself is not touched.
 */
function untilSignal(running: Promise<number>, signal: AbortSignal): Promise<number> {
  if (signal.aborted) {
    running.catch(() => {}); // abandoned
    return Promise.resolve(signalExit(signal));
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      running.catch(() => {}); // abandoned
      resolve(signalExit(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    running.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
