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
