/**
 * One agent per home: an exclusive lock file naming the agent's pid (and, on
 * Linux, the process's start time), taken before the store is opened and the
 * socket bound.
 *
 * The file appears whole or not at all (written aside, then hard-linked into
 * place), so a second agent starting at the same instant never reads it empty
 * and mistakes it for stale. A lock is stale only on evidence: its pid is gone,
 * or the pid now belongs to a process that started at another time (reused). A
 * live holder that does not answer on the socket is waited for, never robbed:
 * under load an agent may take seconds to start, and taking its lock would
 * leave two agents sharing one store and one socket path.
 * @module
 */

import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { processAlive, processStartTime } from "./process-alive.ts";

/** How long a live holder may take to answer before we give up (not steal). */
export const STARTUP_GRACE_MS = 30_000;

interface Holder {
  pid: number;
  started?: string;
  text: string;
}

function readHolder(path: string): Holder | undefined | "absent" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return (err as { code?: string }).code === "ENOENT" ? "absent" : undefined;
  }
  const [pidText, started] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return { pid: 0, text };
  return { pid, started, text };
}

/** Evidence that the holder is gone: dead pid, reused pid, or a garbled file. */
function isStale(h: Holder): boolean {
  if (h.pid === 0 || !processAlive(h.pid)) return true;
  if (!h.started) return false;
  const now = processStartTime(h.pid);
  return now !== undefined && now !== h.started;
}

/** Creates the lock with its content in one step; false when it exists. */
function tryCreate(path: string, content: string): boolean {
  const aside = `${path}.${process.pid}.tmp`;
  writeFileSync(aside, content, { mode: 0o600 });
  try {
    linkSync(aside, path);
    return true;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw err;
    // A filesystem without hard links: exclusive create, with the short empty window that implies.
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, content);
      closeSync(fd);
      return true;
    } catch (err2) {
      if ((err2 as { code?: string }).code === "EEXIST") return false;
      throw err2;
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

/**
 * Removes a lock judged stale, unless another process replaced it meanwhile:
 * the rename is atomic, so only one remover gets the file, and it puts back a
 * lock that is not the one it judged.
 */
function removeStale(path: string, judged: Holder): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else removed it first
  }
  try {
    if (readFileSync(aside, "utf8") !== judged.text) {
      try {
        linkSync(aside, path);
      } catch {
        // a third process took the lock meanwhile: it holds it now
      }
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

/**
 * Takes the lock or throws saying who holds it. `answers` tells whether an
 * agent answers on the socket. Returns the release function.
 */
export async function acquireLock(
  path: string,
  answers: () => Promise<boolean>,
  graceMs = STARTUP_GRACE_MS,
): Promise<() => void> {
  const started = processStartTime("self");
  const content = `${process.pid}${started ? ` ${started}` : ""}\n`;
  const release = () => {
    const h = readHolder(path);
    if (typeof h === "object" && h.text === content) rmSync(path, { force: true });
  };
  for (let attempt = 0; attempt < 10; attempt++) {
    if (tryCreate(path, content)) return release;
    const h = readHolder(path);
    if (h === "absent") continue;
    if (h === undefined) throw new Error(`cannot read the agent lock ${path}`);
    if (isStale(h)) {
      removeStale(path, h);
      continue;
    }
    const deadline = Date.now() + graceMs;
    let changed = false;
    while (Date.now() < deadline) {
      if (await answers()) throw new Error(`an agent (pid ${h.pid}) is already running here`);
      const now = readHolder(path);
      if (typeof now !== "object" || now.text !== h.text || isStale(h)) {
        changed = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (changed) continue;
    if (await answers()) throw new Error(`an agent (pid ${h.pid}) is already running here`);
    throw new Error(
      `process ${h.pid} holds the agent lock ${path} but has not answered on the socket for ` +
        `${Math.round(graceMs / 1000)} s; if no agent should be running, stop that process ` +
        `(kill ${h.pid}) or remove the lock file, then try again`,
    );
  }
  throw new Error(`could not take the agent lock ${path} (it kept changing hands)`);
}
