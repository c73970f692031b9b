/**
 * `GET /v1/events`: every stored transition as Server-Sent Events, resumable
 * with `Last-Event-ID` (or `?after=`), optionally for one job (`?job=` its
 * id or native id; an unknown one is a 404 before the stream starts). Events are
 * queued per client as they are published, so a slow client never holds up
 * the agent or another client.
 * @module
 */

import type { Context } from "hono";
import type { JobService } from "../service.ts";
import type { TransitionRecord } from "../store/types.ts";
import { transitionView } from "../view.ts";
import { NotFoundError } from "../errors.ts";
import { intParam, queryOf } from "./params.ts";
import { InRequest, problemOf } from "./problem.ts";

const encoder = new TextEncoder();
/** The stream writes a comment this often, so a client can tell a quiet agent from a dead one. */
export const KEEPALIVE_MS = 15_000;

export function sseFrame(e: TransitionRecord): string {
  const data = JSON.stringify({ jobId: e.jobId, ...transitionView(e) });
  return `id: ${e.eventId}\nevent: transition\ndata: ${data}\n\n`;
}

export function eventsHandler(service: JobService, shutdown?: AbortSignal) {
  return (c: Context): Response => {
    const q = queryOf(c, ["after", "job"]);
    const header = c.req.header("last-event-id");
    const after =
      intParam(header ?? q.after, header ? "Last-Event-ID" : "query.after", 0, 2 ** 53 - 1) ??
        0;
    // One job, named by its id or its native id (as GET /v1/jobs/{id} takes either).
    let only: string | undefined;
    if (q.job !== undefined) {
      only = service.store.findJob(q.job)?.id;
      if (only === undefined) {
        throw new InRequest(new NotFoundError(`no job with id or native id "${q.job}"`), {
          field: "query.job",
        });
      }
    }
    let stop = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            stop();
          }
        };
        send("retry: 1000\n: psij-agent events\n\n");
        const unsubscribe = service.subscribe(after, (e) => {
          if (only === undefined || e.jobId === only) send(sseFrame(e));
        }, (err) => {
          // The stored events cannot be read (a damaged store): say why, then end.
          send(`event: error\ndata: ${JSON.stringify(problemOf(err))}\n\n`);
          end();
        });
        const timer = setInterval(() => send(": keep-alive\n\n"), KEEPALIVE_MS);
        // The agent is stopping: end the stream so the server can drain.
        const end = () => {
          stop();
          try {
            controller.close();
          } catch {
            // already closed by the client
          }
        };
        stop = () => {
          unsubscribe();
          clearInterval(timer);
          shutdown?.removeEventListener("abort", end);
        };
        if (shutdown?.aborted) end();
        else shutdown?.addEventListener("abort", end, { once: true });
      },
      // Bun and Deno both cancel the stream when the client goes. (request.signal is not
      // used: Deno aborts it on every successful response under its legacy behaviour.)
      cancel() {
        stop();
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      },
    });
  };
}
