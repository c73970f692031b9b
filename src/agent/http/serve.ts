/**
 * The runtime adapter: the only module that touches Bun or Deno. It binds a
 * fetch handler to a unix socket or a TCP address and hands back a way to
 * stop it.
 * @module
 */

export type FetchHandler = (request: Request) => Response | Promise<Response>;

export type ListenTarget = { unix: string } | { hostname: string; port: number };

export interface Listener {
  /** `unix:/path` or `http://host:port` (with the real port when 0 was asked). */
  readonly url: string;
  readonly port?: number;
  /** Stops accepting; open streams (SSE) are closed. */
  stop(): Promise<void>;
}

const g = globalThis as any;

export function serve(fetch: FetchHandler, target: ListenTarget): Promise<Listener> {
  if (g.Bun) return serveBun(fetch, target);
  if (g.Deno) return serveDeno(fetch, target);
  return Promise.reject(new Error("psij-agent serves HTTP under Bun or Deno only"));
}

function describe(target: ListenTarget, port?: number): string {
  if ("unix" in target) return `unix:${target.unix}`;
  const host = target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname;
  return `http://${host}:${port ?? target.port}`;
}

function serveBun(fetch: FetchHandler, target: ListenTarget): Promise<Listener> {
  const server = g.Bun.serve({
    ...("unix" in target ? { unix: target.unix } : target),
    fetch,
    // SSE streams stay open; Bun's default 10 s idle timeout would cut them.
    idleTimeout: 0,
    error: (err: Error) =>
      new Response(JSON.stringify({ title: "Internal error", status: 500, detail: err.message }), {
        status: 500,
        headers: { "content-type": "application/problem+json" },
      }),
  });
  const port = "unix" in target ? undefined : server.port as number;
  return Promise.resolve({
    url: describe(target, port),
    port,
    stop: async () => {
      await server.stop(true);
    },
  });
}

function serveDeno(fetch: FetchHandler, target: ListenTarget): Promise<Listener> {
  return new Promise((resolve, reject) => {
    try {
      const options = "unix" in target
        ? { path: target.unix, transport: "unix" }
        : { hostname: target.hostname, port: target.port };
      const server = g.Deno.serve({
        ...options,
        onListen: (addr: { port?: number }) => {
          const port = "unix" in target ? undefined : addr.port;
          resolve({
            url: describe(target, port),
            port,
            stop: async () => {
              await server.shutdown();
            },
          });
        },
      }, fetch);
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * How to start this same program again (for `serve` in the background):
 * the compiled binary, `bun <main>` or `deno run -A <main>`.
 */
export function selfCommand(mainPath: string): string[] {
  const exe = process.execPath;
  if (g.Deno) return [exe, "run", "-A", mainPath];
  // In a `bun build --compile` binary the entry lives in a virtual /$bunfs.
  if (mainPath.startsWith("/$bunfs") || mainPath.startsWith("B:\\~BUN")) return [exe];
  return [exe, mainPath];
}
