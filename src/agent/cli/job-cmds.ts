/**
 * `status`, `wait`, `cancel`, `hold`, `release`, `list`, `attach`: one job or many, by id.
 * @module
 */

import { type Command, expectOk, expectPositionals, UsageError } from "./command.ts";
import { formatJob, formatTable } from "./format.ts";
import { waitForJob } from "./wait.ts";

const jobPath = (id: string) => `/v1/jobs/${encodeURIComponent(id)}`;

export const statusCommand: Command = {
  name: "status",
  summary: "show a job: state, exit code, native id, full history",
  usage: "psij-agent status <id | native-id>",
  options: {},
  async run(ctx) {
    const [id] = expectPositionals(ctx, ["id"]);
    const job = expectOk(await ctx.client().request("GET", jobPath(id)));
    ctx.print(job, () => formatJob(job));
    return 0;
  },
};

export const waitCommand: Command = {
  name: "wait",
  summary: "wait until a job is final",
  usage: "psij-agent wait <id | native-id> [--timeout <seconds>]",
  details: `Exit code: 0 COMPLETED, 1 FAILED, 2 CANCELED, 3 timed out (the job is not affected).
Errors: 64 bad command line, 69 no agent, 1 other errors (e.g. unknown job); 130/143 ended by
Ctrl-C/SIGTERM (the job goes on). An agent restart is ridden out: wait reconnects (saying so on
stderr) and gives up with 69 only after a minute with no agent answering.`,
  options: {
    timeout: { type: "string", value: "seconds", help: "give up after this long (exit 3)" },
  },
  run(ctx) {
    const [id] = expectPositionals(ctx, ["id"]);
    return waitForJob(ctx, id);
  },
};

export const cancelCommand: Command = {
  name: "cancel",
  summary: "cancel a job (a final job is left as it is)",
  usage: "psij-agent cancel <id | native-id>",
  options: {},
  async run(ctx) {
    const [id] = expectPositionals(ctx, ["id"]);
    const job = expectOk(await ctx.client().request("POST", `${jobPath(id)}/cancel`));
    ctx.print(job, () => `${job.id}  ${job.state}`);
    return 0;
  },
};

function holdCommand(action: "hold" | "release"): Command {
  return {
    name: action,
    summary: action === "hold"
      ? "hold a queued job: it stays QUEUED (held) until released (qhold, scontrol hold)"
      : "release a held job (qrls, scontrol release)",
    usage: `psij-agent ${action} <id | native-id>`,
    details: `A held job is QUEUED with "held": true (PSI/J has no HELD state). Only a QUEUED job
can be held; on the local executor, only one the agent still keeps back (held, or waiting
for its dependencies).`,
    options: {},
    async run(ctx) {
      const [id] = expectPositionals(ctx, ["id"]);
      const job = expectOk(await ctx.client().request("POST", `${jobPath(id)}/${action}`));
      ctx.print(job, () => `${job.id}  ${job.state}${job.held ? "  held" : ""}`);
      return 0;
    },
  };
}

export const holdJobCommand = holdCommand("hold");
export const releaseJobCommand = holdCommand("release");

const AGO: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 2h` (that long ago) or an ISO 8601 time, as the API's ISO 8601 text. */
export function listTime(value: string, flag: string, now = Date.now()): string {
  const ago = /^(\d{1,9})([smhd])$/.exec(value.trim());
  const ms = ago
    ? now - Number(ago[1]) * AGO[ago[2]]
    : /^\d{4}-\d{2}-\d{2}/.test(value)
    ? Date.parse(value)
    : NaN;
  if (!Number.isFinite(ms)) {
    throw new UsageError(
      `--${flag} wants an ISO 8601 time (2026-12-04T05:00Z) or a time ago (30m, 2h, 7d), ` +
        `got "${value}"`,
    );
  }
  return new Date(ms).toISOString();
}

export const listCommand: Command = {
  name: "list",
  summary: "list jobs, oldest first",
  usage: "psij-agent list [--state <STATE>[,<STATE>...]] [--name <glob>] [--executor <name>] " +
    "[--since <time>] [--until <time>] [--limit <n>]",
  details: `--name matches the job's name (its spec's, else its executable's base name) as a
shell glob ('sim*'). --since and --until take an ISO 8601 time (2026-12-04, 2026-12-04T05:00Z)
or a time ago (30m, 2h, 7d) and compare the time each job was submitted.`,
  options: {
    name: { type: "string", value: "glob", help: "only jobs whose name matches ('sim*')" },
    executor: { type: "string", value: "name", help: "only jobs of this executor" },
    since: { type: "string", value: "time", help: "submitted at or after (ISO 8601, or 2h ago)" },
    until: { type: "string", value: "time", help: "submitted before (ISO 8601, or 2h ago)" },
    state: {
      type: "string",
      value: "states",
      multiple: true,
      help: "only these states (comma-separated or repeated)",
    },
    limit: { type: "string", value: "n", help: "at most this many jobs (default all)" },
  },
  async run(ctx) {
    const states = ((ctx.values.state ?? []) as string[]).join(",");
    let limit = Infinity;
    if (ctx.values.limit !== undefined) {
      if (!/^[1-9]\d{0,8}$/.test(ctx.values.limit)) {
        throw new UsageError(`--limit must be a positive integer, got "${ctx.values.limit}"`);
      }
      limit = Number(ctx.values.limit);
    }
    const jobs: any[] = [];
    let cursor: string | undefined;
    do {
      const q = new URLSearchParams({ limit: String(Math.min(1000, limit - jobs.length)) });
      if (states) q.set("state", states);
      if (ctx.values.name !== undefined) q.set("name", ctx.values.name);
      if (ctx.values.executor !== undefined) q.set("executor", ctx.values.executor);
      for (const k of ["since", "until"] as const) {
        if (ctx.values[k] !== undefined) q.set(k, listTime(ctx.values[k], k));
      }
      if (cursor) q.set("cursor", cursor);
      const page = expectOk(await ctx.client().request("GET", `/v1/jobs?${q}`));
      jobs.push(...page.jobs);
      cursor = page.nextCursor;
    } while (cursor && jobs.length < limit);
    ctx.print(jobs, () => formatTable(jobs));
    return 0;
  },
};

export const attachCommand: Command = {
  name: "attach",
  summary: "track a job the scheduler already has, by its native id",
  usage: "psij-agent attach <native-id> [--executor <name>]",
  details: `The agent asks the scheduler first: an id it does not know (nor its job history), and
that left no exit-code file, is refused (exit 1, nothing is stored), as is an id the
scheduler never prints; a status command that fails is an error too, and stores nothing.`,
  options: {
    executor: { type: "string", value: "name", help: "the executor that knows the id" },
  },
  async run(ctx) {
    const [nativeId] = expectPositionals(ctx, ["native-id"]);
    const body: Record<string, string> = { nativeId };
    if (ctx.values.executor) body.executor = ctx.values.executor;
    const job = expectOk(await ctx.client().request("POST", "/v1/attach", body));
    ctx.print(job, () => `${job.id}  ${job.state}  ${job.nativeId}`);
    return 0;
  },
};
