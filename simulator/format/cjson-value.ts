/**
 * @module
 * The two cJSON behaviours the newer qstat relies on: `cJSON_ParseWithOpts(v,
 * NULL, 1)` (a lenient parser: `007` is 7, `-05` is -5, `1.` is 1, but `+5`,
 * `.5` and `inf` are not numbers) and `cJSON_Print` (tabs, `"key":\tvalue`).
 * Numbers print as cJSON 1.7.15 does: `%d` when integral, else `%1.15g`
 * (or `%1.17g` when 15 digits do not round-trip); NaN and infinities as `null`.
 */
import { strtod } from "./c-text.ts";

export type CValue =
  | { t: "null" }
  | { t: "bool"; v: boolean }
  | { t: "num"; v: number }
  | { t: "str"; v: string }
  | { t: "arr"; items: CValue[] }
  | { t: "obj"; entries: [string, CValue][] };

class Fail extends Error {}
const NESTING_LIMIT = 1000;

/** `cJSON_ParseWithOpts(text, NULL, 1)`; `undefined` where cJSON returns NULL. */
export function cjsonParse(text: string): CValue | undefined {
  let pos = text.startsWith("\uFEFF") && text.length >= 2 ? 1 : 0;
  const at = (k: number) => (k < text.length ? text.charCodeAt(k) : 0);
  const skipWs = () => {
    while (pos < text.length && at(pos) <= 32) pos++;
  };
  const parseString = (): string => {
    let end = pos + 1;
    while (end < text.length && text[end] !== '"') {
      if (text[end] === "\\") {
        if (end + 1 >= text.length) throw new Fail();
        end++;
      }
      end++;
    }
    if (end >= text.length) throw new Fail();
    let out = "";
    for (let i = pos + 1; i < end;) {
      if (text[i] !== "\\") {
        out += text[i++];
        continue;
      }
      const e = text[i + 1];
      const simple: Record<string, string> = {
        b: "\b",
        f: "\f",
        n: "\n",
        r: "\r",
        t: "\t",
        '"': '"',
        "\\": "\\",
        "/": "/",
      };
      if (e in simple) {
        out += simple[e];
        i += 2;
      } else if (e === "u") {
        const [cp, len] = utf16Literal(text, i, end);
        out += String.fromCodePoint(cp);
        i += len;
      } else throw new Fail();
    }
    pos = end + 1;
    const nul = out.indexOf("\0"); // a \u0000 ends the C string
    return nul < 0 ? out : out.slice(0, nul);
  };
  const parseValue = (depth: number): CValue => {
    const rest = text.slice(pos, pos + 5);
    if (rest.startsWith("null")) return (pos += 4), { t: "null" };
    if (rest.startsWith("false")) return (pos += 5), { t: "bool", v: false };
    if (rest.startsWith("true")) return (pos += 4), { t: "bool", v: true };
    const c = text[pos];
    if (c === '"') return { t: "str", v: parseString() };
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) {
      const m = /^[0-9+\-eE.]{1,63}/.exec(text.slice(pos))!;
      const { value, end } = strtod(m[0]);
      if (end === 0) throw new Fail();
      pos += end;
      return { t: "num", v: value };
    }
    if (c === "[" || c === "{") {
      if (depth >= NESTING_LIMIT) throw new Fail();
      const close = c === "[" ? "]" : "}";
      const items: CValue[] = [];
      const entries: [string, CValue][] = [];
      pos++;
      skipWs();
      if (text[pos] === close) {
        return pos++, c === "[" ? { t: "arr", items } : { t: "obj", entries };
      }
      let first = true;
      do {
        if (!first) pos++; // the comma
        first = false;
        skipWs();
        if (c === "{") {
          if (text[pos] !== '"') throw new Fail();
          const key = parseString();
          skipWs();
          if (text[pos] !== ":") throw new Fail();
          pos++;
          skipWs();
          entries.push([key, parseValue(depth + 1)]);
        } else {
          items.push(parseValue(depth + 1));
        }
        skipWs();
      } while (text[pos] === ",");
      if (text[pos] !== close) throw new Fail();
      pos++;
      return c === "[" ? { t: "arr", items } : { t: "obj", entries };
    }
    throw new Fail();
  };
  try {
    skipWs();
    const v = parseValue(0);
    skipWs();
    return pos === text.length ? v : undefined;
  } catch (e) {
    if (e instanceof Fail) return undefined;
    throw e;
  }
}

function hex4(s: string): number {
  // cJSON's parse_hex4 yields 0 for a non-hex digit rather than failing.
  return /^[0-9a-fA-F]{4}$/.test(s) ? parseInt(s, 16) : 0;
}

function utf16Literal(text: string, i: number, end: number): [number, number] {
  if (end - i < 6) throw new Fail();
  const first = hex4(text.slice(i + 2, i + 6));
  if (first >= 0xdc00 && first <= 0xdfff) throw new Fail();
  if (first < 0xd800 || first > 0xdbff) return [first, 6];
  if (end - (i + 6) < 6 || text[i + 6] !== "\\" || text[i + 7] !== "u") throw new Fail();
  const second = hex4(text.slice(i + 8, i + 12));
  if (second < 0xdc00 || second > 0xdfff) throw new Fail();
  return [0x10000 + (((first & 0x3ff) << 10) | (second & 0x3ff)), 12];
}

/** C `printf("%1.<p>g")`. */
export function formatG(d: number, p: number): string {
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  const [mant, expStr] = d.toExponential(p - 1).split("e");
  const x = Number(expStr);
  const strip = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (x < -4 || x >= p) {
    const e = Math.abs(x) < 10 ? `0${Math.abs(x)}` : String(Math.abs(x));
    return `${strip(mant)}e${x < 0 ? "-" : "+"}${e}`;
  }
  return strip(d.toFixed(p - 1 - x));
}

/** cJSON `print_number`. */
export function cjsonNumber(d: number): string {
  if (!Number.isFinite(d)) return "null";
  const valueint = d >= 2147483647 ? 2147483647 : d <= -2147483648 ? -2147483648 : Math.trunc(d);
  if (d === valueint) return String(valueint);
  const s15 = formatG(d, 15);
  const back = Number(s15);
  const max = Math.max(Math.abs(back), Math.abs(d));
  return Math.abs(back - d) <= max * Number.EPSILON ? s15 : formatG(d, 17);
}

/** cJSON `print_string_ptr`: `\"`, `\\`, the short escapes, other controls as `\u00xx`. */
export function cjsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (c > 31) out += ch;
    else {
      const short: Record<string, string> = {
        "\b": "b",
        "\f": "f",
        "\n": "n",
        "\r": "r",
        "\t": "t",
      };
      out += "\\" + (short[ch] ?? "u" + c.toString(16).padStart(4, "0"));
    }
  }
  return out + '"';
}

/** cJSON formatted printing; `depth` is the printbuffer depth on entry. */
export function cjsonPrint(v: CValue, depth: number): string {
  switch (v.t) {
    case "null":
      return "null";
    case "bool":
      return v.v ? "true" : "false";
    case "num":
      return cjsonNumber(v.v);
    case "str":
      return cjsonString(v.v);
    case "arr":
      return "[" + v.items.map((i) => cjsonPrint(i, depth + 1)).join(", ") + "]";
    case "obj": {
      const inner = "\t".repeat(depth + 1);
      const body = v.entries.map(([k, val], i) =>
        `${inner}${cjsonString(k)}:\t${cjsonPrint(val, depth + 1)}${
          i < v.entries.length - 1 ? "," : ""
        }\n`
      );
      return "{\n" + body.join("") + "\t".repeat(depth) + "}";
    }
  }
}
