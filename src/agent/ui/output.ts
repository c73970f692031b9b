/**
 * The last part of a job's stdout and stderr files, for its page. Only the
 * tail is read (a job's output may be gigabytes), from the files the spec
 * names or the ones the agent keeps (job-output.ts).
 * @module
 */

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { outputFile, type OutputSpec } from "../cli/output-tail.ts";

export const TAIL_BYTES = 16 * 1024;

export interface Tail {
  stream: "stdout" | "stderr";
  path?: string;
  /** The tail, when the file could be read. */
  text?: string;
  /** Why there is no text. */
  note?: string;
}

function readTail(path: string): { text?: string; note?: string } {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const st = fstatSync(fd);
    if (!st.isFile()) return { note: "not a regular file" };
    const n = Math.min(st.size, TAIL_BYTES);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, st.size - n);
    let text = buf.toString("utf8");
    if (n < st.size) text = "…" + text.slice(text.indexOf("\n") + 1); // the first line is cut
    return { text };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { note: code === "ENOENT" ? "no file yet" : `cannot be read (${code ?? err})` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function outputTails(spec: OutputSpec | null): Tail[] {
  const tails: Tail[] = [];
  for (const stream of ["stdout", "stderr"] as const) {
    const path = spec ? outputFile(spec, stream) : undefined;
    if (path === undefined) tails.push({ stream, note: "no file (not named, or relative)" });
    else if (path === "/dev/null") tails.push({ stream, path, note: "discarded (/dev/null)" });
    else tails.push({ stream, path, ...readTail(path) });
  }
  return tails;
}
