/**
 * Starting a child in a process group of its own, so a cancel can signal
 * every process of the job at once (kill(-pid)).
 *
 * Node's `detached: true` does it, and under Bun it costs nothing. Deno
 * implements it with a fork of the whole runtime, which drops its spawn rate
 * from ~2,000/s to a few hundred (and far less under load). So under Deno,
 * when util-linux `setsid` is there, the child is started through it instead:
 * setsid makes the new group and then execs the program, so the pid is still
 * the program's. setsid would report a missing program on the job's stderr
 * with status 127, so the executable is looked up here first and a failure
 * surfaces as the usual spawn error.
 * @module
 */

import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import { findOnPath } from "../../launchers/find-on-path.ts";

type Options = SpawnOptions & { cwd: string; env: Record<string, string> };

const useSetsid = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined"
  ? findOnPath("setsid", "/usr/bin:/bin:/usr/sbin:/sbin")
  : undefined;

/** Like spawn(command, args, options) with `detached: true`. */
export function spawnInOwnGroup(
  command: string,
  args: readonly string[],
  options: Options,
): ChildProcess {
  if (!useSetsid) return spawn(command, args, { ...options, detached: true });
  const found = locate(command, options.cwd, options.env.PATH ?? "/usr/local/bin:/usr/bin:/bin");
  if (typeof found !== "string") throw found;
  return spawn(useSetsid, [found, ...args], options);
}

/** The program's path as exec would find it, or the error exec would give. */
function locate(command: string, cwd: string, path: string): string | NodeJS.ErrnoException {
  const fail = (code: string) =>
    Object.assign(new Error(`spawn ${command} ${code}`), { code, path: command });
  if (!command.includes("/")) return findOnPath(command, path) ?? fail("ENOENT");
  const abs = resolve(cwd, command);
  try {
    if (statSync(abs).isDirectory()) return fail("EACCES");
    accessSync(abs, constants.X_OK);
    return abs;
  } catch (err) {
    return fail((err as NodeJS.ErrnoException).code === "ENOENT" ? "ENOENT" : "EACCES");
  }
}
