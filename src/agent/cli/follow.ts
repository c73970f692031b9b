/**
 * Following the event stream through agent restarts (`wait`, `events`): the
 * stream is re-opened with Last-Event-ID set to the last event handled, so
 * across a restart no event is handled twice and none is missed. An agent
 * that is gone, or that sends nothing (not even its keep-alive), is waited for
 * up to RESTART_PATIENCE_MS; then the command gives up as "no agent" (69).
 * @module
 */

import { type AgentClient, AgentUnreachableError, type StreamEnd } from "./client.ts";
import { ApiError } from "./command.ts";

export const RESTART_PATIENCE_MS = 60_000;
/** Between reconnection attempts when the agent asked for no other delay with `retry:`. */
const RETRY_MS = 1000;

/** A transition as the event stream sends it. */
export interface StreamedEvent {
  jobId: string;
  eventId: number;
  state: string;
  [field: string]: unknown;
}

export interface FollowOptions {
  /** Handle events after this event id. */
  after: number;
  /** Only this job's events. */
  job?: string;
  signal: AbortSignal;
  /** Called once per event, in event order; returning true stops following. */
  onEvent(e: StreamedEvent): boolean | void;
  /** A line for stderr when the agent goes away. */
  onNote?(line: string): void;
  patienceMs?: number;
}

/** Resolves "done" when onEvent said so, "aborted" when the signal ended it. */
export async function followEvents(
  client: AgentClient,
  o: FollowOptions,
): Promise<"done" | "aborted"> {
  const patience = o.patienceMs ?? RESTART_PATIENCE_MS;
  let last = o.after;
  let lostSince: number | undefined;
  let retryMs = RETRY_MS;
  while (!o.signal.aborted) {
    let end: StreamEnd | undefined;
    let lost: AgentUnreachableError | undefined;
    try {
      const q = new URLSearchParams({ after: String(last) });
      if (o.job) q.set("job", o.job);
      end = await client.stream(
        `/v1/events?${q}`,
        { "last-event-id": String(last) },
        (frame) => {
          if (frame.event !== "transition") return false;
          const e = JSON.parse(frame.data) as StreamedEvent;
          if (e.eventId <= last) return false; // already handled before a reconnection
          last = e.eventId;
          return o.onEvent(e) === true;
        },
        o.signal,
        () => (lostSince = undefined),
      );
    } catch (err) {
      if (!(err instanceof AgentUnreachableError)) throw err;
      lost = err;
    }
    if (end?.how === "done") return "done";
    if (end?.how === "aborted" || o.signal.aborted) return "aborted";
    if (end && end.status !== 200) {
      throw new ApiError(end.status, `the agent refused the event stream (HTTP ${end.status})`);
    }
    retryMs = end?.retryMs ?? retryMs;
    const now = Date.now();
    if (lostSince === undefined) {
      lostSince = now;
      o.onNote?.(
        `${lost ? lost.message : `the agent at ${client.describe()} closed the event stream`}; ` +
          `reconnecting (for up to ${patience / 1000} s), resuming after event ${last}`,
      );
    } else if (now - lostSince > patience) {
      throw new AgentUnreachableError(
        `no agent answered at ${client.describe()} for ${patience / 1000} s` +
          (lost ? ` (last: ${lost.message})` : ""),
        { cause: lost },
      );
    }
    await sleep(retryMs, o.signal);
  }
  return "aborted";
}

/** `call` retried while the agent is unreachable (a restart), for up to RESTART_PATIENCE_MS. */
export async function patiently<T>(
  call: () => Promise<T>,
  signal: AbortSignal,
  patienceMs = RESTART_PATIENCE_MS,
): Promise<T> {
  const since = Date.now();
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof AgentUnreachableError) || Date.now() - since > patienceMs) throw err;
      if (signal.aborted) throw err;
      await sleep(RETRY_MS, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
