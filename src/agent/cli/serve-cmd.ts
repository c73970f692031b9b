/**
 * `serve`: runs the agent in the foreground until SIGINT/SIGTERM.
 * @module
 */

import { parseListen } from "../access.ts";
import { startAgent } from "../agent.ts";
import { parsePbsDuration } from "../pbs-history.ts";
import { checkExecutorChoice } from "../executors.ts";
import { discoverExecutors, executorFolders, problemLines } from "../discovery.ts";
import { simShapeFromEnv } from "../sim-executor.ts";
import { type Command, expectPositionals, UsageError } from "./command.ts";
import { uiPort } from "./ui-cmd.ts";

export const serveCommand: Command = {
  name: "serve",
  summary: "run the agent (foreground) on the unix socket, and on TCP with --listen",
  usage: "psij-agent serve [--executor auto|pbs|local|sim|slurm|NAME] [--listen <host:port>] " +
    "[--ui [--ui-port <port>]]",
  details:
    `The socket is <home>/agent.sock (mode 0600, in a 0700 directory); the store <home>/agent.db.
--listen adds a TCP listener that requires "Authorization: Bearer <token>" on every route; the token
is created in <home>/token (mode 0600). There is no way to drop the token: every user of this
machine, and every web page its browsers open, can reach a loopback port. The unix socket needs no
token (only you can open it).
--executor auto (the default, or $PSIJ_AGENT_EXECUTOR) uses PBS when qstat/qsub on PATH answer as
PBS, otherwise the embedded PBS simulator (which runs jobs for real on this machine): one node the
size of this machine, or $PSIJ_SIM_NODES nodes of $PSIJ_SIM_NCPUS ncpus each (all on this machine).
Any other NAME
is an executor found by discovery: a *.executor.ts (.js, .mjs) module in <home>/executors/, in a
folder of $PSIJ_AGENT_EXECUTOR_PATH, or in a subfolder of either (docs/adding-an-executor.md); a
module that fails to load is logged naming its file and the reason.
On start the agent re-attaches every job that was not final when it last stopped.
With PBS, the agent reads job_history_enable/job_history_duration with qstat -Bf (they decide when
an unfound submission may be sent again after a crash); --pbs-history overrides what it reads.
--ui also serves the web dashboard on 127.0.0.1 and prints its one-time login URL and the ssh -L
line (see psij-agent ui --help; \`psij-agent ui\` prints a new URL at any time).`,
  ownsSignals: true,
  options: {
    executor: {
      type: "string",
      value: "name",
      help: "auto (default), pbs, local, sim, slurm or a discovered one",
    },
    listen: { type: "string", value: "host:port", help: "also serve TCP (bearer token required)" },
    ui: { type: "boolean", help: "also serve the web dashboard (see psij-agent ui)" },
    "ui-port": { type: "string", value: "port", help: "the dashboard's port (with --ui)" },
    "no-auth": { type: "boolean", help: "removed: TCP always requires the token" },
    "pbs-history": {
      type: "string",
      value: "duration",
      help: "PBS's job_history_duration (HH:MM:SS, seconds, or off) when qstat -Bf cannot tell",
    },
    "intent-settle": {
      type: "string",
      value: "seconds",
      help: "after a crash, wait this long before deciding a submission never arrived (60)",
    },
  },
  async run(ctx) {
    expectPositionals(ctx, []);
    const choice = (ctx.values.executor ?? ctx.io.env.PSIJ_AGENT_EXECUTOR ?? "auto").toLowerCase();
    // Executors from outside the binary are found before the choice is checked.
    const found = await discoverExecutors(executorFolders(ctx.paths.home, ctx.io.env));
    try {
      checkExecutorChoice(choice);
    } catch (err) {
      throw new UsageError(
        `--executor must be auto, pbs, local, sim, slurm or a discovered executor: ${
          (err as Error).message
        }${found.problems.length ? `\n${problemLines(found).join("\n")}` : ""}`,
      );
    }
    if (ctx.values["no-auth"] !== undefined) {
      throw new UsageError(
        "--no-auth was removed: a TCP port, loopback included, is open to every user of this " +
          "machine and to web pages in their browsers, so TCP always requires the bearer token " +
          "(in <home>/token). Use the unix socket for token-free access.",
      );
    }
    let listen;
    try {
      listen = ctx.values.listen ? parseListen(ctx.values.listen) : undefined;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const port = uiPort(ctx.values["ui-port"]);
    if (port !== undefined && !ctx.values.ui) throw new UsageError("--ui-port goes with --ui");
    const settle = ctx.values["intent-settle"];
    if (settle !== undefined && !/^\d+(\.\d+)?$/.test(settle)) {
      throw new UsageError(`--intent-settle must be a number of seconds, got "${settle}"`);
    }
    const historyText = ctx.values["pbs-history"];
    let pbsHistoryMs: number | undefined;
    if (historyText !== undefined) {
      pbsHistoryMs = /^(off|0)$/i.test(historyText) ? 0 : parsePbsDuration(historyText);
      if (pbsHistoryMs === undefined) {
        throw new UsageError(
          `--pbs-history must be HH:MM:SS, a number of seconds, or off, got "${historyText}"`,
        );
      }
    }
    let simShape;
    try {
      simShape = simShapeFromEnv(ctx.io.env);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const log = (line: string) =>
      ctx.io.out(
        ctx.json ? JSON.stringify({ time: new Date().toISOString(), message: line }) : line,
      );
    for (const line of problemLines(found)) log(line);
    for (const d of found.loaded) log(`executor ${d.name} ${d.version} found in ${d.file}`);
    const agent = await startAgent({
      intentSettleMs: settle === undefined ? undefined : Number(settle) * 1000,
      pbsHistoryMs,
      simShape,
      paths: ctx.paths,
      executor: choice,
      listen,
      log,
      ui: ctx.values.ui ? { port } : undefined,
    });
    await new Promise<void>((resolve) => {
      if (ctx.io.signal.aborted) resolve();
      ctx.io.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    log("stopping: no new requests, closing streams and the store");
    await agent.stop();
    log("stopped");
    return 0;
  },
};
