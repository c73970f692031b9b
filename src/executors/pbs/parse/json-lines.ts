/**
 * @module
 * A line-oriented reader for qstat's pretty-printed JSON. Both encoders put one
 * key per line and indent by depth (4 spaces per level in pbs_json.c, one tab
 * in cJSON), so the indentation, not the brackets, gives the structure. That
 * lets us read output no JSON parser accepts (raw `inf`, `.5`, `"k":`, stray
 * quotes, bad escapes) and lose only the damaged line, not the document.
 */
import type { Value } from "./record.ts";

/** The tree read from the document plus notes on what was skipped. */
export interface LineTree {
  root: Map<string, Value>;
  /** Job ids whose block ended properly (a closer or the next job at depth <= 2). */
  closedJobs: Set<string>;
  problems: string[];
}

// Entries are always indented (root keys sit at depth 1), which keeps a value's
// continuation line that happens to start with `"x":` from reading as an entry.
const KEY_LINE = /^(\t+| {4}(?: {4})*)"(.*?)":(.*)$/s;
const CLOSER = /^[\t ]*}[\t ]*,?[\t ]*$/;

function indentOf(line: string): { depth: number; tabs: boolean } {
  const m = /^(\t*)( *)/.exec(line)!;
  return m[1].length > 0
    ? { depth: m[1].length, tabs: true }
    : { depth: Math.floor(m[2].length / 4), tabs: false };
}

/** Open `[`/`{` minus closed ones, outside strings. */
function bracketDepth(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") depth--;
  }
  return depth;
}

const isStructural = (line: string) => KEY_LINE.test(line) || CLOSER.test(line) || line === "{";

/**
 * pbs_json.c copies any `\x` it did not make itself, so in its output only
 * `\b \f \n \r \t \"` are escapes; every other backslash is literal text.
 */
export function decodeV23(content: string): string {
  const short: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", '"': '"' };
  let out = "";
  for (let i = 0; i < content.length; i++) {
    const c = content[i];
    if (c !== "\\" || i + 1 >= content.length) {
      out += c;
      continue;
    }
    const n = content[++i];
    out += short[n] ?? "\\" + n;
  }
  return out;
}

function decodeStandard(content: string): string {
  try {
    const v = JSON.parse(`"${content}"`);
    if (typeof v === "string") return v;
  } catch { /* not valid JSON: read it the lenient way */ }
  return decodeV23(content);
}

/**
 * The value text after `"key":` (continuation lines already joined). Neither
 * encoder puts anything but cJSON's one tab before a string or an object, but
 * a pretty-printer (`JSON.stringify(doc, null, 4)`, jq, a proxy) writes
 * `"key": value`. Blanks before a quote or a brace are never part of the
 * value; before a bare value they are in v23 output (the string " 5" prints
 * as `"k": 5`), so they go only in a document seen to be pretty-printed.
 */
function readValue(text: string, tabs: boolean, spaced: boolean): Value | "object" {
  let t = tabs && text.startsWith("\t") ? text.slice(1) : text;
  if (spaced || /^[\t ]+[{"\[]/.test(t)) t = t.replace(/^[\t ]+/, "");
  if (t.trim() === "{") return "object";
  if (t.startsWith('"')) {
    if (t.endsWith('",')) t = t.slice(0, -1);
    const end = t.lastIndexOf('"');
    const content = end > 0 ? t.slice(1, end) : t.slice(1);
    return { kind: "str", v: tabs ? decodeStandard(content) : decodeV23(content) };
  }
  if (t.endsWith(",")) t = t.slice(0, -1);
  return { kind: "bare", raw: t };
}

function decodeKey(key: string, tabs: boolean): string {
  return tabs && key.includes("\\") ? decodeStandard(key) : key;
}

/** Reads the document line by line; never throws. */
export function readJsonLines(stdout: string): LineTree {
  const lines = stdout.split("\n");
  const root = new Map<string, Value>();
  const containers: (Map<string, Value> | undefined)[] = [root];
  const closedJobs = new Set<string>();
  const problems: string[] = [];
  let openJob: string | undefined;
  // `"key": value` seen: a pretty-printer's layout, not an encoder's.
  let spaced = false;
  let jobsMap: Map<string, Value> | undefined;
  const closeJob = () => {
    if (openJob !== undefined) closedJobs.add(openJob);
    openJob = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const { depth, tabs } = indentOf(line);
    if (CLOSER.test(line)) {
      if (depth <= 2) closeJob();
      containers.length = Math.max(1, depth);
      continue;
    }
    const m = KEY_LINE.exec(line);
    if (!m) {
      if (line.trim() !== "" && line !== "{") problems.push(`line ${i + 1}: not a JSON entry`);
      continue;
    }
    let text = m[3];
    if (tabs && text.startsWith("\t[")) {
      // cJSON prints an array holding objects over several lines: take lines until it closes.
      while (i + 1 < lines.length && bracketDepth(text) > 0) text += "\n" + lines[++i];
    }
    while (i + 1 < lines.length && !isStructural(lines[i + 1])) text += "\n" + lines[++i];
    const key = decodeKey(m[2], tabs);
    const parent = depth >= 1 ? containers[depth - 1] : undefined;
    if (parent === undefined) {
      problems.push(`line ${i + 1}: entry "${key}" has no enclosing object`);
      continue;
    }
    containers.length = depth;
    if (depth <= 2) closeJob();
    if (/^[\t ]+[{"\[]/.test(text)) spaced = true;
    const value = readValue(text, tabs, spaced);
    if (value === "object") {
      const old = parent.get(key);
      const map = old?.kind === "obj" ? old.map : new Map<string, Value>();
      parent.set(key, { kind: "obj", map });
      containers[depth] = map;
      if (depth === 1 && key === "Jobs") jobsMap = map;
      if (depth === 2 && parent === jobsMap) openJob = key;
    } else {
      parent.set(key, value);
    }
  }
  return { root, closedJobs, problems };
}
