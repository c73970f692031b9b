/**
 * Where the agent lives and who may talk to it. One per-user home directory
 * (mode 0700) holds the unix socket (0600), the job store, the TCP token
 * (0600) and the executors' work files; the CLI finds all of them from the
 * same home.
 * @module
 */

import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

export interface AgentPaths {
  home: string;
  socket: string;
  db: string;
  token: string;
  /** `serve` writes its listener addresses here for the CLI. */
  state: string;
  /** Held by the running agent (its pid). */
  lock: string;
  log: string;
  workDir: string;
}

/** `--home`, else `$PSIJ_AGENT_HOME`, else `~/.psij-agent`. */
export function agentPaths(home?: string, env = process.env): AgentPaths {
  const dir = resolve(home ?? env.PSIJ_AGENT_HOME ?? join(homedir(), ".psij-agent"));
  return {
    home: dir,
    socket: join(dir, "agent.sock"),
    db: join(dir, "agent.db"),
    token: join(dir, "token"),
    state: join(dir, "agent.json"),
    lock: join(dir, "agent.lock"),
    log: join(dir, "agent.log"),
    workDir: join(dir, "work"),
  };
}

/** Creates the home directory (0700), and tightens it if it exists with looser rights. */
export function ensureHome(paths: AgentPaths): void {
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  const mode = statSync(paths.home).mode & 0o777;
  if (mode !== 0o700) chmodSync(paths.home, 0o700);
}

/** Reads the token file, or creates one (32 random bytes, base64url, mode 0600). */
export function ensureToken(path: string): string {
  if (existsSync(path)) {
    const existing = readFileSync(path, "utf8").trim();
    if (existing.length >= 16) {
      chmodSync(path, 0o600);
      return existing;
    }
  }
  const token = randomBytes(32).toString("base64url");
  writeFileSync(path, token + "\n", { mode: 0o600 });
  chmodSync(path, 0o600);
  return token;
}

export function readToken(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface TcpAddress {
  hostname: string;
  port: number;
}

/** `host:port`, `[v6]:port` or `:port` (loopback). Throws RangeError saying what is wrong. */
export function parseListen(text: string): TcpAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new RangeError(
      `--listen: "${text}" is not host:port (e.g. 127.0.0.1:8765 or [::1]:8765)`,
    );
  }
  return { hostname: m[1] ?? (m[2] || "127.0.0.1"), port };
}

export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * The access rule for TCP: a token always, unless the caller explicitly
 * waives it for a loopback address. Returns an error message, or undefined.
 */
export function tcpAccessProblem(address: TcpAddress, noAuth: boolean): string | undefined {
  if (noAuth && !isLoopback(address.hostname)) {
    return `refusing to listen on ${address.hostname}:${address.port} without a token: ` +
      "--no-auth is allowed on loopback addresses only";
  }
  return undefined;
}

export function absolute(path: string, base = process.cwd()): string {
  return isAbsolute(path) ? path : resolve(base, path);
}
