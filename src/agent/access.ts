/**
 * Where the agent lives and who may talk to it. One per-user home directory
 * (mode 0700) holds the unix socket (0600), the job store, the TCP token
 * (0600) and the executors' work files; the CLI finds all of them from the
 * same home.
 * @module
 */

import { randomBytes } from "node:crypto";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
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
  /** Jobs' stdout/stderr kept by the agent (job-output.ts). */
  output: string;
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
    output: join(dir, "output"),
  };
}

/** Creates the home directory (0700), and tightens it if it exists with looser rights. */
export function ensureHome(paths: AgentPaths): void {
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  const mode = statSync(paths.home).mode & 0o777;
  if (mode !== 0o700) chmodSync(paths.home, 0o700);
}

/**
 * Reads the token file, or creates one (32 random bytes, base64url, mode
 * 0600). A token file that others could read or write (any group or other
 * bit) is not trusted: someone may hold that token, or have written it, so
 * a new one replaces it and `warn` says why. A token file that is not a
 * regular file of this user is refused.
 */
export function ensureToken(path: string, warn: (line: string) => void = () => {}): string {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (st) {
    const uid = process.getuid?.();
    if (!st.isFile() || (uid !== undefined && st.uid !== uid)) {
      throw new Error(
        `refusing the token file ${path}: it is ${
          st.isFile() ? `owned by uid ${st.uid}, not by this user` : "not a regular file"
        }; remove it and start again to have a new token made`,
      );
    }
    const mode = st.mode & 0o777;
    const existing = readFileSync(path, "utf8").trim();
    if ((mode & 0o077) !== 0) {
      warn(
        `the token file ${path} had mode 0${mode.toString(8)} (open to other users): ` +
          "its token may be known to them, so it is replaced by a new one (mode 0600); " +
          "clients that read the file get the new token, a copy of the old one is refused",
      );
    } else if (existing.length >= 16) return existing;
  }
  const token = randomBytes(32).toString("base64url");
  // A new file (0600 from its creation) renamed over the old one: never a moment with loose rights.
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temp, token + "\n", { mode: 0o600, flag: "wx" });
  try {
    chmodSync(temp, 0o600); // against a umask that took bits away from the owner
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
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

export function absolute(path: string, base = process.cwd()): string {
  return isAbsolute(path) ? path : resolve(base, path);
}
