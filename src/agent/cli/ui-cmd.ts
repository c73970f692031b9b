/**
 * `ui`: a one-time login URL for the dashboard, from the agent (started in
 * the background if none runs; the dashboard started in it if it was not),
 * and the `ssh -L` line for a browser on a laptop.
 * @module
 */

import { loginLines } from "../ui/server.ts";
import { ensureAgent } from "./autostart.ts";
import { type Command, expectOk, expectPositionals, UsageError } from "./command.ts";

export function uiPort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new UsageError(`--ui-port must be a port number (0-65535), got "${text}"`);
  }
  return Number(text);
}

export const uiCommand: Command = {
  name: "ui",
  summary: "open the web dashboard: prints a one-time login URL and the ssh -L line",
  usage: "psij-agent ui [--ui-port <port>] [--no-start]",
  details:
    `The dashboard listens on 127.0.0.1 only: the port given, else the one this home used last
(kept in <home>/ui.json, so an open page finds a restarted agent), else one the system picks.
The URL's token works once, within 15 minutes; it signs the browser in for 24 hours with an
HttpOnly, SameSite=Strict cookie (sessions survive an agent restart; removing <home>/ui-key ends
them all). From a laptop, run the printed ssh line, then open the URL with localhost; forward
the same port number (the dashboard refuses any other Host). Each run prints a new URL.`,
  options: {
    "ui-port": { type: "string", value: "port", help: "the port, when the dashboard starts now" },
    "no-start": { type: "boolean", help: "do not start an agent in the background if none runs" },
  },
  async run(ctx) {
    expectPositionals(ctx, []);
    const port = uiPort(ctx.values["ui-port"]);
    if (ctx.client().endpoint.url) {
      throw new UsageError(
        "psij-agent ui asks the agent on this machine over its unix socket; drop --url",
      );
    }
    await ensureAgent(ctx);
    const login = expectOk(
      await ctx.client().request("POST", "/v1/ui/login", port === undefined ? {} : { port }),
    );
    ctx.print(login, () => loginLines(login).join("\n"));
    return 0;
  },
};
