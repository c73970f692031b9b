/**
 * @module
 * How qstat's JSON path splits `Variable_List` ("A=1,B=2") into NAME:value
 * pairs: the buggy v19-v23 splitter and the fixed one of the cJSON builds.
 * A pair with value `null` had no `=`.
 */

export type VarPair = [name: string, value: string | null];

/**
 * The released splitter. After the first `=` it copies the next character
 * unconditionally, so `A=,B=1` yields `A` = `,B=1`. For `NAME=` at the very
 * end C reads past the terminator; we model the likely outcome (a NUL there):
 * the value is "" and splitting stops.
 */
export function splitVarListV23(value: string): VarPair[] {
  const at = (k: number) => (k < value.length ? value[k] : "\0");
  const pairs: VarPair[] = [];
  let p = 0;
  while (at(p) !== "\0") {
    let key = "";
    let val: string | null = null;
    let ended = false; // a copied NUL ends the C string being built
    while (!(at(p) === "," || at(p) === "\0")) {
      if (at(p) === "\\" && at(p + 1) === ",") p++;
      if (val === null && at(p) === "=") {
        val = "";
        p++;
      }
      const ch = at(p++);
      if (ch === "\0") ended = true;
      else if (!ended) val === null ? (key += ch) : (val += ch);
    }
    pairs.push([key, val]);
    if (at(p) !== "\0") p++;
  }
  return pairs;
}

/** The fixed splitter of the cJSON builds: split at unescaped commas, then the first `=`. */
export function splitVarListFixed(value: string): VarPair[] {
  const pairs: VarPair[] = [];
  let p = 0;
  while (p < value.length) {
    let key = "";
    let val: string | null = null;
    while (p < value.length && value[p] !== ",") {
      if (value[p] === "\\" && value[p + 1] === ",") p++;
      if (val === null && value[p] === "=") {
        val = "";
        p++;
      } else {
        val === null ? (key += value[p]) : (val += value[p]);
        p++;
      }
    }
    pairs.push([key, val]);
    if (p < value.length) p++;
  }
  return pairs;
}
