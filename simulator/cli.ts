/**
 * `psij-agent sim ...`: `serve` runs one simulated PBS server in the
 * foreground on a unix socket; `qsub|qstat|qdel|qselect|qhold|qrls ...` send
 * the command to it, starting one in the background when none answers; `stop`
 * ends it. Prints what PBS prints and returns the exit code.
 * @module
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { realClock } from "../src/core/clock.ts";
import type { CommandResult } from "../src/core/command-runner.ts";
import { getopt } from "./commands/getopt.ts";
import { QSUB_OPTS } from "./commands/qsub-options.ts";
import { defaultNodes } from "./server/config.ts";
import { callSocket, defaultSocketPath, serveSocket } from "./ipc.ts";
import { attachMom, type LocalMom } from "./mom.ts";
import { COMMANDS, createSimRunner, type SimRunner } from "./runner.ts";
import { selfCommand } from "./runtime.ts";
import { SimServer } from "./server/server.ts";
import { durableRunner, persistServer } from "./journal.ts";

const STOP = "__pbs_sim_stop__";

const HELP =
  `usage: sim serve [--socket PATH] [--name NAME] [--nodes N] [--ncpus N] [--mem GB] [--ngpus N]
                 [--mode execute|model] [--state FILE] [--history-hours H] [--json v23|cjson]
       sim qsub|qstat|qdel|qselect|qhold|qrls [args...]   (starts a server when none answers)
       sim stop [--socket PATH]
Environment: PSIJ_SIM_SOCKET, and for an auto-started server PSIJ_SIM_NAME, PSIJ_SIM_NODES,
PSIJ_SIM_NCPUS, PSIJ_SIM_MEM_GB, PSIJ_SIM_NGPUS, PSIJ_SIM_MODE, PSIJ_SIM_STATE.
`;

export interface SimMainIo {
  out(text: string): void;
  err(text: string): void;
}

const stdio: SimMainIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

export async function simMain(argv: string[], io: SimMainIo = stdio): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "serve") return await serve(rest, io);
  if (sub === "stop") return await stop(rest, io);
  if (sub && COMMANDS[sub]) return await client(sub, rest, io);
  io.err(HELP);
  return sub === undefined || sub === "--help" || sub === "-h" ? 0 : 2;
}

interface Settings {
  socket: string;
  name: string;
  nodes: number;
  ncpus: number;
  mem: number;
  ngpus: number;
  mode: "execute" | "model";
  state?: string;
  historyHours?: number;
  json: "v23" | "cjson";
}

function settingsFrom(args: string[]): Settings {
  const env = process.env;
  const { values } = parseArgs({
    args,
    options: {
      socket: { type: "string" },
      name: { type: "string" },
      nodes: { type: "string" },
      ncpus: { type: "string" },
      mem: { type: "string" },
      ngpus: { type: "string" },
      mode: { type: "string" },
      state: { type: "string" },
      "history-hours": { type: "string" },
      json: { type: "string" },
    },
  });
  const num = (v: string | undefined, fallback: number, what: string) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) {
      throw new Error(`--${what}: expected a non-negative number, got ${v}`);
    }
    return n;
  };
  const mode = values.mode ?? env.PSIJ_SIM_MODE ?? "execute";
  if (mode !== "execute" && mode !== "model") {
    throw new Error(`--mode: expected execute or model, got ${mode}`);
  }
  const json = values.json ?? "v23";
  if (json !== "v23" && json !== "cjson") {
    throw new Error(`--json: expected v23 or cjson, got ${json}`);
  }
  return {
    socket: values.socket ?? defaultSocketPath(),
    name: values.name ?? env.PSIJ_SIM_NAME ?? "pbs-sim",
    nodes: num(values.nodes ?? env.PSIJ_SIM_NODES, 1, "nodes"),
    ncpus: num(values.ncpus ?? env.PSIJ_SIM_NCPUS, 8, "ncpus"),
    mem: num(values.mem ?? env.PSIJ_SIM_MEM_GB, 16, "mem"),
    ngpus: num(values.ngpus ?? env.PSIJ_SIM_NGPUS, 0, "ngpus"),
    mode,
    state: values.state ?? env.PSIJ_SIM_STATE,
    historyHours: values["history-hours"] === undefined
      ? undefined
      : num(values["history-hours"], 336, "history-hours"),
    json,
  };
}

async function serve(args: string[], io: SimMainIo): Promise<number> {
  let s: Settings;
  try {
    s = settingsFrom(args);
  } catch (e) {
    io.err(`sim serve: ${(e as Error).message}\n${HELP}`);
    return 2;
  }
  const server = new SimServer({
    name: s.name,
    clock: realClock,
    mode: s.mode,
    nodes: defaultNodes(s.nodes, s.ncpus, s.mem, s.ngpus, s.nodes === 1 ? "" : "node"),
    historyRetentionMs: s.historyHours === undefined ? undefined : s.historyHours * 3_600_000,
    jsonEncoder: s.json,
  });
  let mom: LocalMom | undefined;
  if (s.mode === "execute") mom = attachMom(server);
  const journal = s.state ? persistServer(server, s.state) : undefined;
  server.start();
  const inner = journal ? durableRunner(createSimRunner(server), journal) : createSimRunner(server);
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const runner: SimRunner = {
    server,
    faults: inner.faults,
    run: (argv, opts) => {
      if (argv[0] === STOP) {
        setTimeout(finish, 10);
        return Promise.resolve({ exitCode: 0, stdout: "", stderr: "" });
      }
      return inner.run(argv, opts);
    },
  };
  let sock: { close(): void };
  try {
    sock = await serveSocket(runner, s.socket);
  } catch (e) {
    server.stop();
    journal?.close();
    mom?.killAll();
    io.err(`sim serve: ${(e as Error).message}\n`);
    return 1;
  }
  io.err(`pbs-sim: server ${s.name} (${s.mode}, ${s.nodes}x${s.ncpus} ncpus) on ${s.socket}\n`);
  const onSignal = () => finish();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  await done;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  sock.close();
  server.stop();
  journal?.tryFlush();
  journal?.close();
  // No one re-adopts this server's jobs (a restart finds them ended, -4): they end with it.
  mom?.killAll();
  return 0;
}

async function stop(args: string[], io: SimMainIo): Promise<number> {
  const socket = settingsFrom(args).socket;
  try {
    await callSocket(socket, { argv: [STOP], cwd: "/", env: {} });
    return 0;
  } catch {
    io.err(`sim stop: no server on ${socket}\n`);
    return 1;
  }
}

function wantsStdin(cmd: string, args: string[]): boolean {
  if (cmd !== "qsub" || args[0] === "--version") return false;
  const g = getopt("qsub", args, QSUB_OPTS);
  return !g.afterDashDash && (g.operands.length === 0 || g.operands[0] === "-");
}

async function client(cmd: string, args: string[], io: SimMainIo): Promise<number> {
  const socket = defaultSocketPath();
  const stdin = wantsStdin(cmd, args) ? readFileSync(0, "utf8") : undefined;
  const req = {
    argv: [cmd, ...args],
    stdin,
    cwd: process.cwd(),
    env: process.env as Record<string, string>,
  };
  let r: CommandResult;
  try {
    r = await callSocket(socket, req);
  } catch {
    startBackground(socket);
    r = await retry(() => callSocket(socket, req), 10_000);
  }
  io.out(r.stdout);
  io.err(r.stderr);
  return r.exitCode;
}

function startBackground(socket: string): void {
  const [exe, ...pre] = selfCommand();
  const child = spawn(exe, [...pre, "serve", "--socket", socket], {
    detached: true,
    stdio: "ignore",
  });
  child.unref();
}

async function retry<T>(fn: () => Promise<T>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
