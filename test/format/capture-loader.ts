/**
 * @module
 * Reads the real OpenPBS 23.06.06 captures kept beside these tests (copied
 * from the shared reference): header lines, then stdout and stderr sections
 * whose byte counts say exactly where each ends.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Capture {
  file: string;
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export const CAPTURE_DIR = join(
  import.meta.dirname ?? new URL(".", import.meta.url).pathname,
  "captures",
);

function section(buf: Buffer, from: number, label: string): { text: string; next: number } {
  const head = new RegExp(`# ---- ${label} \\((\\d+) bytes\\) ----\\n`, "g");
  const text = buf.toString("latin1");
  head.lastIndex = from;
  const m = head.exec(text);
  if (!m) throw new Error(`capture: no "${label}" section after byte ${from}`);
  const start = m.index + m[0].length;
  const len = Number(m[1]);
  return { text: buf.subarray(start, start + len).toString("utf8"), next: start + len };
}

export function loadCapture(file: string): Capture {
  const buf = readFileSync(join(CAPTURE_DIR, file));
  const head = buf.toString("utf8");
  const command = /^# command: (.*)$/m.exec(head)?.[1] ?? "";
  const exitCode = Number(/^# exit_code: (\d+)$/m.exec(head)?.[1] ?? NaN);
  const out = section(buf, 0, "stdout");
  const err = section(buf, out.next, "stderr");
  return { file, command, exitCode, stdout: out.text, stderr: err.text };
}

export function captureFiles(): string[] {
  return readdirSync(CAPTURE_DIR).filter((f) => f.endsWith(".txt")).sort();
}
