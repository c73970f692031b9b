/**
 * The user's own batch script (a spec's `batchScript`): its directive lines,
 * read the way qsub and sbatch read them, and the part of the job script
 * that runs it. The script runs as written, from a file of its own (its `#!`
 * line chooses the interpreter); the wrapper around it records its exit code
 * by the same file protocol as every job, so its end is evidence, not a guess.
 * @module
 */

import { InvalidJobException } from "../core/errors.ts";
import type { JobSpec } from "../core/job-spec.ts";
import { shellWord } from "./quote.ts";

/** One directive line of the user's script. */
export interface ScriptDirective {
  /** 1-based line number in the user's script (the first of a continued line). */
  line: number;
  /** The line(s) as written, for the job script's header. */
  lines: string[];
  /** The words after the prefix, split as a shell would (quotes group, `\` escapes). */
  words: string[];
}

/** Shell-like split: quotes group, `\` escapes; undefined on an unclosed quote. */
export function splitWords(text: string): string[] | undefined {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote) return undefined;
  if (has) out.push(cur);
  return out;
}

/** A line that ends the directives: neither blank nor a comment (qsub's and sbatch's rule). */
function isCommand(line: string): boolean {
  const t = line.trimStart();
  return t !== "" && !t.startsWith("#");
}

/** The script's `prefix` directives (`#PBS`, `#SBATCH`) above its first command, in order. */
export function scriptDirectives(text: string, prefix: string): ScriptDirective[] {
  const lines = text.split("\n");
  const found: ScriptDirective[] = [];
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trimStart();
    if (t.startsWith(prefix) && /^\s|^$/.test(t.slice(prefix.length, prefix.length + 1))) {
      const start = i;
      const raw = [lines[i]];
      let joined = lines[i];
      while (joined.endsWith("\\") && i + 1 < lines.length) {
        raw.push(lines[++i]);
        joined = joined.slice(0, -1) + lines[i];
      }
      const body = joined.trimStart().slice(prefix.length);
      const words = splitWords(body);
      if (!words) throw lineError(start + 1, raw[0], "has an unclosed quote");
      found.push({ line: start + 1, lines: raw, words });
      continue;
    }
    if (isCommand(lines[i])) break;
  }
  return found;
}

/** An InvalidJobException at `batchScript` naming the line and what is wrong with it. */
export function lineError(line: number, text: string, reason: string): InvalidJobException {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return new InvalidJobException(`batchScript: line ${line} (${shown.trim()}) ${reason}`, {
    field: "batchScript",
  });
}

/**
 * A script with only another scheduler's directives would run with none of
 * them honoured: refused, naming its first such line.
 */
export function checkOwnDirectives(text: string, own: string, executor: string): void {
  if (scriptDirectives(text, own).length) return;
  for (const other of ["#PBS", "#SBATCH"]) {
    if (other === own) continue;
    const d = scriptDirectives(text, other)[0];
    if (d) {
      throw lineError(
        d.line,
        d.lines[0],
        `is a ${other} directive, which the ${executor} executor does not read ` +
          `(it reads ${own} lines)`,
      );
    }
  }
}

/** The quoted delimiter of the here-document that carries the script into the job. */
function delimiterFor(text: string, stamp: string): string {
  const base = `PSIJ_USER_SCRIPT_${stamp.replace(/[^A-Za-z0-9_]/g, "_")}`;
  let d = base;
  for (let n = 1; text.split("\n").includes(d); n++) d = `${base}_${n}`;
  return d;
}

/**
 * The template's view of a user script: the text in a quoted here-document
 * (nothing in it is expanded), written to `<base>.user` on the execution host
 * and run with the spec's arguments, its stdout and stderr the scheduler's
 * own (where the script's directives send them) unless the spec names files.
 */
export function userScriptView(spec: JobSpec, stamp: string): Record<string, unknown> | undefined {
  const text = spec.batchScript;
  if (text === undefined) return undefined;
  const body = text.endsWith("\n") ? text : `${text}\n`;
  const args = (spec.arguments ?? []).map((a) => ` ${shellWord(a)}`).join("");
  const stdin = ` <${shellWord(spec.stdinPath ?? "/dev/null")}`;
  const out = spec.stdoutPath === undefined ? " 1>&3" : ` >${shellWord(spec.stdoutPath)}`;
  const err = spec.stderrPath === undefined
    ? " 2>&4"
    : spec.stderrPath === spec.stdoutPath
    ? " 2>&1"
    : ` 2>${shellWord(spec.stderrPath)}`;
  return {
    body,
    delimiter: delimiterFor(body, stamp),
    launch: `"$_psij_user"${args}${stdin}${out}${err} 3>&- 4>&-`,
  };
}
