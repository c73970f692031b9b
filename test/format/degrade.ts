/**
 * @module
 * What our parsers can get back from each encoder, as documented in
 * docs/pbs-formats.md: the exact value where the encoder keeps it, the
 * documented degraded value where the encoder provably loses information.
 */
import { looksNumeric } from "../../simulator/format/index.ts";
import { showNonprint } from "../../simulator/format/c-text.ts";
import { cjsonParse, cjsonPrint } from "../../simulator/format/cjson-value.ts";

const CTRL: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const caret = (ch: string) => "^" + String.fromCharCode(ch.charCodeAt(0) + 64);
const isOtherControl = (ch: string) => ch.charCodeAt(0) < 32 && !"\b\f\n\r\t".includes(ch);

/**
 * A value printed by pbs_json.c, read back by parseQstatJson. Number-like values
 * come back verbatim. In strings: `\'` and `\,` lose the backslash, a literal
 * backslash before b/f/n/r/t becomes that control character, `\"` becomes `"`,
 * and other control characters come back as the two characters `^X`.
 */
export function v23Expected(s: string): string {
  if (looksNumeric(s)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") {
      const n = s[i + 1];
      if (n === undefined) out += "\\";
      else if (n === "'" || n === ",") out += n;
      else if (n in CTRL) out += CTRL[n];
      else if (n === '"') out += '"';
      // The raw character after a backslash is copied, then shown as ^X if it is a control.
      else if (n.charCodeAt(0) < 32 && n !== "\n" && n !== "\t") out += "\\" + caret(n);
      else out += "\\" + n;
      i++;
    } else if (isOtherControl(c)) {
      out += caret(c);
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * A value printed by the cJSON encoder, read back: cJSON's own reading of it, as
 * the text cJSON printed at that depth (3 for job attributes, 4 inside an object).
 */
export function cjsonExpected(s: string, depth = 3): string | undefined {
  const v = cjsonParse(s);
  if (v === undefined) return s;
  if (v.t === "str") return v.v;
  if (v.t === "obj") return undefined; // comes back as an object, not text
  return cjsonPrint(v, depth);
}

/** A value printed by `qstat -f`, read back: empty comma pieces gone, controls as `^X`. */
export function textExpected(s: string): string {
  return showNonprint(s.split(",").filter((p) => p !== "").join(","));
}
