/**
 * What every CLI command shares: its declaration (options with their help
 * text), the context it runs in, and the errors that become exit codes.
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { PsijError } from "../../core/errors.ts";
import { type AgentPaths, agentPaths, readToken } from "../access.ts";
import { AgentClient } from "./client.ts";

export interface OptionDecl {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Shown in help as `--name <value>`. */
  value?: string;
  help: string;
}

export interface Io {
  /** A line (a newline is added). */
  out(text: string): void;
  err(text: string): void;
  /** Text exactly as given (the simulator's commands print PBS's bytes). */
  write(text: string): void;
  writeErr(text: string): void;
  readStdin(): Promise<string>;
  /** The program's own path (argv[1]), to start the agent in the background. */
  mainPath: string;
  /** Aborted on SIGINT/SIGTERM, with the signal's name as the reason. */
  signal: AbortSignal;
  env: Record<string, string | undefined>;
}

export interface Context {
  io: Io;
  values: Record<string, any>;
  positionals: string[];
  json: boolean;
  paths: AgentPaths;
  client(): AgentClient;
  /** Prints a value as JSON (with --json) or runs the human printer. */
  print(value: unknown, human: () => string): void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Extra help text after the options. */
  details?: string;
  options: Record<string, OptionDecl>;
  /**
   * The first word that is not an option starts a program's command line:
   * it and every word after it (`--` and option-like words included) are
   * positionals, as `env`, `nohup` or `sbatch script args` read them.
   */
  programAfterOptions?: boolean;
  /**
   * The command ends itself, gracefully, on SIGINT/SIGTERM (`serve`). Every
   * other command is ended by the first signal, with the shell's 128 + N.
   */
  ownsSignals?: boolean;
  run(ctx: Context): Promise<number>;
}

/** Exit codes shared by every command (wait's job-state codes are its own). */
export const EXIT = { OK: 0, ERROR: 1, USAGE: 64, UNAVAILABLE: 69 } as const;

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** The status a shell gives a command ended by the signal that aborted `signal` (130, 143). */
export function signalExit(signal: AbortSignal): number {
  return 128 + (SIGNAL_NUMBERS[String(signal.reason)] ?? SIGNAL_NUMBERS.SIGINT);
}

/** A command line that cannot be acted on: exit 64 with the message. */
export class UsageError extends PsijError {}

/** The agent answered with a problem. */
export class ApiError extends PsijError {
  constructor(readonly status: number, readonly problem: any) {
    const detail = typeof problem === "object" && problem ? problem.detail ?? problem.title : "";
    const field = typeof problem === "object" && problem?.field ? ` [${problem.field}]` : "";
    super(`${status}: ${detail || String(problem)}${field}`);
  }
}

export const GLOBAL_OPTIONS: Record<string, OptionDecl> = {
  home: {
    type: "string",
    value: "dir",
    help: "agent home: socket, store, token (default $PSIJ_AGENT_HOME or ~/.psij-agent)",
  },
  url: {
    type: "string",
    value: "url",
    help: "talk to an agent over TCP (http://host:port) instead of the socket; $PSIJ_AGENT_URL",
  },
  "request-timeout": {
    type: "string",
    value: "seconds",
    help: "give up on an agent that does not answer a call within this (default 10; 90 for " +
      "calls that act: submit, cancel, attach, prune); $PSIJ_AGENT_REQUEST_TIMEOUT",
  },
  json: { type: "boolean", help: "machine-readable output" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

/**
 * Splits a command line where a program's own begins: before the first word
 * that is neither an option of `decls` nor an option's value, or after a
 * `--` met first. Unknown options stay on the options side (to be refused).
 */
export function splitAtProgram(
  decls: Record<string, OptionDecl>,
  argv: string[],
): { options: string[]; program: string[] } {
  const byShort = new Map(
    Object.values(decls).filter((o) => o.short).map((o) => [o.short!, o]),
  );
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") return { options: argv.slice(0, i), program: argv.slice(i + 1) };
    if (word.startsWith("--")) {
      if (decls[word.slice(2)]?.type === "string") i++; // `--name value`; `--name=value` is one word
    } else if (word.startsWith("-") && word.length > 1) {
      // A group of short flags; one that takes a value takes the rest of the word or the next.
      for (let c = 1; c < word.length; c++) {
        if (byShort.get(word[c])?.type !== "string") continue;
        if (c === word.length - 1) i++;
        break;
      }
    } else {
      return { options: argv.slice(0, i), program: argv.slice(i) };
    }
  }
  return { options: argv, program: [] };
}

export function parseCommandLine(cmd: Command, argv: string[]) {
  const all = { ...GLOBAL_OPTIONS, ...cmd.options };
  const options: ParseArgsConfig["options"] = {};
  for (const [name, o] of Object.entries(all)) {
    options[name] = { type: o.type, multiple: o.multiple ?? false };
    if (o.short) options[name].short = o.short;
  }
  const split = cmd.programAfterOptions ? splitAtProgram(all, argv) : undefined;
  try {
    const parsed = parseArgs({
      args: split ? split.options : argv,
      options,
      allowPositionals: !split,
      strict: true,
    });
    return split ? { values: parsed.values, positionals: split.program } : parsed;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The words of a command line that are this command's options (not a program's). */
export function optionWords(cmd: Command, argv: string[]): string[] {
  return cmd.programAfterOptions
    ? splitAtProgram({ ...GLOBAL_OPTIONS, ...cmd.options }, argv).options
    : argv;
}

export function makeContext(
  io: Io,
  values: Record<string, any>,
  positionals: string[],
): Context {
  const paths = agentPaths(values.home, io.env);
  const json = values.json === true;
  let client: AgentClient | undefined;
  return {
    io,
    values,
    positionals,
    json,
    paths,
    client() {
      if (client) return client;
      const url = values.url ?? io.env.PSIJ_AGENT_URL;
      const token = io.env.PSIJ_AGENT_TOKEN ?? (url ? readToken(paths.token) : undefined);
      client = new AgentClient(url ? { url, token } : { socket: paths.socket, token }, {
        timeoutMs: requestTimeoutMs(values["request-timeout"], io.env.PSIJ_AGENT_REQUEST_TIMEOUT),
      });
      return client;
    },
    print(value, human) {
      io.out(json ? JSON.stringify(value, null, 2) : human());
    },
  };
}

function requestTimeoutMs(flag?: string, env?: string): number | undefined {
  const text = flag ?? env;
  if (text === undefined || text === "") return undefined;
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0) {
    const from = flag !== undefined ? "--request-timeout" : "$PSIJ_AGENT_REQUEST_TIMEOUT";
    throw new UsageError(`${from} must be a positive number of seconds, got "${text}"`);
  }
  return Number(text) * 1000;
}

export function helpText(cmd: Command): string {
  const lines = [`psij-agent ${cmd.name} — ${cmd.summary}`, "", `usage: ${cmd.usage}`, ""];
  const render = (opts: Record<string, OptionDecl>) => {
    for (const [name, o] of Object.entries(opts)) {
      const flag = `${o.short ? `-${o.short}, ` : ""}--${name}${o.value ? ` <${o.value}>` : ""}`;
      lines.push(`  ${flag.padEnd(28)} ${o.help}`);
    }
  };
  if (Object.keys(cmd.options).length) {
    lines.push("options:");
    render(cmd.options);
    lines.push("");
  }
  lines.push("global options:");
  render(GLOBAL_OPTIONS);
  if (cmd.details) lines.push("", cmd.details.trimEnd());
  return lines.join("\n");
}

/** Fails with a UsageError unless exactly `n` positionals were given. */
export function expectPositionals(ctx: Context, names: string[]): string[] {
  if (ctx.positionals.length !== names.length) {
    throw new UsageError(
      `expected ${names.map((n) => `<${n}>`).join(" ")}, got ${
        ctx.positionals.length ? ctx.positionals.map((p) => JSON.stringify(p)).join(" ") : "nothing"
      }`,
    );
  }
  return ctx.positionals;
}

/** The response body, or an ApiError for a problem. */
export function expectOk(res: { status: number; body: any }): any {
  if (res.status >= 400) throw new ApiError(res.status, res.body);
  return res.body;
}
