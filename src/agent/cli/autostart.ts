/**
 * `submit` and `run` with no agent running start one in the background
 * (detached, output to the home's agent.log, serving the executor asked for
 * with --executor) and say so on stderr. An agent that runs already but does
 * not serve the asked executor is named, with what it serves and how to get
 * one that does.
 * @module
 */

import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { socketAnswers } from "../agent.ts";
import { ensureHome } from "../access.ts";
import { discoverExecutors, executorFolders } from "../discovery.ts";
import { checkExecutorChoice } from "../executors.ts";
import { selfCommand } from "../http/serve.ts";
import { AgentUnreachableError } from "./client.ts";
import { type Context, expectOk, UsageError } from "./command.ts";

const READY_TIMEOUT_MS = 30_000;

/** An agent answers, but does not serve the executor the command asked for. */
export class ExecutorNotServedError extends Error {}

export async function ensureAgent(ctx: Context): Promise<void> {
  const client = ctx.client();
  const wanted: string | undefined = ctx.values.executor?.toLowerCase();
  if (!client.endpoint.url && !(await socketAnswers(ctx.paths.socket))) {
    if (ctx.values["no-start"]) {
      throw new AgentUnreachableError(`no agent answers at ${ctx.paths.socket} (--no-start given)`);
    }
    if (wanted !== undefined) await checkWanted(ctx, wanted);
    await startInBackground(ctx, wanted ?? ctx.io.env.PSIJ_AGENT_EXECUTOR);
  }
  // Asked of every agent, started here or not: a stopped one fails within the query deadline.
  const served: string[] = expectOk(await client.request("GET", "/v1/executors")).executors
    .map((e: { name: string }) => e.name);
  if (wanted !== undefined && !served.includes(wanted)) {
    const home = ctx.values.home ? ` --home ${ctx.paths.home}` : "";
    throw new ExecutorNotServedError(
      `the agent at ${client.describe()} serves ${served.join(", ")}, not "${wanted}" ` +
        `(one agent serves one executor). To use ${wanted}, stop it (psij-agent stop${home}) and ` +
        `start one with: psij-agent serve${home} --executor ${wanted}; or give ${wanted} a home ` +
        `of its own: psij-agent run --home <dir> --executor ${wanted} ...`,
    );
  }
}

/** Refused here as serve would refuse it, so no agent is started for a name none serves. */
async function checkWanted(ctx: Context, wanted: string): Promise<void> {
  await discoverExecutors(executorFolders(ctx.paths.home, ctx.io.env));
  try {
    if (wanted === "auto") throw new Error(`"auto" picks an agent's executor, it names none`);
    checkExecutorChoice(wanted);
  } catch (err) {
    throw new UsageError(`--executor must name an executor: ${(err as Error).message}`);
  }
}

async function startInBackground(ctx: Context, executor: string | undefined): Promise<void> {
  const client = ctx.client();
  ensureHome(ctx.paths);
  const [exe, ...pre] = selfCommand(ctx.io.mainPath);
  const args = [...pre, "serve", "--home", ctx.paths.home];
  if (executor) args.push("--executor", executor);
  const log = openSync(ctx.paths.log, "a", 0o600);
  const child = spawn(exe, args, { detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  let exited: number | null = null;
  child.once("exit", (code) => (exited = code ?? 1));
  child.unref();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    // Read before asking: a child that lost the race to another CLI's agent exits only after that
    // agent answers, so an exit seen here is always followed by one more look at the socket.
    const gone = exited !== null;
    if (await socketAnswers(ctx.paths.socket)) {
      // Another CLI may have started the agent first: name the one that answers.
      const res = await client.request("GET", "/v1/executors").catch(() => undefined);
      const name = res?.body?.executors?.find((e: { default: boolean }) => e.default)?.name;
      const health = await client.request("GET", "/v1/health").catch(() => undefined);
      const pid = health?.body?.pid ?? child.pid;
      const what = name === "sim"
        ? "on THE EMBEDDED PBS SIMULATOR, NOT A CLUSTER (jobs run on this machine)"
        : `with executor ${name ?? "?"}`;
      ctx.io.err(
        `psij-agent: no agent was running; started one in the background ${what} ` +
          `(pid ${pid}, log ${ctx.paths.log}; stop it with: psij-agent stop${
            ctx.values.home ? ` --home ${ctx.paths.home}` : ""
          })`,
      );
      return;
    }
    if (gone) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  let tail = "";
  try {
    tail = readFileSync(ctx.paths.log, "utf8").trim().split("\n").slice(-5).join("\n");
  } catch {
    // no log to show
  }
  throw new AgentUnreachableError(
    `could not start an agent in the background (${
      exited !== null ? `it exited with ${exited}` : "it did not answer in time"
    }); last lines of ${ctx.paths.log}:\n${tail}`,
  );
}
