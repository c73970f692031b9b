/**
 * What a failing SQLite call means for the user: the store's file system is
 * full, the file is damaged (or not a database at all), or it cannot be used
 * for another reason. Each carries the store's path and what to do, because
 * SQLite's own words ("database or disk is full", "file is not a database")
 * name neither.
 * @module
 */

import { PsijError } from "../../core/errors.ts";

export type StoreFailure = "full" | "damaged" | "unavailable";

export class StoreError extends PsijError {
  readonly kind: StoreFailure;
  readonly path: string;
  /** SQLite's own message. */
  readonly sqlite: string;
  constructor(
    message: string,
    options: { kind: StoreFailure; path: string; sqlite: string; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.kind = options.kind;
    this.path = options.path;
    this.sqlite = options.sqlite;
  }
}

// Matched on the message: Bun's node:sqlite gives an `errcode`, Deno's only the text.
const FULL = /database or disk is full|SQLITE_FULL|no space left/i;
const DAMAGED = /file is not a database|malformed|SQLITE_CORRUPT|SQLITE_NOTADB/i;

/** True for errors SQLite raises (as opposed to a bug in our own code). */
export function isSqliteError(err: unknown): boolean {
  return err instanceof Error && (err as { code?: string }).code === "ERR_SQLITE_ERROR";
}

/**
 * The StoreError for a SQLite error met while `doing` (e.g. "write", "read",
 * "open"); anything else (a bug, a StoreError already) is returned as it is.
 */
export function storeError(err: unknown, path: string, doing: string): unknown {
  if (err instanceof StoreError || !isSqliteError(err)) return err;
  const sqlite = (err as Error).message;
  if (FULL.test(sqlite)) {
    return new StoreError(
      `the job store ${path} could not ${doing}: no space left on its file system ` +
        `(SQLite: ${sqlite}); free space there. Job state changes that could not be ` +
        "written are kept and written again once there is room",
      { kind: "full", path, sqlite, cause: err },
    );
  }
  if (DAMAGED.test(sqlite)) return damagedStore(path, sqlite, err);
  return new StoreError(
    `the job store ${path} could not ${doing}: ${sqlite}; check that the file and its ` +
      "directory are readable and writable by this user and the file system is mounted",
    { kind: "unavailable", path, sqlite, cause: err },
  );
}

export function damagedStore(path: string, sqlite: string, cause?: unknown): StoreError {
  return new StoreError(
    `the job store ${path} is damaged (SQLite: ${sqlite}). With no agent running, move it ` +
      `aside (mv ${path} ${path}.damaged, and its -wal and -shm files with it) and start ` +
      "the agent again: it starts a fresh, empty store. Jobs the scheduler still has can " +
      "be followed again with: psij-agent attach <native-id>",
    { kind: "damaged", path, sqlite, cause },
  );
}
