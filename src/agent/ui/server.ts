/**
 * The dashboard's listener: 127.0.0.1 only, on the port asked for, else the
 * one this home used last (so a page left open finds the agent again after
 * a restart), else one the system picks (then remembered in <home>/ui.json).
 * `login()` mints a one-time login URL and the `ssh -L` line for a laptop.
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import type { AgentPaths } from "../access.ts";
import { type Listener, serve } from "../http/serve.ts";
import type { JobService } from "../service.ts";
import { createUiApp } from "./app.tsx";
import { ensureKey, Sessions } from "./session.ts";

export interface UiLogin {
  /** Open this (on the login node, or after the ssh line on a laptop). */
  url: string;
  port: number;
  /** The tunnel a user on a laptop types first. */
  ssh: string;
}

export interface UiServer {
  readonly port: number;
  login(): UiLogin;
  stop(): Promise<void>;
}

function rememberedPort(file: string): number | undefined {
  try {
    const port = JSON.parse(readFileSync(file, "utf8")).port;
    return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
  } catch {
    return undefined;
  }
}

export function sshLine(port: number): string {
  let user = "";
  try {
    user = userInfo().username + "@";
  } catch {
    // no passwd entry: the user knows their name
  }
  return `ssh -N -L ${port}:127.0.0.1:${port} ${user}${hostname()}`;
}

export async function startUi(
  service: JobService,
  paths: AgentPaths,
  options: { port?: number; shutdown?: AbortSignal } = {},
): Promise<UiServer> {
  const file = join(paths.home, "ui.json");
  const sessions = new Sessions(ensureKey(join(paths.home, "ui-key")));
  const bind = async (port: number): Promise<Listener & { port: number }> => {
    // The app needs the port it serves (Host and Origin checks); with port 0 it is known after binding.
    const ready: { app?: ReturnType<typeof createUiApp> } = {};
    const l = await serve((req) => ready.app ? ready.app.fetch(req) : starting(), {
      hostname: "127.0.0.1",
      port,
    });
    ready.app = createUiApp(service, { sessions, port: l.port!, shutdown: options.shutdown });
    return l as Listener & { port: number };
  };
  let listener: Listener & { port: number };
  const remembered = options.port === undefined ? rememberedPort(file) : undefined;
  if (options.port !== undefined) listener = await bind(options.port);
  else if (remembered !== undefined) {
    listener = await bind(remembered).catch(() => bind(0)); // taken now: another one
  } else listener = await bind(0);
  writeFileSync(file, JSON.stringify({ port: listener.port }) + "\n", { mode: 0o600 });
  return {
    port: listener.port,
    login: () => {
      const url = `http://127.0.0.1:${listener.port}/login?token=${sessions.loginToken()}`;
      return { url, port: listener.port, ssh: sshLine(listener.port) };
    },
    stop: () => listener.stop(),
  };
}

function starting(): Response {
  return new Response("the dashboard is starting", {
    status: 503,
    headers: { "retry-after": "1" },
  });
}

/** The lines `serve --ui` and `psij-agent ui` print. */
export function loginLines(l: UiLogin): string[] {
  return [
    `dashboard: ${l.url}`,
    `from a laptop: ${l.ssh}`,
    `  then open ${l.url.replace("127.0.0.1", "localhost")} (the link works once, for 15 minutes)`,
  ];
}
