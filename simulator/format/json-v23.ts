/**
 * @module
 * `qstat -f -F json` as released OpenPBS (<= v23.06.06, `pbs_json.c`) prints
 * it, quirks included: values typed by `strtod`, the partial escaping of
 * `strdup_escape(JSON_ESCAPE)`, `^X` control characters, unescaped keys, the
 * Variable_List splitter bug, and no final newline when no job was found.
 */
import { orderAttrs } from "./attr-order.ts";
import { cstr, isCSpace, showNonprint, strtod } from "./c-text.ts";
import { displayValue } from "./display-values.ts";
import type { QstatHeader, StatJob } from "./types.ts";
import { splitVarListV23 } from "./var-list.ts";

type Node =
  | { kind: "object"; key: string }
  | { kind: "end" }
  | { kind: "string"; key: string; text: string }
  | { kind: "bare"; key: string; text: string } // JSON_NUMERIC and JSON_INT: printed verbatim
  | { kind: "none" }; // JSON_NULL: prints nothing

/** `strdup_escape()`. `full` is JSON_FULLESCAPE (header values); otherwise JSON_ESCAPE. */
export function v23Escape(s: string, full: boolean): string {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    const simple = SIMPLE_ESCAPES[c];
    if (simple) {
      out += simple;
      i++;
    } else if (c === '"') {
      // JSON_ESCAPE leaves a quote alone at position 0 or after a backslash.
      if (full || (i > 0 && s[i - 1] !== "\\")) out += "\\";
      out += '"';
      i++;
    } else if (c === "\\" && !full) {
      const next = s[i + 1];
      if (next === "'" || next === ",") {
        out += next;
        i += 2;
      } else {
        out += next === undefined ? "\\" : "\\" + next; // any other \x is copied verbatim
        i += next === undefined ? 1 : 2;
      }
    } else if (c === "\\") {
      out += "\\\\";
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** `add_json_node(JSON_VALUE, JSON_NULL, JSON_ESCAPE, key, value)`: type by strtod. */
function valueNode(key: string, value: string | null): Node {
  if (value === null) return { kind: "none" };
  const v = cstr(value);
  if (isWhitespaceOnly(v)) return { kind: "string", key, text: v23Escape(v, false) };
  if (looksNumeric(v)) return { kind: "bare", key, text: v };
  return { kind: "string", key, text: v23Escape(v, false) };
}

function isWhitespaceOnly(v: string): boolean {
  for (const ch of v) if (!isCSpace(ch)) return false;
  return true;
}

/** strtod consumes all but trailing blanks, and (first char is not `0` or value < 1). */
export function looksNumeric(v: string): boolean {
  const { value, end } = strtod(v);
  if (end === 0) return false;
  for (let i = end; i < v.length; i++) if (!isCSpace(v[i])) return false;
  return v[0] !== "0" || value < 1;
}

function jobNodes(job: StatJob): Node[] {
  const nodes: Node[] = [{ kind: "object", key: job.id }];
  let prevResc: string | null = null;
  for (const a of orderAttrs(job.attrs)) {
    const value = displayValue(a);
    if (a.name === "Variable_List") {
      // The released code does not close a pending resource object here.
      nodes.push({ kind: "object", key: a.name });
      for (const [k, v] of splitVarListV23(cstr(value))) nodes.push(valueNode(k, v));
      nodes.push({ kind: "end" });
    } else if (a.resource !== undefined) {
      if (prevResc !== null && prevResc !== a.name) {
        nodes.push({ kind: "end" });
        prevResc = null;
      }
      if (prevResc === null) {
        nodes.push({ kind: "object", key: a.name });
        prevResc = a.name;
      }
      nodes.push(valueNode(a.resource, value));
    } else {
      if (prevResc !== null) {
        nodes.push({ kind: "end" });
        prevResc = null;
      }
      nodes.push(valueNode(a.name, value));
    }
  }
  if (prevResc !== null) nodes.push({ kind: "end" });
  nodes.push({ kind: "end" });
  return nodes;
}

/** `generate_json()`: 4-space indent; returns early (no final "\n}\n") when unbalanced. */
function generate(nodes: Node[]): string {
  let out = "{";
  let indent = 4;
  let comma = false;
  const pad = (n: number) => " ".repeat(Math.max(0, n));
  for (const node of nodes) {
    const sep = () => (comma ? ",\n" : "\n");
    if (node.kind === "object") {
      out += `${sep()}${pad(indent)}"${node.key}":{`;
      indent += 4;
      comma = false;
    } else if (node.kind === "string") {
      out += `${sep()}${pad(indent)}"${node.key}":"${showNonprint(node.text)}"`;
      comma = true;
    } else if (node.kind === "bare") {
      out += `${sep()}${pad(indent)}"${node.key}":${node.text}`;
      comma = true;
    } else if (node.kind === "end") {
      indent -= 4;
      out += `\n${pad(indent)}}`;
      comma = true;
    }
  }
  indent -= 4;
  return indent === 0 ? out + "\n}\n" : out;
}

/** `qstat -f -F json` of OpenPBS <= 23.06.06. With no jobs: the header object, no final newline. */
export function formatJsonV23(h: QstatHeader, jobs: StatJob[]): string {
  const nodes: Node[] = [
    { kind: "bare", key: "timestamp", text: String(Math.trunc(h.timestamp)) },
    { kind: "string", key: "pbs_version", text: v23Escape(cstr(h.pbsVersion), true) },
    { kind: "string", key: "pbs_server", text: v23Escape(cstr(h.pbsServer), true) },
  ];
  if (jobs.length > 0) {
    nodes.push({ kind: "object", key: "Jobs" });
    for (const job of jobs) nodes.push(...jobNodes(job));
  }
  nodes.push({ kind: "end" });
  return generate(nodes);
}
