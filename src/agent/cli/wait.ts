/**
 * `wait <id>`: blocks until the job is final, following the event stream.
 * Exit codes: 0 COMPLETED, 1 FAILED, 2 CANCELED, 3 timed out (the job goes on).
 * @module
 */

import { type Context, expectOk, UsageError } from "./command.ts";
import { formatJob } from "./format.ts";

export const WAIT_EXIT = { COMPLETED: 0, FAILED: 1, CANCELED: 2, TIMEOUT: 3 } as const;
const FINAL = new Set(["COMPLETED", "FAILED", "CANCELED"]);

function timeoutMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n)) {
    throw new UsageError(`--timeout must be a number of seconds, got "${value}"`);
  }
  return n * 1000;
}

export async function waitForJob(ctx: Context, id: string): Promise<number> {
  const limit = timeoutMs(ctx.values.timeout);
  const client = ctx.client();
  const path = `/v1/jobs/${encodeURIComponent(id)}`;
  let job = expectOk(await client.request("GET", path));
  if (!FINAL.has(job.state)) {
    const after = job.history.length ? job.history[job.history.length - 1].eventId : 0;
    const stop = new AbortController();
    const timer = limit === undefined ? undefined : setTimeout(() => stop.abort(), limit);
    const onSignal = () => stop.abort();
    ctx.io.signal.addEventListener("abort", onSignal, { once: true });
    try {
      await client.stream(
        `/v1/events?job=${encodeURIComponent(id)}&after=${after}`,
        {},
        (frame) => frame.event === "transition" && FINAL.has(JSON.parse(frame.data).state),
        stop.signal,
      );
    } finally {
      clearTimeout(timer);
      ctx.io.signal.removeEventListener("abort", onSignal);
    }
    job = expectOk(await client.request("GET", path));
  }
  const code = FINAL.has(job.state)
    ? WAIT_EXIT[job.state as keyof typeof WAIT_EXIT]
    : WAIT_EXIT.TIMEOUT;
  ctx.print(
    job,
    () => (code === WAIT_EXIT.TIMEOUT ? `timed out; ${job.id} is ${job.state}` : formatJob(job)),
  );
  return code;
}
