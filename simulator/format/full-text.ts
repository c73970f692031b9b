/**
 * @module
 * `qstat -f` text: `display_statjob` + `prt_attr` of OpenPBS v23.06.06,
 * including the comma-aware line wrapping and the `-w` one-line variant.
 */
import { orderAttrs } from "./attr-order.ts";
import { cstr, showNonprint } from "./c-text.ts";
import { displayValue } from "./display-values.ts";
import type { StatAttr, StatJob } from "./types.ts";

const CHAR_LINE_LIMIT = 78;
const utf8 = new TextEncoder();

/** C counts bytes; so do we (a wrap never splits a multi-byte character, though). */
const byteLen = (s: string) => utf8.encode(s).length;

/** `convert_feed_chars()`: newline and form feed shown as two characters. */
function convertFeedChars(v: string): string {
  return v.replace(/\n/g, "\\n").replace(/\f/g, "\\f");
}

/** `prt_attr` in the default (text) format, without the line terminator. */
export function formatAttrLine(a: StatAttr, wide = false): string {
  const value = cstr(displayValue(a));
  if (wide) {
    const buf = convertFeedChars(value);
    // qstat shows non-printing characters only for attributes without a resource.
    return a.resource !== undefined
      ? `    ${a.name}.${a.resource} = ${buf}`
      : `    ${a.name} = ${showNonprint(buf)}`;
  }
  let start = byteLen(a.name) + 7; // 4 spaces + " = "
  let out = `    ${a.name}`;
  if (a.resource !== undefined) {
    start += byteLen(a.resource) + 1;
    out += `.${a.resource}`;
  }
  out += " = ";
  // strtok(",") drops empty pieces; commas are printed but never counted.
  const pieces = value.split(",").filter((p) => p !== "");
  pieces.forEach((piece, idx) => {
    const len = byteLen(piece);
    if (len + start < CHAR_LINE_LIMIT) {
      out += showNonprint(piece);
      start += len;
    } else {
      if (idx > 0) {
        out += "\n\t";
        start = 9; // tab + 1
      }
      for (const ch of piece) {
        out += showNonprint(ch);
        for (let b = byteLen(ch); b > 0; b--) {
          if (++start > CHAR_LINE_LIMIT) {
            start = 8; // tab
            out += "\n\t";
          }
        }
      }
    }
    if (idx < pieces.length - 1) out += ",";
  });
  return out;
}

/** One job's `qstat -f` block: `Job Id:` line, attribute lines, blank line. */
export function formatFullJob(job: StatJob, opts: { wide?: boolean } = {}): string {
  const lines = orderAttrs(job.attrs).map((a) => formatAttrLine(a, opts.wide ?? false));
  return `Job Id: ${job.id}\n${lines.join("\n")}\n\n`;
}

/** `qstat -f [-w]` output for these jobs. */
export function formatFull(jobs: StatJob[], opts: { wide?: boolean } = {}): string {
  return jobs.map((j) => formatFullJob(j, opts)).join("");
}
