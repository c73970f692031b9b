/**
 * One simulated server shared by many processes: a unix-socket server that
 * runs commands in-process, and the client the CLI shims use. One request per
 * connection: a JSON line in ({argv, stdin, cwd, env}), a JSON line out
 * ({exitCode, stdout, stderr}).
 * @module
 */
import { createConnection, createServer, type Server } from "node:net";
import { existsSync, mkdirSync, rmSync } from "node:fs";
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

/** Serves `runner` on a unix socket until closed. */
export function serveSocket(runner: SimRunner, path: string): Promise<Server> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (existsSync(path)) rmSync(path);
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
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve(server));
  });
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
