/**
 * qsub option values: parsing and the client-side checks that end in
 * `qsub: illegal -<x> value` (exit 2) or an ECL attribute error (exit 166).
 * @module
 */
import { isValidResourceValue } from "../server/select.ts";
import { parseArraySpec } from "../server/submit.ts";

export const QSUB_OPTS = "a:A:c:C:e:fhIj:J:k:l:m:M:N:o:p:q:r:R:S:u:v:VW:XzP:";

export const QSUB_USAGE = "usage: qsub [-a date_time] [-A account_string] [-c interval]\n" +
  "\t[-C directive_prefix] [-e path] [-f ] [-h ] [-I [-X]] [-j oe|eo] [-J X-Y[:Z]]\n" +
  "\t[-k keep] [-l resource_list] [-m mail_options] [-M user_list]\n" +
  "\t[-N jobname] [-o path] [-p priority] [-P project] [-q queue] [-r y|n]\n" +
  "\t[-R o|e|oe] [-S path] [-u user_list] [-W otherattributes=value...]\n" +
  "\t[-v variable_list] [-V ] [-z] [script | -- command [arg1 ...]]\n" +
  "       qsub --version\n";

/** A client-side refusal: the text lines and the exit code. */
export class QsubUsageError extends Error {
  constructor(readonly text: string, readonly code: number) {
    super(text);
  }
}

export const illegal = (x: string) =>
  new QsubUsageError(`qsub: illegal -${x} value\n${QSUB_USAGE}`, 2);

/** `-l a=b,c=d` → pairs; throws for a malformed list. */
export function parseResourceList(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const item of text.split(",")) {
    const m = /^([A-Za-z_][\w-]*)=(.*)$/.exec(item);
    if (!m || m[2] === "") throw illegal("l");
    out.push([m[1], m[2]]);
  }
  return out;
}

/** ECL check before anything is sent (handle_attribute_errors). */
export function checkResourceValues(pairs: [string, string][]): void {
  for (const [k, v] of pairs) {
    if (!isValidResourceValue(k, v)) {
      throw new QsubUsageError(
        `qsub: Illegal attribute or resource value Resource_List.${k}\n`,
        166,
      );
    }
  }
}

/** `-W a=b,c=d`; a piece without `name=` continues the previous value (depend lists). */
export function parseWList(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const piece of text.split(",")) {
    const m = /^([A-Za-z_][\w.]*)=(.*)$/.exec(piece);
    if (m) out.push([m[1], m[2]]);
    else if (out.length) out[out.length - 1][1] += `,${piece}`;
    else throw illegal("W");
  }
  for (const [, v] of out) if (v === "") throw illegal("W");
  return out;
}

/** `-a [[[[CC]YY]MM]DD]hhmm[.SS]` in UTC relative to `nowSec`; undefined when malformed. */
export function parseDateTime(text: string, nowSec: number): number | undefined {
  const m = /^(\d{4,12})(?:\.(\d\d))?$/.exec(text);
  if (!m || m[1].length % 2 !== 0) return undefined;
  const digits = m[1];
  const now = new Date(nowSec * 1000);
  let year = now.getUTCFullYear(), month = now.getUTCMonth() + 1, day = now.getUTCDate();
  const hh = Number(digits.slice(-4, -2)), mm = Number(digits.slice(-2));
  const rest = digits.slice(0, -4);
  if (rest.length >= 2) day = Number(rest.slice(-2));
  if (rest.length >= 4) month = Number(rest.slice(-4, -2));
  if (rest.length === 6) year = 2000 + Number(rest.slice(0, 2));
  if (rest.length === 8) year = Number(rest.slice(0, 4));
  const ss = m[2] ? Number(m[2]) : 0;
  if (hh > 23 || mm > 59 || ss > 59 || month < 1 || month > 12 || day < 1 || day > 31) {
    return undefined;
  }
  let t = Date.UTC(year, month - 1, day, hh, mm, ss) / 1000;
  if (t < nowSec && rest.length === 0) t += 86400;
  return t;
}

export function validateOption(c: string, v: string): void {
  switch (c) {
    case "J":
      if (!parseArraySpec(v)) throw illegal("J");
      break;
    case "r":
      if (v !== "y" && v !== "n") throw illegal("r");
      break;
    case "j":
      if (!/^(oe|eo|n)$/.test(v)) throw illegal("j");
      break;
    case "k":
      // The server's Keep_Files check: o/e exclude n, and d needs one of o, e, n.
      if (!/^[oedn]+$/.test(v) || (/[oe]/.test(v) && v.includes("n"))) throw illegal("k");
      if (v.includes("d") && !/[oen]/.test(v)) throw illegal("k");
      break;
    case "p":
      if (!/^[+-]?\d+$/.test(v) || Math.abs(Number(v)) > 1024) throw illegal("p");
      break;
    case "m":
      if (!/^(n|[abej]+)$/.test(v)) throw illegal("m");
      break;
    case "N":
      if (v.length > 230) throw new QsubUsageError("qsub: Job name is too long \n", 2);
      break;
  }
}
