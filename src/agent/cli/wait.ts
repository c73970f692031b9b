/**
 * `wait <id>`: blocks until the job is final, following the event stream.
 * Exit codes: 0 COMPLETED, 1 FAILED, 2 CANCELED, 3 timed out (the job goes on).
 * An agent restart while waiting is ridden out (follow.ts): the stream is
 * re-opened once the agent answers again (for up to a minute of silence).
 * @module
 */

import { type Context, expectOk, signalExit, UsageError } from "./command.ts";
import { followEvents, patiently } from "./follow.ts";
import { formatJob } from "./format.ts";
import { outputTail } from "./output-tail.ts";

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

export async function waitForJob(ctx: Context, ref: string): Promise<number> {
  const limit = timeoutMs(ctx.values.timeout);
  const client = ctx.client();
  let job = expectOk(await client.request("GET", `/v1/jobs/${encodeURIComponent(ref)}`));
  const id: string = job.id; // `ref` may have been a native id
  const get = async () =>
    expectOk(await client.request("GET", `/v1/jobs/${encodeURIComponent(id)}`));
  const stop = new AbortController();
  const timer = limit === undefined ? undefined : setTimeout(() => stop.abort(), limit);
  const onSignal = () => stop.abort();
  ctx.io.signal.addEventListener("abort", onSignal, { once: true });
  try {
    if (!FINAL.has(job.state)) {
      const how = await followEvents(client, {
        after: job.history.length ? job.history[job.history.length - 1].eventId : 0,
        job: id,
        signal: stop.signal,
        onEvent: (e) => FINAL.has(e.state),
        onNote: (line) => ctx.io.err(`psij-agent wait: ${line}`),
      });
      // The final event seen, the job (exit code, message) is read, through a restart if need be.
      if (how === "done") job = await patiently(get, ctx.io.signal);
      else if (!ctx.io.signal.aborted) job = await get().catch(() => job); // its state now
    }
  } finally {
    clearTimeout(timer);
    ctx.io.signal.removeEventListener("abort", onSignal);
  }
  if (ctx.io.signal.aborted && !FINAL.has(job.state)) return signalExit(ctx.io.signal);
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
