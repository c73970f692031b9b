/**
 * `wait <id>`: blocks until the job is final, following the event stream.
 * Exit codes: 0 COMPLETED, 1 FAILED, 2 CANCELED, 3 timed out (the job goes on).
 * An agent restart while waiting is ridden out: the stream is re-opened once
 * the agent answers again (for up to a minute of silence).
 * @module
 */

import { AgentUnreachableError } from "./client.ts";
import { type Context, expectOk, UsageError } from "./command.ts";
import { formatJob } from "./format.ts";
import { outputTail } from "./output-tail.ts";

export const WAIT_EXIT = { COMPLETED: 0, FAILED: 1, CANCELED: 2, TIMEOUT: 3 } as const;
const FINAL = new Set(["COMPLETED", "FAILED", "CANCELED"]);
const RESTART_PATIENCE_MS = 60_000;

function timeoutMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n)) {
    throw new UsageError(`--timeout must be a number of seconds, got "${value}"`);
  }
  return n * 1000;
}

export async function waitForJob(ctx: Context, ref: string): Promise<number> {
  const limit = timeoutMs(ctx.values.timeout);
  const client = ctx.client();
  let job = expectOk(await client.request("GET", `/v1/jobs/${encodeURIComponent(ref)}`));
  const id: string = job.id; // `ref` may have been a native id
  const path = `/v1/jobs/${encodeURIComponent(id)}`;
  const stop = new AbortController();
  const timer = limit === undefined ? undefined : setTimeout(() => stop.abort(), limit);
  const onSignal = () => stop.abort();
  ctx.io.signal.addEventListener("abort", onSignal, { once: true });
  let unreachableSince: number | undefined;
  try {
    while (!FINAL.has(job.state) && !stop.signal.aborted) {
      const after = job.history.length ? job.history[job.history.length - 1].eventId : 0;
      try {
        await client.stream(
          `/v1/events?job=${encodeURIComponent(id)}&after=${after}`,
          {},
          (frame) => frame.event === "transition" && FINAL.has(JSON.parse(frame.data).state),
          stop.signal,
        );
        job = expectOk(await client.request("GET", path));
        unreachableSince = undefined;
      } catch (err) {
        if (!(err instanceof AgentUnreachableError)) throw err;
        unreachableSince ??= Date.now();
        if (Date.now() - unreachableSince > RESTART_PATIENCE_MS) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    clearTimeout(timer);
    ctx.io.signal.removeEventListener("abort", onSignal);
  }
  if (ctx.io.signal.aborted && !FINAL.has(job.state)) return 130; // interrupted, as a shell says
  const code = FINAL.has(job.state)
    ? WAIT_EXIT[job.state as keyof typeof WAIT_EXIT]
    : WAIT_EXIT.TIMEOUT;
  ctx.print(
    job,
    () => {
      if (code === WAIT_EXIT.TIMEOUT) return `timed out; ${job.id} is ${job.state}`;
      const output = ctx.client().endpoint.url ? "" : outputTail(job.spec ?? {});
      return output ? `${formatJob(job)}\n${output}` : formatJob(job);
    },
  );
  return code;
}
