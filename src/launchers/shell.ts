/**
 * Bash quoting: any string becomes one word that bash reads back unchanged.
 * @module
 */

/** Quotes `s` as a single bash word (single quotes; embedded quotes closed and escaped). */
export function shellQuote(s: string): string {
  if (s !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Quotes each word and joins them with spaces. */
export function shellWords(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}

/**
 * A path for bash's `source` (`.`), which looks a name without a `/` up in
 * PATH before the current directory: `setup.sh` means the job directory's
 * file, so it becomes `./setup.sh`.
 */
export function sourcePath(p: string): string {
  return p.includes("/") ? p : `./${p}`;
}
