/// <reference path="./node-sqlite.d.ts" />
/**
 * The store's schema as an ordered list of migrations. `PRAGMA user_version`
 * holds how many have been applied; opening a database applies the rest, each
 * in its own transaction, so an old file is brought forward and a new one is
 * built the same way.
 * @module
 */

import type { DatabaseSync } from "node:sqlite";

/** Append only: a released migration is never edited, a new one is added. */
export const MIGRATIONS: readonly string[] = [
  // 1: jobs, their transitions (which double as the event log), idempotency
  // keys and submission intents.
  `CREATE TABLE jobs (
     n INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     executor TEXT NOT NULL,
     native_id TEXT,
     spec TEXT NOT NULL,
     state TEXT NOT NULL,
     exit_code INTEGER,
     message TEXT,
     seq INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX jobs_by_state ON jobs(state, n);
   CREATE TABLE transitions (
     event_id INTEGER PRIMARY KEY AUTOINCREMENT,
     job_id TEXT NOT NULL REFERENCES jobs(id),
     seq INTEGER NOT NULL,
     state TEXT NOT NULL,
     time INTEGER NOT NULL,
     message TEXT,
     exit_code INTEGER,
     evidence TEXT,
     metadata TEXT,
     UNIQUE (job_id, seq)
   );
   CREATE TABLE idempotency_keys (
     key TEXT PRIMARY KEY,
     job_id TEXT NOT NULL REFERENCES jobs(id),
     request_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE intents (
     job_id TEXT PRIMARY KEY REFERENCES jobs(id),
     stamp TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     native_id TEXT,
     resolved_at INTEGER,
     outcome TEXT
   );`,
  // 2: `attach` and recovery look jobs up by their scheduler id.
  `CREATE INDEX jobs_by_native_id ON jobs(executor, native_id);
   CREATE INDEX intents_open ON intents(resolved_at) WHERE resolved_at IS NULL;`,
  // 3: each job's history as the API renders it (a JSON array), appended with
  // every transition, so reading a job is one row. NULL (rows from before)
  // means "render from the transitions table", done on the next write.
  `ALTER TABLE jobs ADD COLUMN history TEXT;`,
  // 4: a job can be named by its scheduler id alone (`psij-agent status 1234.pbs01`).
  `CREATE INDEX jobs_by_native_id_only ON jobs(native_id);`,
  // 5: the user's cancel, stored before qdel is sent, so an agent killed
  // before qdel's reply still knows who ended the job (truth rule 4).
  `CREATE TABLE cancel_requests (
     job_id TEXT PRIMARY KEY REFERENCES jobs(id),
     requested_at INTEGER NOT NULL
   );`,
  // 6: the scheduler's own stamp for a transition (PBS stime/obittime, whole
  // seconds), kept beside `time` (when the agent saw it). NULL where the
  // scheduler gave none, and in rows from before.
  `ALTER TABLE transitions ADD COLUMN scheduler_time INTEGER;`,
  // 7: a queued job is held (by the user, or as its scheduler reports): QUEUED with a flag.
  `ALTER TABLE jobs ADD COLUMN held INTEGER NOT NULL DEFAULT 0;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  return row.user_version;
}

/** Applies the migrations not yet applied (at most `upTo`); returns the resulting version. */
export function migrate(db: DatabaseSync, upTo = SCHEMA_VERSION): number {
  let version = schemaVersion(db);
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `the job store has schema version ${version}, newer than this agent knows (${SCHEMA_VERSION}); ` +
        "use a newer psij-agent",
    );
  }
  while (version < upTo) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(MIGRATIONS[version]);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec("COMMIT");
    } catch (err) {
      if (db.isTransaction) db.exec("ROLLBACK");
      // A SQLite failure (a full disk, a damaged file) is the store's to explain.
      if ((err as { code?: string }).code === "ERR_SQLITE_ERROR") throw err;
      throw new Error(`job store migration ${version + 1} failed: ${String(err)}`, {
        cause: err,
      });
    }
    version++;
  }
  return version;
}
