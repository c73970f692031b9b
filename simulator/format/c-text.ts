/**
 * @module
 * Small C string behaviours qstat's output depends on: NUL termination,
 * `show_nonprint_chars()`, `isspace()` and `strtod()` in the C locale.
 */

/** C strings stop at NUL; a JS string may not. */
export function cstr(s: string): string {
  const i = s.indexOf("\0");
  return i < 0 ? s : s.slice(0, i);
}

/**
 * `show_nonprint_chars()`: bytes below 32 other than `\n` and `\t` become `^X`
 * (X = byte + 64). Real qstat, with signed `char`, also mangles every byte
 * >= 0x80; we pass non-ASCII through so the output stays valid UTF-8.
 */
export function showNonprint(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += c < 32 && ch !== "\n" && ch !== "\t" ? "^" + String.fromCharCode(c + 64) : ch;
  }
  return out;
}

/** C-locale `isspace()`. */
export function isCSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\v" || ch === "\f" || ch === "\r";
}

/** What `strtod(s, &end)` does: the value and how many characters it consumed (0 = none). */
export function strtod(s: string): { value: number; end: number } {
  let i = 0;
  while (isCSpace(s[i])) i++;
  let sign = 1;
  if (s[i] === "+" || s[i] === "-") {
    if (s[i] === "-") sign = -1;
    i++;
  }
  const rest = s.slice(i).toLowerCase();
  if (rest.startsWith("inf")) {
    return { value: sign * Infinity, end: i + (rest.startsWith("infinity") ? 8 : 3) };
  }
  if (rest.startsWith("nan")) {
    const m = /^nan\([a-z0-9_]*\)/.exec(rest);
    return { value: NaN, end: i + (m ? m[0].length : 3) };
  }
  if (/^0x(\.?[0-9a-f])/.test(rest)) return hexFloat(s, i, sign);
  const m = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/.exec(rest);
  if (!m) return { value: 0, end: 0 };
  return { value: sign * Number(m[0]), end: i + m[0].length };
}

function hexFloat(s: string, i: number, sign: number): { value: number; end: number } {
  const m = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?(p[+-]?\d+)?/i.exec(s.slice(i))!;
  const int = m[1] ?? "";
  const frac = m[2] ?? "";
  let value = 0;
  for (const d of int + frac) value = value * 16 + parseInt(d, 16);
  value /= 16 ** frac.length;
  if (m[3]) value *= 2 ** Number(m[3].slice(1));
  return { value: sign * value, end: i + m[0].length };
}
