/**
 * The CLI's side of the API: HTTP over the agent's unix socket (or TCP with
 * the bearer token), through node:http, which Bun and Deno both provide.
 * @module
 */

import http from "node:http";
import { PsijError } from "../../core/errors.ts";

export interface Endpoint {
  socket?: string;
  /** `http://host:port`; used instead of the socket when given. */
  url?: string;
  token?: string;
}

export interface ClientResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** No agent answers at the endpoint (not running, or a stale socket). */
export class AgentUnreachableError extends PsijError {}

export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

export class AgentClient {
  constructor(readonly endpoint: Endpoint) {}

  describe(): string {
    return this.endpoint.url ?? `unix:${this.endpoint.socket}`;
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
    const code = err?.code ?? "";
    if (["ECONNREFUSED", "ENOENT", "ECONNRESET", "EACCES", "ENOTSOCK"].includes(code)) {
      return new AgentUnreachableError(
        `no agent answers at ${this.describe()} (${code}); start one with "psij-agent serve"`,
        { cause: err },
      );
    }
    return err instanceof Error ? err : new Error(String(err));
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
    return new Promise((resolve, reject) => {
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
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
        res.on("error", reject);
      });
      req.on("error", (err) => reject(this.#unreachable(err)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /**
   * Reads an SSE stream, calling `onFrame` per event until `onFrame` returns
   * true, the stream ends, or `signal` aborts. Resolves with the HTTP status.
   */
  stream(
    path: string,
    headers: Record<string, string>,
    onFrame: (frame: SseFrame) => boolean | void,
    signal?: AbortSignal,
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request(this.#options("GET", path, headers), (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return resolve(res.statusCode ?? 0);
        }
        let buf = "";
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          req.destroy();
          resolve(200);
        };
        signal?.addEventListener("abort", finish, { once: true });
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buf += chunk;
          let at: number;
          while (!done && (at = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, at);
            buf = buf.slice(at + 2);
            const frame = parseFrame(block);
            if (frame && onFrame(frame) === true) finish();
          }
        });
        res.on("end", finish);
        res.on("error", () => finish());
      });
      req.on("error", (err) => reject(this.#unreachable(err)));
      req.end();
    });
  }
}

function parseFrame(block: string): SseFrame | undefined {
  const frame: SseFrame = { data: "" };
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":") || line === "") continue;
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
    if (field === "data") data.push(value);
    else if (field === "id") frame.id = value;
    else if (field === "event") frame.event = value;
  }
  if (data.length === 0) return undefined;
  frame.data = data.join("\n");
  return frame;
}
