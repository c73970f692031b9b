/**
 * Dashboard sign-in, as Jupyter does it for a personal server on a shared
 * machine: the agent prints a URL carrying a one-time login token; opening
 * it trades the token for a session cookie (HttpOnly, SameSite=Strict), and
 * the token is spent. The cookie is `<issued>.<random>.<hmac>` signed with a
 * key kept in <home>/ui-key (0600), so sessions survive an agent restart
 * (an open page resumes) without the agent keeping a list of them; removing
 * that file ends every session.
 * @module
 */

import { createHmac, randomBytes } from "node:crypto";
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tokenMatches } from "../http/auth.ts";

export const SESSION_COOKIE = "psij_session";
/** A session lasts a working day and a night; then the user asks for a new URL. */
export const SESSION_MAX_AGE_S = 24 * 3600;
/** An unused login token stops working after this long. */
export const LOGIN_TOKEN_TTL_MS = 15 * 60 * 1000;

/** The signing key: read from `path`, or made there (32 random bytes, mode 0600). */
export function ensureKey(path: string): Buffer {
  try {
    const st = statSync(path);
    if ((st.mode & 0o077) === 0 && st.isFile()) {
      const key = Buffer.from(readFileSync(path, "utf8").trim(), "base64url");
      if (key.length >= 32) return key;
    }
  } catch {
    // none yet
  }
  // A key others could read is not trusted; a fresh one ends the sessions it signed.
  const key = randomBytes(32);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, key.toString("base64url") + "\n", { mode: 0o600, flag: "w" });
  renameSync(temp, path);
  return key;
}

export class Sessions {
  readonly #key: Buffer;
  readonly #tokens = new Map<string, number>();
  readonly #now: () => number;

  constructor(key: Buffer, now: () => number = Date.now) {
    this.#key = key;
    this.#now = now;
  }

  /** A new one-time login token. */
  loginToken(): string {
    const token = randomBytes(24).toString("base64url");
    this.#tokens.set(token, this.#now() + LOGIN_TOKEN_TTL_MS);
    return token;
  }

  /** Spends `token`: a new session cookie value, or undefined when it is unknown, used or stale. */
  exchange(token: string): string | undefined {
    const now = this.#now();
    let found: string | undefined;
    for (const [t, expires] of this.#tokens) {
      if (expires < now) this.#tokens.delete(t);
      else if (found === undefined && tokenMatches(token, t)) found = t;
    }
    if (found === undefined) return undefined;
    this.#tokens.delete(found);
    const body = `${now}.${randomBytes(16).toString("base64url")}`;
    return `${body}.${this.#sign(body)}`;
  }

  /** True when `cookie` is a session this key signed, not older than SESSION_MAX_AGE_S. */
  valid(cookie: string | undefined): boolean {
    if (cookie === undefined) return false;
    const m = /^(\d{1,16})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{1,100})$/.exec(cookie);
    if (!m) return false;
    if (!tokenMatches(m[3], this.#sign(`${m[1]}.${m[2]}`))) return false;
    const age = this.#now() - Number(m[1]);
    return age >= -60_000 && age <= SESSION_MAX_AGE_S * 1000;
  }

  #sign(body: string): string {
    return createHmac("sha256", this.#key).update(`psij-agent ui session ${body}`).digest(
      "base64url",
    );
  }
}
