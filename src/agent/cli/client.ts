/**
 * The CLI's side of the API: HTTP over the agent's unix socket (or TCP with
 * the bearer token), through node:http, which Bun and Deno both provide.
 * Every call has a deadline: an agent that accepts the connection but never
 * answers (stopped with SIGSTOP, hung, swapped out) ends the call with an
 * AgentTimeoutError instead of hanging the command.
 * @module
 */

import http from "node:http";
import { PsijError } from "../../core/errors.ts";
import { DEFAULT_COMMAND_TIMEOUT_MS } from "../../batch/config.ts";
import { KEEPALIVE_MS } from "../http/sse.ts";

export interface Endpoint {
  socket?: string;
  /** `http://host:port`; used instead of the socket when given. */
  url?: string;
  token?: string;
}

export interface ClientOptions {
  /** One deadline (ms) for every call; default QUERY_TIMEOUT_MS / ACTION_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** A query (GET) answers from the store: 10 s, as Slurm's MessageTimeout, is generous. */
export const QUERY_TIMEOUT_MS = 10_000;
/** A submit or cancel waits for qsub/qdel, which the agent bounds itself: theirs and some more. */
export const ACTION_TIMEOUT_MS = DEFAULT_COMMAND_TIMEOUT_MS + 30_000;

export interface ClientResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** No agent answers at the endpoint (not running, or a stale socket). */
export class AgentUnreachableError extends PsijError {}

/** The agent took the connection but did not answer within the deadline. */
export class AgentTimeoutError extends AgentUnreachableError {}

export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/** How a stream ended: `done` (onFrame said so), `aborted` (the signal), `ended` (the agent). */
export interface StreamEnd {
  status: number;
  how: "done" | "aborted" | "ended";
  /** The reconnection delay the agent asked for with `retry:`, if it did. */
  retryMs?: number;
}

export class AgentClient {
  readonly #timeoutMs?: number;

  constructor(readonly endpoint: Endpoint, options: ClientOptions = {}) {
    this.#timeoutMs = options.timeoutMs;
  }

  describe(): string {
    return this.endpoint.url ?? `unix:${this.endpoint.socket}`;
  }

  /** The deadline of a call with this method. */
  timeoutMs(method: string): number {
    if (this.#timeoutMs !== undefined) return this.#timeoutMs;
    return method === "GET" || method === "HEAD" ? QUERY_TIMEOUT_MS : ACTION_TIMEOUT_MS;
  }

  #options(method: string, path: string, headers: Record<string, string>): http.RequestOptions {
    const h: Record<string, string> = { ...headers };
    if (this.endpoint.token) h.authorization = `Bearer ${this.endpoint.token}`;
    if (this.endpoint.url) {
      const u = new URL(path, this.endpoint.url);
      return {
        method,
        hostname: u.hostname.replace(/^\[|\]$/g, ""),
        port: u.port,
        path: u.pathname + u.search,
        headers: h,
      };
    }
    return { method, socketPath: this.endpoint.socket, path, headers: h };
  }

  #unreachable(err: any): Error {
    if (err instanceof AgentUnreachableError) return err;
    const code = err?.code ?? "";
    if (["ECONNREFUSED", "ENOENT", "ECONNRESET", "EACCES", "ENOTSOCK", "EPIPE"].includes(code)) {
      return new AgentUnreachableError(
        `no agent answers at ${this.describe()} (${code}); start one with "psij-agent serve"`,
        { cause: err },
      );
    }
    return err instanceof Error ? err : new Error(String(err));
  }

  #timedOut(method: string, ms: number, what = "did not answer"): AgentTimeoutError {
    const acts = method !== "GET" && method !== "HEAD";
    return new AgentTimeoutError(
      `the agent at ${this.describe()} ${what} within ${ms / 1000} s (stopped, hung or ` +
        `overloaded?); --request-timeout <seconds> or $PSIJ_AGENT_REQUEST_TIMEOUT sets the limit` +
        (acts ? "; the request may still take effect: check with psij-agent list" : ""),
    );
  }

  request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ClientResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    // The agent refuses a request that changes something without this type, body or not.
    const h = payload === undefined && method === "GET"
      ? headers
      : { "content-type": "application/json", ...headers };
    const ms = this.timeoutMs(method);
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const req = http.request(this.#options(method, path, h), (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          if (/json/.test(res.headers["content-type"] ?? "")) {
            try {
              parsed = JSON.parse(text);
            } catch {
              // leave the text as it came
            }
          }
          settle(() =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed })
          );
        });
        res.on("error", (err) => settle(() => reject(this.#unreachable(err))));
      });
      // The whole exchange, not only the connect: a stopped agent's socket still accepts.
      const timer = setTimeout(() => {
        settle(() => reject(this.#timedOut(method, ms)));
        req.destroy();
      }, ms);
      req.on("error", (err) => settle(() => reject(this.#unreachable(err))));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /**
   * Reads an SSE stream, calling `onFrame` per event until `onFrame` returns
   * true, the stream ends, or `signal` aborts. The response must start within
   * the query deadline, and then bytes must keep coming (the agent sends a
   * keep-alive every KEEPALIVE_MS): a silent connection is a dead one and
   * rejects with an AgentTimeoutError. `onOpen` is told when the agent has
   * accepted the stream.
   */
  stream(
    path: string,
    headers: Record<string, string>,
    onFrame: (frame: SseFrame) => boolean | void,
    signal?: AbortSignal,
    onOpen?: () => void,
  ): Promise<StreamEnd> {
    const answerMs = this.timeoutMs("GET");
    const idleMs = KEEPALIVE_MS + answerMs;
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let retryMs: number | undefined;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        req.destroy();
        fn();
      };
      const end = (status: number, how: StreamEnd["how"]) =>
        settle(() => resolve({ status, how, retryMs }));
      const arm = (ms: number, what: string) => {
        clearTimeout(timer);
        timer = setTimeout(() => settle(() => reject(this.#timedOut("GET", ms, what))), ms);
      };
      const onAbort = () => end(200, "aborted");
      let answered = false;
      const req = http.request(this.#options("GET", path, headers), (res) => {
        answered = true;
        if (res.statusCode !== 200) {
          res.resume();
          return end(res.statusCode ?? 0, "ended");
        }
        arm(idleMs, "sent nothing (not even its keep-alive)");
        onOpen?.();
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          arm(idleMs, "sent nothing (not even its keep-alive)");
          buf += chunk;
          let at: number;
          while (!settled && (at = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, at);
            buf = buf.slice(at + 2);
            const frame = parseFrame(block);
            if (frame.retry !== undefined) retryMs = frame.retry;
            if (frame.data !== undefined && onFrame(frame as SseFrame) === true) end(200, "done");
          }
        });
        res.on("end", () => end(200, "ended"));
        res.on("close", () => end(200, "ended"));
        res.on("error", () => end(200, "ended"));
      });
      arm(answerMs, "did not answer");
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      // Once the stream has begun, a broken connection is the agent going away, not an error.
      req.on(
        "error",
        (err) => answered ? end(200, "ended") : settle(() => reject(this.#unreachable(err))),
      );
      req.end();
    });
  }
}

function parseFrame(block: string): Partial<SseFrame> & { retry?: number } {
  const frame: Partial<SseFrame> & { retry?: number } = {};
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":") || line === "") continue;
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
    if (field === "data") data.push(value);
    else if (field === "id") frame.id = value;
    else if (field === "event") frame.event = value;
    else if (field === "retry" && /^\d+$/.test(value)) frame.retry = Number(value);
  }
  if (data.length) frame.data = data.join("\n");
  return frame;
}
