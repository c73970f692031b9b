/**
 * `events`, `executors`, `health`: what the agent knows beyond single jobs.
 * @module
 */

import { existsSync } from "node:fs";
import { processAlive } from "../process-alive.ts";
import { socketAnswers } from "../agent.ts";
import { type Command, expectOk, expectPositionals, UsageError } from "./command.ts";
import { followEvents } from "./follow.ts";
import { formatEvent, formatHealth } from "./format.ts";
import { listExecutors } from "../../core/registry.ts";
import { discoverExecutors, executorFolders, originOf, problemLines } from "../discovery.ts";

export const eventsCommand: Command = {
  name: "events",
  summary: "print job transitions (all stored ones, then live ones with --follow)",
  usage: "psij-agent events [--follow] [--after <event-id>] [--job <id>]",
  details: `With --json, one JSON object per line.
--follow rides out an agent restart: it reconnects (saying so on stderr) and goes on after the last
event it printed, so no event is printed twice and none is missed; after a minute with no agent
answering it exits 69. Ctrl-C ends it (exit 130).`,
  options: {
    follow: { type: "boolean", short: "f", help: "keep printing new events until interrupted" },
    after: { type: "string", value: "event-id", help: "start after this event id" },
    job: { type: "string", value: "id", help: "only this job's events" },
  },
  async run(ctx) {
    expectPositionals(ctx, []);
    const after = ctx.values.after ?? "0";
    if (!/^\d+$/.test(after)) throw new UsageError(`--after must be an event id, got "${after}"`);
    const client = ctx.client();
    if (ctx.values.job && !ctx.values.follow) {
      // One job's stored events are its history: no stream to end (the
      // global last event id may belong to another job and never arrive).
      const id = encodeURIComponent(ctx.values.job);
      const job = expectOk(await client.request("GET", `/v1/jobs/${id}`));
      for (const h of job.history) {
        if (h.eventId <= Number(after)) continue;
        const e = { jobId: job.id, ...h };
        ctx.io.out(ctx.json ? JSON.stringify(e) : formatEvent(e));
      }
      return 0;
    }
    const last = ctx.values.follow
      ? Infinity
      : Number(expectOk(await client.request("GET", "/v1/health")).lastEventId);
    if (Number(after) >= last) return 0;
    // Through an agent restart the stream resumes after the last event printed (follow.ts).
    await followEvents(client, {
      after: Number(after),
      job: ctx.values.job,
      signal: ctx.io.signal,
      onEvent: (e) => {
        ctx.io.out(ctx.json ? JSON.stringify(e) : formatEvent(e));
        return e.eventId >= last;
      },
      onNote: (line) => ctx.io.err(`psij-agent events: ${line}`),
    });
    return 0;
  },
};

export const executorsCommand: Command = {
  name: "executors",
  summary: "list the executors: built-in and discovered, with version and origin",
  usage: "psij-agent executors",
  details:
    `One line per executor: name, version, where it came from (built-in, or the module file it was
loaded from) and its aliases; the one a running agent serves comes first, marked "serving". Modules
are looked for in <home>/executors/ and the folders of $PSIJ_AGENT_EXECUTOR_PATH (files named
*.executor.ts, .js or .mjs, there or one folder down); one that failed to load is listed after,
with its file and the reason. Needs no running agent.`,
  options: {},
  async run(ctx) {
    expectPositionals(ctx, []);
    const found = await discoverExecutors(executorFolders(ctx.paths.home, ctx.io.env));
    let served: Array<{ name: string; default: boolean }> = [];
    if (await socketAnswers(ctx.paths.socket)) {
      const body = await ctx.client().request("GET", "/v1/executors").catch(() => undefined);
      served = body?.status === 200 ? body.body.executors : [];
    }
    const servedNames = new Set(served.map((e) => e.name.toLowerCase()));
    const executors = listExecutors().map((d) => ({
      name: d.name,
      version: d.version,
      origin: originOf(d),
      aliases: d.aliases ?? [],
      serving: servedNames.has(d.name.toLowerCase()),
      default: served.some((e) => e.default && e.name.toLowerCase() === d.name.toLowerCase()),
    })).sort((a, b) => Number(b.serving) - Number(a.serving));
    const body = { executors, problems: found.problems, folders: found.folders };
    ctx.print(body, () =>
      [
        ...executors.map((e) =>
          [
            e.name,
            e.version,
            e.origin,
            ...(e.aliases.length ? [`aliases ${e.aliases.join(",")}`] : []),
            ...(e.serving ? [e.default ? "(serving, default)" : "(serving)"] : []),
          ].join("  ")
        ),
        ...problemLines(found),
      ].join("\n"));
    return 0;
  },
};

export const healthCommand: Command = {
  name: "health",
  summary: "show the agent's and each executor's health",
  usage: "psij-agent health",
  options: {},
  async run(ctx) {
    expectPositionals(ctx, []);
    const h = expectOk(await ctx.client().request("GET", "/v1/health"));
    ctx.print(h, () => formatHealth(h));
    return h.status === "ok" ? 0 : 1;
  },
};

export const stopCommand: Command = {
  name: "stop",
  summary: "stop the agent of this home (it finishes writes and removes its socket)",
  usage: "psij-agent stop",
  details: "Jobs are not touched: queued and running jobs go on, and the next agent re-attaches " +
    "them. This holds for the embedded simulator too: its jobs run in processes of their own " +
    "and the next agent's simulator re-adopts them (or reads the exit status they recorded).",
  options: {},
  async run(ctx) {
    expectPositionals(ctx, []);
    if (!(await socketAnswers(ctx.paths.socket))) {
      ctx.print({ stopped: false, reason: "no agent running" }, () => "no agent running");
      return 0;
    }
    // The pid comes from the agent itself, so a stale file can never name another process.
    const { pid } = expectOk(await ctx.client().request("GET", "/v1/health"));
    process.kill(pid, "SIGTERM");
    // The socket goes first (no new requests), the process last (writes finished, store closed,
    // lock released): only then may another agent start on this home, or the home be removed.
    const running = () => existsSync(ctx.paths.socket) || processAlive(pid);
    for (let i = 0; i < 400 && running(); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const gone = !running();
    ctx.print(
      { stopped: gone, pid },
      () => (gone ? `stopped the agent (pid ${pid})` : `asked pid ${pid} to stop; still running`),
    );
    return gone ? 0 : 1;
  },
};

const AGE_RE = /^(\d+(?:\.\d+)?)([smhd])$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export const pruneCommand: Command = {
  name: "prune",
  summary: "forget finished jobs older than an age (their history and events too)",
  usage: "psij-agent prune --older-than <N[s|m|h|d]>",
  details: "Only COMPLETED, FAILED and CANCELED jobs last changed before the age are removed.",
  options: {
    "older-than": { type: "string", value: "age", help: "e.g. 30d, 12h (required)" },
  },
  async run(ctx) {
    expectPositionals(ctx, []);
    const m = AGE_RE.exec(ctx.values["older-than"] ?? "");
    if (!m) {
      throw new UsageError(
        `--older-than wants an age like 30d, 12h, 90m or 3600s, got "${
          ctx.values["older-than"] ?? ""
        }"`,
      );
    }
    const olderThanSeconds = Number(m[1]) * UNIT_SECONDS[m[2]];
    const r = expectOk(await ctx.client().request("POST", "/v1/prune", { olderThanSeconds }));
    ctx.print(r, () => `forgot ${r.pruned} finished jobs`);
    return 0;
  },
};
