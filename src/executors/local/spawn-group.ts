/**
 * Starting a child in a process group of its own, so a cancel can signal
 * every process of the job at once (kill(-pid)).
 *
 * Two ways: the runtime's `detached: true`, or util-linux `setsid` in front
 * of the program (it makes the new group, then execs the program: the pid
 * stays the program's). Measured here (bench/local.ts and plain spawn loops):
 * under Bun, `detached` costs about what a plain spawn does and setsid's
 * extra exec halves the rate, except in one loaded spell where `detached`
 * fell to half; under Deno, `detached` forks the whole runtime and was always
 * the slower, from a little to 8 times. Yet `auto` is `detached` everywhere: under
 * Deno a child spawned otherwise inherits signals 32 and 33 ignored (see setsidFor).
 * setsid would report a missing program
 * on the job's stderr with status 127, so the executable is looked up here
 * first and a failure surfaces as the usual spawn error.
 * @module
 */

import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import { findOnPath } from "../../launchers/find-on-path.ts";

export type ProcessGroupMethod = "auto" | "detached" | "setsid";

type Options = SpawnOptions & { cwd: string; env: Record<string, string> };

const SYSTEM_PATH = "/usr/bin:/bin:/usr/sbin:/sbin";
const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";
let setsidPath: string | null | undefined;

/** The setsid program, or undefined when `method` (or its absence) means detached. */
function setsidFor(method: ProcessGroupMethod): string | undefined {
  // `auto` is detached under both runtimes: a Deno child spawned without `detached` (through
  // setsid too) starts with signals 32 and 33 ignored (glibc's SIGCANCEL, SIGSETXID; SIGEV_THREAD
  // timers ride on 32), and a job must start as a login shell's child would.
  if (method === "detached" || method === "auto") return undefined;
  setsidPath ??= findOnPath("setsid", SYSTEM_PATH) ?? null;
  if (setsidPath === null && method === "setsid") {
    throw new Error("processGroup: setsid was asked for but is not installed");
  }
  return setsidPath ?? undefined;
}

/** What `auto` means in this runtime on this machine. */
export function autoMethod(): "detached" | "setsid" {
  return setsidFor("auto") ? "setsid" : "detached";
}

/** Checks that `method` can be used here (throws when setsid is asked for and missing). */
export function checkProcessGroupMethod(method: ProcessGroupMethod): void {
  setsidFor(method);
}

/** Like spawn(command, args, options) with `detached: true`. */
export function spawnInOwnGroup(
  command: string,
  args: readonly string[],
  options: Options,
  method: ProcessGroupMethod = "auto",
): ChildProcess {
  const setsid = setsidFor(method);
  if (!setsid) return spawn(command, args, { ...options, detached: true });
  const found = locate(command, options.cwd, options.env.PATH ?? DEFAULT_PATH);
  if (typeof found !== "string") throw found;
  return spawn(setsid, [found, ...args], options);
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
