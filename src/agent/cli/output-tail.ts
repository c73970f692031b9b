/**
 * The last lines of a finished job's output files, shown under `wait`/`run
 * --wait` in human output, so a quick job reads like running it in a shell.
 * Only files this CLI can read (the agent runs on this machine) and only the
 * tail of them: a job's output may be gigabytes.
 * @module
 */

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { expandHome } from "../../core/expand.ts";

export interface OutputSpec {
  directory?: string;
  stdoutPath?: string;
  stderrPath?: string;
}

/**
 * A job's stdout or stderr file as this machine sees it: a relative path is
 * the job directory's, as the executors open it. Undefined when the spec
 * names none, or names a relative one without a directory to anchor it.
 */
export function outputFile(spec: OutputSpec, stream: "stdout" | "stderr"): string | undefined {
  const path = stream === "stdout" ? spec.stdoutPath : spec.stderrPath;
  if (!path || isAbsolute(path)) return path || undefined;
  const dir = spec.directory === undefined ? undefined : expandHome(spec.directory, homedir());
  return dir !== undefined && isAbsolute(dir) ? join(dir, path) : undefined;
}

const MAX_LINES = 10;
const MAX_BYTES = 4096;

function tail(path: string): string[] | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const st = fstatSync(fd);
    if (!st.isFile() || st.size === 0) return undefined;
    const n = Math.min(st.size, MAX_BYTES);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, st.size - n);
    let lines = buf.toString("utf8").replace(/\n$/, "").split("\n");
    if (n < st.size) lines = lines.slice(1); // the first one is cut
    return lines.slice(-MAX_LINES);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Lines to print after the job, or "" when there is nothing to show. */
export function outputTail(spec: OutputSpec): string {
  const parts: string[] = [];
  const out = outputFile(spec, "stdout"), err = outputFile(spec, "stderr");
  const streams: Array<[string, string | undefined]> = [
    ["stdout", out],
    ["stderr", err !== out ? err : undefined],
  ];
  for (const [name, path] of streams) {
    const lines = path ? tail(path) : undefined;
    if (!lines) continue;
    parts.push(`${name} (last ${lines.length} line${lines.length === 1 ? "" : "s"} of ${path})`);
    for (const l of lines) parts.push(`  | ${l}`);
  }
  return parts.join("\n");
}
