/**
 * @module
 * `qstat -f` text (with or without `-w`). Wrapped values continue on lines
 * that start with a tab; qstat inserted `\n\t` there, so we remove exactly that.
 */
import { toRecord, type Value } from "./record.ts";
import { normalizeNewlines } from "./text.ts";
import type { ParseResult, PbsJobRecord } from "./types.ts";

const ATTR_LINE = /^ {4}([^\s=]+) = ?(.*)$/s;

/** Splits `A=1,B=x\,y` at unescaped commas, then each pair at its first `=`. */
export function splitVariableList(value: string): Map<string, Value> {
  const map = new Map<string, Value>();
  for (const item of value.split(/(?<!\\),/)) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    const name = eq < 0 ? item : item.slice(0, eq);
    const v = eq < 0 ? "" : item.slice(eq + 1);
    map.set(name, { kind: "str", v: v.replace(/\\,/g, ",") });
  }
  return map;
}

interface Block {
  id: string;
  attrs: [name: string, resource: string | undefined, value: string][];
  ended: boolean;
}

function blockAttrs(b: Block): Map<string, Value> {
  const map = new Map<string, Value>();
  for (const [name, resc, value] of b.attrs) {
    if (resc !== undefined) {
      const old = map.get(name);
      const group = old?.kind === "obj" ? old.map : new Map<string, Value>();
      group.set(resc, { kind: "str", v: value });
      map.set(name, { kind: "obj", map: group });
    } else if (name === "Variable_List") {
      map.set(name, { kind: "obj", map: splitVariableList(value) });
    } else {
      map.set(name, { kind: "str", v: value });
    }
  }
  return map;
}

/** Jobs by id from `qstat -f` stdout. Never throws. */
export function parseQstatFull(stdout: string): ParseResult {
  const jobs = new Map<string, PbsJobRecord>();
  const problems: string[] = [];
  try {
    const blocks: Block[] = [];
    let cur: Block | undefined;
    const lines = normalizeNewlines(stdout).split("\n");
    // The text after the last newline; "" when stdout ends with one (not a blank line).
    if (lines[lines.length - 1] === "") lines.pop();
    lines.forEach((line, i) => {
      if (line.startsWith("Job Id: ")) {
        cur = { id: line.slice(8).trim(), attrs: [], ended: false };
        blocks.push(cur);
        return;
      }
      if (cur === undefined || cur.ended) {
        if (line.trim() !== "") problems.push(`line ${i + 1}: text outside a job block`);
        return;
      }
      const last = cur.attrs[cur.attrs.length - 1];
      const m = ATTR_LINE.exec(line);
      if (line === "") {
        cur.ended = true;
      } else if (line.startsWith("\t") && last) {
        last[2] += line.slice(1);
      } else if (m) {
        const dot = m[1].indexOf(".");
        cur.attrs.push(
          dot < 0 ? [m[1], undefined, m[2]] : [m[1].slice(0, dot), m[1].slice(dot + 1), m[2]],
        );
      } else if (last) {
        last[2] += "\n" + line; // a raw newline inside a value
      } else {
        problems.push(`line ${i + 1}: not an attribute line`);
      }
    });
    for (const b of blocks) {
      if (!b.ended) {
        problems.push(`job ${b.id}: output ends inside its block (truncated); record dropped`);
      } else {
        jobs.set(b.id, toRecord(b.id, blockAttrs(b)));
      }
    }
  } catch (e) {
    problems.push(`unexpected parser failure: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { jobs, problems };
}
