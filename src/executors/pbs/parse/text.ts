/**
 * @module
 * Input clean-up shared by the parsers.
 */

/**
 * Output that went through a pseudo-terminal (ssh -t) has CRLF line ends. PBS
 * itself never ends a line with CR, so when every newline has one, drop them.
 */
export function normalizeNewlines(s: unknown): string {
  const text = typeof s === "string" ? s : s == null ? "" : String(s);
  const lf = text.split("\n").length - 1;
  const crlf = text.split("\r\n").length - 1;
  return lf > 0 && lf === crlf ? text.replace(/\r\n/g, "\n") : text;
}
