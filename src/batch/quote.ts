/**
 * Quoting per context. A user value is only ever placed in a script through
 * one of these, so it can change nothing but itself: not add a directive, not
 * add a command, not end a line.
 * @module
 */

import { InvalidJobException } from "../core/errors.ts";

/**
 * One bash word holding exactly `s`: single-quoted, with each `'` written as
 * `'\''`. Newlines inside single quotes are literal, so they are safe here.
 */
export function shellWord(s: string): string {
  if (s.includes("\0")) throw new Error("a shell word cannot hold a NUL character");
  if (s !== "" && /^[A-Za-z0-9_\/.,:@%+=-]+$/.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Several words, space-separated. */
export function shellWords(words: readonly string[]): string {
  return words.map(shellWord).join(" ");
}

/**
 * A value on a scheduler directive line (`#PBS -q <value>`). Directive lines
 * are tokenised like a shell line, one line each, so the value is quoted as a
 * shell word; a line break cannot be represented on one line and is refused
 * with an error naming the field (it would otherwise start a new directive).
 */
export function directiveValue(value: string, field: string): string {
  if (/[\r\n\0]/.test(value)) {
    throw new InvalidJobException(
      `${field}: a line break or NUL cannot be placed in a scheduler directive`,
      { field },
    );
  }
  // A trailing backslash would continue the directive onto the next line.
  return shellWord(value);
}

/** A name for a shell variable or an `export`: validated, never quoted. */
export function shellName(name: string, field: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new InvalidJobException(`${field}: "${name}" is not a valid variable name`, { field });
  }
  return name;
}
