/**
 * One simulated server shared by many processes: a unix-socket server that
 * runs commands in-process, and the client the CLI shims use. One request per
 * connection: a JSON line in ({argv, stdin, cwd, env}), a JSON line out
 * ({exitCode, stdout, stderr}).
 * @module
 */
import { createConnection, createServer } from "node:net";
import { linkSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import type { CommandResult } from "../src/core/command-runner.ts";
import type { SimRunner } from "./runner.ts";

export interface SimRequest {
  argv: string[];
  stdin?: string;
  cwd: string;
  env: Record<string, string>;
}

export function defaultSocketPath(env: Record<string, string | undefined> = process.env): string {
  if (env.PSIJ_SIM_SOCKET) return env.PSIJ_SIM_SOCKET;
  let uid = "user";
  try {
    uid = String(userInfo().uid);
  } catch {
    // keep the generic name
  }
  return join(env.XDG_RUNTIME_DIR ?? tmpdir(), `psij-sim-${uid}`, "pbs-sim.sock");
}

function readLine(sock: import("node:net").Socket, onLine: (line: string) => void): void {
  let buf = "";
  sock.setEncoding("utf8");
  sock.on("data", (chunk: string) => {
    buf += chunk;
    const nl = buf.indexOf("\n");
    if (nl >= 0) onLine(buf.slice(0, nl));
  });
}

/**
 * Serves `runner` on a unix socket until closed. The socket is bound aside and
 * hard-linked into place, which fails when the path exists: of two servers
 * started at once (two first commands auto-starting), one gets the path and the
 * other is refused, never both with one holding an unreachable socket. A path
 * nothing answers on is stale and replaced.
 */
export async function serveSocket(runner: SimRunner, path: string): Promise<{ close(): void }> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const server = createServer((sock) => {
    readLine(sock, (line) => {
      let req: SimRequest;
      try {
        req = JSON.parse(line);
      } catch {
        sock.end(
          `${JSON.stringify({ exitCode: 2, stdout: "", stderr: "pbs-sim: bad request\n" })}\n`,
        );
        return;
      }
      runner.run(req.argv, { stdin: req.stdin, cwd: req.cwd, env: req.env }).then(
        (r) => sock.end(`${JSON.stringify(r)}\n`),
        (e) =>
          sock.end(`${JSON.stringify({ exitCode: 1, stdout: "", stderr: `pbs-sim: ${e}\n` })}\n`),
      );
    });
    sock.on("error", () => sock.destroy());
  });
  const aside = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(aside, () => resolve());
  });
  let ino: number;
  try {
    ino = await claim(aside, path);
  } catch (err) {
    server.close();
    throw err;
  } finally {
    rmSync(aside, { force: true });
  }
  return {
    close: () => {
      // Only our own socket (a later server may hold the path by now), and at once: the
      // process may exit before the server's close completes.
      if (inode(path) === ino) rmSync(path, { force: true });
      server.close();
    },
  };
}

function inode(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/** Links the bound socket at `aside` to `path`; returns its inode. */
async function claim(aside: string, path: string): Promise<number> {
  const ino = statSync(aside).ino;
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      linkSync(aside, path);
      return ino;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const found = inode(path);
    if (found === undefined) continue;
    if (await answers(path)) throw new Error(`a server already listens on ${path}`);
    removeStale(path, found);
  }
  throw new Error(`could not take ${path}: it kept changing hands`);
}

/** Whether a server accepts a connection on `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection(path);
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

/**
 * Removes the dead socket `ino` at `path`. The rename is atomic, so of two
 * servers judging it stale one removes it; the other, finding another
 * server's live socket in its hands, puts that back.
 */
function removeStale(path: string, ino: number): void {
  const held = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(path, held);
  } catch {
    return; // gone already
  }
  try {
    if (inode(held) !== ino) linkSync(held, path);
  } catch {
    // a third server took the path meanwhile: it holds it now
  } finally {
    rmSync(held, { force: true });
  }
}

/** Sends one command; rejects when nothing listens on the socket. */
export function callSocket(path: string, req: SimRequest): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    sock.once("error", reject);
    sock.once("connect", () => sock.write(`${JSON.stringify(req)}\n`));
    readLine(sock, (line) => {
      try {
        resolve(JSON.parse(line));
      } catch (e) {
        reject(e);
      }
      sock.destroy();
    });
  });
}
