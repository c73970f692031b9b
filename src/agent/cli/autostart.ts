/**
 * `submit` and `run` with no agent running start one in the background
 * (detached, output to the home's agent.log) and say so on stderr.
 * @module
 */

import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { socketAnswers } from "../agent.ts";
import { ensureHome } from "../access.ts";
import { selfCommand } from "../http/serve.ts";
import { AgentUnreachableError } from "./client.ts";
import type { Context } from "./command.ts";

const READY_TIMEOUT_MS = 30_000;

export async function ensureAgent(ctx: Context): Promise<void> {
  const client = ctx.client();
  if (client.endpoint.url || await socketAnswers(ctx.paths.socket)) return;
  if (ctx.values["no-start"]) {
    throw new AgentUnreachableError(`no agent answers at ${ctx.paths.socket} (--no-start given)`);
  }
  ensureHome(ctx.paths);
  const [exe, ...pre] = selfCommand(ctx.io.mainPath);
  const args = [...pre, "serve", "--home", ctx.paths.home];
  const executor = ctx.io.env.PSIJ_AGENT_EXECUTOR;
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
