/**
 * One agent per home: an exclusive lock file holding the agent's pid, taken
 * before the store is opened and the socket bound. A lock left by a killed
 * agent is stale when its pid is gone, or when the process with that pid
 * never answers on the socket (the pid was reused).
 * @module
 */

import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";

const STARTUP_GRACE_MS = 5_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
}

function holder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock or throws saying who holds it. `answers` tells whether an
 * agent answers on the socket. Returns the release function.
 */
export async function acquireLock(
  path: string,
  answers: () => Promise<boolean>,
): Promise<() => void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        if (holder(path) === process.pid) rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") throw err;
    }
    const pid = holder(path);
    if (pid !== undefined && alive(pid)) {
      // Alive: an agent starting up, a running one, or an unrelated process that got the pid.
      const deadline = Date.now() + STARTUP_GRACE_MS;
      while (Date.now() < deadline) {
        if (await answers()) throw new Error(`an agent (pid ${pid}) is already running here`);
        if (!alive(pid)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (await answers()) throw new Error(`an agent (pid ${pid}) is already running here`);
    }
    rmSync(path, { force: true }); // stale
  }
  throw new Error(`could not take the agent lock ${path}`);
}
