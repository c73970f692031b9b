/**
 * `#PBS` directives in a job script (get_script, pbs_ispbsdir,
 * pbs_isexecutable): prefix match after leading blanks, scanning stops at the
 * first executable line, `\` continues a directive, tokens split like a shell.
 * @module
 */

/** Shell-like split: quotes group, `\` escapes; undefined on an unclosed quote. */
export function shellSplit(text: string): string[] | undefined {
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
    } else if (c === " " || c === "\t" || c === "\n") {
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

function isExecutable(line: string): boolean {
  const t = line.trimStart();
  if (t === "") return false;
  if (t.startsWith("#")) return false;
  if (line.startsWith(":")) return false;
  return true;
}

/** Each directive's text after the prefix (continuations joined), in script order. */
export function scanDirectives(script: string, prefix: string): string[] {
  if (prefix === "") return [];
  const lines = script.split("\n");
  const found: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const t = line.trimStart();
    if (t.startsWith(prefix)) {
      while (line.endsWith("\\") && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i];
      found.push(line.trimStart().slice(prefix.length));
      continue;
    }
    if (isExecutable(line)) break;
  }
  return found;
}
