/// <reference path="./node-sqlite.d.ts" />
/**
 * JobStore: the agent's durable record of every job, every transition (once,
 * in order), idempotency keys and submission intents, in SQLite through
 * `node:sqlite` (WAL). All statements are prepared once; reads are one or two
 * indexed lookups, so `GET /jobs/{id}` stays cheap.
 * @module
 */

import { statSync } from "node:fs";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { FINAL_STATES, isFinal, type JobState, transitionPath } from "../../core/job-state.ts";
import { transitionView } from "../view.ts";
import { jsonProblem } from "./damage.ts";
import type { JobStatus } from "../../core/job-status.ts";
import {
  appendHistory,
  decodeCursor,
  encodeCursor,
  type Row,
  toIntent,
  toJob,
  toTransition,
} from "./rows.ts";
import { ConflictError } from "../errors.ts";
import { StoreError, storeError } from "./errors.ts";
import { migrate, schemaVersion } from "./schema.ts";
import type {
  IntentRecord,
  JobRecord,
  ListPage,
  ListQuery,
  NewElement,
  NewJob,
  TransitionRecord,
} from "./types.ts";

const JOB_COLS = "id, executor, native_id, spec, state, exit_code, message, seq, created_at, " +
  "updated_at, n, held";
/**
 * The job's name as jobName() gives it: the spec's name, else the base name
 * of its executable (SQLite has no basename: what is left after removing the
 * longest prefix that ends in "/").
 */
const EXE = "json_extract(spec, '$.executable')";
const JOB_NAME_SQL = `COALESCE(json_extract(spec, '$.name'), ` +
  `replace(${EXE}, rtrim(${EXE}, replace(${EXE}, '/', '')), ''), 'job')`;
const FINAL_LIST = FINAL_STATES.map((s) => `'${s}'`).join(",");

/** How the store is doing, for `/v1/health`. */
export interface StoreHealth {
  status: "ok" | "degraded";
  path: string;
  /** This agent created the store when it started (none was there). */
  fresh: boolean;
  /** What the agent said about the store when it opened it (a fresh store, and what that means). */
  notice?: string;
  /** Why the last write failed, while no write has succeeded since. */
  lastError?: string;
  lastErrorAt?: string;
}

export class JobStore {
  readonly db: DatabaseSync;
  readonly path: string;
  /** True when opening made a new, empty store (there was none at `path`). */
  readonly fresh: boolean;
  #failure?: { error: StoreError; at: number };
  /** The store file's inode when opened: a later stat that differs means it was removed. */
  #inode?: number;
  /** Set by the agent that opened the store: see StoreHealth.notice. */
  notice?: string;
  readonly #s: Record<string, StatementSync>;
  readonly #listCache = new Map<string, StatementSync>();
  /** Called after every write that changes what a job looks like (caches listen). */
  onJobChange?: (jobId: string) => void;

  /** Opens (creating and migrating as needed) the store at `path`; `:memory:` for tests. */
  constructor(path: string) {
    this.path = path;
    try {
      this.db = new DatabaseSync(path);
      this.#inode = inodeOf(path);
    } catch (err) {
      throw storeError(err, path, "be opened");
    }
    try {
      // WAL + NORMAL: a killed process loses nothing committed; only a power
      // loss may drop the last transactions.
      // busy_timeout first: switching to WAL needs a lock too, and a second
      // process opening the same store at that moment must wait, not fail.
      this.db.exec(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; " +
          "PRAGMA foreign_keys = ON",
      );
      // Version 0 with no tables: nothing was stored here before.
      this.fresh = schemaVersion(this.db) === 0 &&
        (this.db.prepare("SELECT count(*) AS c FROM sqlite_master").get() as Row).c === 0;
      migrate(this.db);
      this.#s = statements(this.db);
    } catch (err) {
      this.db.close();
      throw storeError(err, path, "be opened");
    }
  }

  #open = true;

  close(): void {
    if (this.#open) this.db.close();
    this.#open = false;
  }

  /**
   * Runs `fn` in one write transaction. SQLite rolls a transaction back by
   * itself on some errors (a full disk among them): then there is nothing
   * left to roll back, and the original error is the one to report.
   */
  #tx<T>(fn: () => T): T {
    return this.#write(() => {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const r = fn();
        this.db.exec("COMMIT");
        return r;
      } catch (err) {
        if (this.db.isTransaction) this.db.exec("ROLLBACK");
        throw err;
      }
    });
  }

  /** A write: a SQLite failure becomes a StoreError and is remembered until a write succeeds. */
  #write<T>(fn: () => T): T {
    try {
      const r = fn();
      this.#failure = undefined;
      return r;
    } catch (err) {
      const e = storeError(err, this.path, "be written");
      if (e instanceof StoreError) this.#failure = { error: e, at: Date.now() };
      throw e;
    }
  }

  /** A read: a SQLite failure (a damaged page) becomes a StoreError naming the file. */
  #read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw storeError(err, this.path, "be read");
    }
  }

  health(): StoreHealth {
    const f = this.#failure;
    const gone = this.#fileGone();
    return {
      status: f || gone ? "degraded" : "ok",
      path: this.path,
      fresh: this.fresh,
      notice: this.notice,
      lastError: gone ?? f?.error.message,
      lastErrorAt: f ? new Date(f.at).toISOString() : undefined,
    };
  }

  /**
   * Why the open file is no longer the one at `path` (deleted or replaced
   * under the running agent), or undefined. The agent goes on writing to the
   * file it has open, which no later start can read.
   */
  #fileGone(): string | undefined {
    if (this.#inode === undefined) return undefined;
    const now = inodeOf(this.path);
    if (now === this.#inode) return undefined;
    return `the job store ${this.path} was ${now === undefined ? "removed" : "replaced"} ` +
      "while this agent runs: it keeps following its jobs, but the next start will not know " +
      "them; note their native ids now (psij-agent list) to attach them again after a restart";
  }

  /** Records a NEW job, its submission intent and its idempotency key, atomically. */
  createJob(job: NewJob): JobRecord {
    this.#tx(() => {
      this.#s.insertJob.run(job.id, job.executor, job.specJson, job.createdAt, job.createdAt);
      this.#s.insertIntent.run(job.id, job.stamp, job.createdAt);
      if (job.idempotencyKey !== undefined) {
        this.#s.insertKey.run(job.idempotencyKey, job.id, job.requestHash ?? "", job.createdAt);
      }
    });
    return this.getJob(job.id)!;
  }

  /**
   * Records an array's elements, each bound to its native id (the array's
   * submission made them: no intent of their own), in one transaction. An
   * element already recorded is left as it is, so this may run again.
   */
  createElements(elements: readonly NewElement[]): void {
    if (!elements.length) return;
    const insert = this.db.prepare(
      "INSERT OR IGNORE INTO jobs (id, executor, native_id, spec, state, created_at, updated_at, " +
        "history) VALUES (?, ?, ?, ?, 'NEW', ?, ?, '[]')",
    );
    this.#tx(() => {
      for (const e of elements) {
        insert.run(e.id, e.executor, e.nativeId, e.specJson, e.createdAt, e.createdAt);
      }
    });
  }

  /** The elements of an array (ids `<arrayId>[<index>]`) with their states, in id order. */
  arrayElements(arrayId: string): Array<{ id: string; state: JobState }> {
    // `[` is 0x5B and `\` 0x5C: the range is every id that starts with `<arrayId>[`.
    const rows = this.#read(() =>
      this.db.prepare("SELECT id, state FROM jobs WHERE id >= ? AND id < ?").all(
        `${arrayId}[`,
        `${arrayId}\\`,
      )
    ) as Row[];
    return rows.map((r) => ({ id: r.id as string, state: r.state as JobState }));
  }

  findIdempotencyKey(key: string): { jobId: string; requestHash: string } | undefined {
    const r = this.#read(() => this.#s.getKey.get(key)) as Row | undefined;
    return r ? { jobId: r.job_id, requestHash: r.request_hash } : undefined;
  }

  getJob(id: string): JobRecord | undefined {
    const r = this.#read(() => this.#s.getJob.get(id)) as Row | undefined;
    return r ? toJob(r) : undefined;
  }

  /** The job with this id, else the latest job with this native id (any executor). */
  /**
   * A job by its id, its native id, or (failing both) a unique start of its
   * id (`j4k2` for `j4k2x9...`; array elements are named in full) or PBS's
   * short native id (`1234` for `1234.pbs01`). A start that fits several
   * jobs is a ConflictError naming some of them: guessing one could cancel
   * the wrong job.
   */
  findJob(ref: string): JobRecord | undefined {
    const r = this.#read(() => this.#s.getJob.get(ref) ?? this.#s.getByNativeAny.get(ref)) as
      | Row
      | undefined;
    if (r) return toJob(r);
    if (ref === "") return undefined;
    const byId = this.#read(() => this.#s.byIdPrefix.all(ref, `${ref}\u{10FFFF}`)) as Row[];
    const found = byId.length
      ? byId
      : /^\d+$/.test(ref)
      ? this.#read(() => this.#s.byNativeSeq.all(`${ref}.`, `${ref}/`)) as Row[]
      : [];
    if (found.length > 1) {
      const some = found.slice(0, 2).map((row) => String(row.id)).join(", ");
      throw new ConflictError(
        `"${ref}" is the start of more than one job id (${some}, ...): give more of it`,
      );
    }
    return found.length ? toJob(found[0]) : undefined;
  }

  findByNativeId(executor: string, nativeId: string): JobRecord | undefined {
    const r = this.#read(() => this.#s.getByNative.get(executor, nativeId)) as Row | undefined;
    return r ? toJob(r) : undefined;
  }

  transitions(jobId: string): TransitionRecord[] {
    return (this.#read(() => this.#s.transitions.all(jobId)) as Row[]).map(toTransition);
  }

  /** The scheduler accepted the job: its native id is known and the intent is closed. */
  recordNativeId(jobId: string, nativeId: string, time: number, outcome = "submitted"): void {
    this.#tx(() => {
      this.#s.setNative.run(nativeId, time, jobId);
      this.#s.resolveIntent.run(nativeId, time, outcome, jobId);
    });
    this.onJobChange?.(jobId);
  }

  /** Closes an intent without a native id (refused, or given up on). */
  resolveIntent(jobId: string, time: number, outcome: string): void {
    this.#write(() => this.#s.resolveIntent.run(null, time, outcome, jobId));
  }

  /**
   * Records the user's cancel request (before it is sent to the scheduler);
   * once is enough. True when this call recorded it (there was none).
   */
  recordCancelRequest(jobId: string, time: number): boolean {
    const r = this.#write(() =>
      this.db
        .prepare("INSERT OR IGNORE INTO cancel_requests (job_id, requested_at) VALUES (?, ?)")
        .run(jobId, time)
    );
    return Number(r.changes) > 0;
  }

  /** Takes back a cancel request the scheduler certainly never acted on. */
  withdrawCancelRequest(jobId: string): void {
    this.#write(() => this.db.prepare("DELETE FROM cancel_requests WHERE job_id = ?").run(jobId));
  }

  /** When the user asked to cancel this job, if they did. */
  cancelRequestedAt(jobId: string): number | undefined {
    const r = this.#read(() =>
      this.db.prepare("SELECT requested_at FROM cancel_requests WHERE job_id = ?").get(jobId)
    ) as Row | undefined;
    return r ? Number(r.requested_at) : undefined;
  }

  /** Whether a queued job is held; a change is a change of the job (its view). */
  setHeld(jobId: string, held: boolean): void {
    const r = this.#write(() =>
      this.db.prepare("UPDATE jobs SET held = ? WHERE id = ? AND held != ?").run(
        held ? 1 : 0,
        jobId,
        held ? 1 : 0,
      )
    );
    if (Number(r.changes) > 0) this.onJobChange?.(jobId);
  }

  /**
   * The agent keeps a recorded job back (a hold, or dependencies, where the
   * executor has neither): the intent is closed as `waiting`, so a restart
   * neither reconciles nor fails it.
   */
  recordWaiting(jobId: string, time: number): void {
    this.#write(() => this.#s.resolveIntent.run(null, time, "waiting", jobId));
  }

  /** A waiting job is about to be sent: its intent is open again, as for a new submission. */
  reopenIntent(jobId: string, time: number): void {
    this.#write(() =>
      this.db.prepare(
        "UPDATE intents SET resolved_at = NULL, outcome = NULL, created_at = ? " +
          "WHERE job_id = ? AND outcome = 'waiting'",
      ).run(time, jobId)
    );
  }

  getIntent(jobId: string): IntentRecord | undefined {
    const r = this.#read(() => this.#s.getIntent.get(jobId)) as Row | undefined;
    return r ? toIntent(r) : undefined;
  }

  openIntents(): IntentRecord[] {
    return (this.#read(() => this.#s.openIntents.all()) as Row[]).map(toIntent);
  }

  /**
   * Records a status under the same rules a Job applies: an equal or earlier
   * state, or anything after a final one, is ignored; skipped states are filled
   * in. So a re-attached job replaying states already stored adds nothing.
   * Returns the transitions written (with their event ids).
   */
  /**
   * A new message for the job's current state, with no transition (a queued
   * job's scheduler comment): the job's `message` shows it; the history keeps
   * each transition's own. Ignored when the job has moved on to another state.
   */
  recordNote(jobId: string, state: JobState, message: string, time: number): void {
    const r = this.#write(() =>
      this.db
        .prepare(
          "UPDATE jobs SET message = ?, updated_at = MAX(updated_at, ?) WHERE id = ? AND state = ?",
        )
        .run(message, Math.round(time), jobId, state)
    );
    if (Number(r.changes) > 0) this.onJobChange?.(jobId);
  }

  /**
   * Adds facts the scheduler reported after a job's end was decided (its
   * accounting record, which may come after the job's exit-code file) to the
   * metadata of its final transition: no new transition and no new event; the
   * job's history shows them. False (nothing changed) when the job is not
   * final, or its final transition's metadata is damaged.
   */
  amendFinal(jobId: string, facts: Record<string, unknown>): boolean {
    const done = this.#tx(() => {
      const cur = this.#s.stateOf.get(jobId) as Row | undefined;
      if (!cur || !isFinal(cur.state as JobState)) return false;
      const row = this.db.prepare(
        "SELECT metadata FROM transitions WHERE job_id = ? AND seq = ?",
      ).get(jobId, cur.seq) as Row | undefined;
      if (!row) return false;
      let meta: Record<string, unknown> = {};
      if (row.metadata !== null) {
        if (jsonProblem(row.metadata, "object") !== undefined) return false;
        meta = JSON.parse(row.metadata);
      }
      this.db.prepare("UPDATE transitions SET metadata = ? WHERE job_id = ? AND seq = ?")
        .run(JSON.stringify({ ...meta, ...facts }), jobId, cur.seq);
      this.db.prepare("UPDATE jobs SET history = ? WHERE id = ?")
        .run(JSON.stringify(this.transitions(jobId).map(transitionView)), jobId);
      return true;
    });
    if (done) this.onJobChange?.(jobId);
    return done;
  }

  recordTransition(jobId: string, status: JobStatus): TransitionRecord[] {
    const written = this.#recordTransition(jobId, status);
    if (written.length) this.onJobChange?.(jobId);
    return written;
  }

  #recordTransition(jobId: string, status: JobStatus): TransitionRecord[] {
    return this.#tx(() => {
      const cur = this.#s.stateOf.get(jobId) as Row | undefined;
      if (!cur) return [];
      const path = transitionPath(cur.state as JobState, status.state);
      if (path.length === 0) return [];
      const written: TransitionRecord[] = [];
      let seq = cur.seq as number;
      // After a restart (a fresh Job, perhaps a clock that stepped back) as within one run:
      // no transition is stored with a time before the job's previous one.
      const time = Math.max(Math.round(status.time), cur.last_time ?? -Infinity);
      const { evidence, ...rest } = status.metadata ?? {};
      for (const state of path) {
        seq++;
        const own = state === status.state;
        const t: TransitionRecord = {
          eventId: 0,
          jobId,
          seq,
          state,
          time,
          message: own ? status.message : undefined,
          exitCode: own ? status.exitCode : undefined,
          evidence: own ? evidence : "synthesized",
          metadata: own && Object.keys(rest).length ? rest : undefined,
        };
        if (own && status.schedulerTime !== undefined) {
          t.schedulerTime = Math.round(status.schedulerTime);
        }
        const res = this.#s.insertTransition.run(
          jobId,
          seq,
          state,
          t.time,
          t.schedulerTime ?? null,
          t.message ?? null,
          t.exitCode ?? null,
          t.evidence ?? null,
          t.metadata ? JSON.stringify(t.metadata) : null,
        );
        t.eventId = Number(res.lastInsertRowid);
        written.push(t);
      }
      const last = written[written.length - 1];
      this.#s.updateJobState.run(
        last.state,
        seq,
        last.exitCode ?? null,
        last.message ?? null,
        Math.round(last.time),
        appendHistory(cur.history ?? null, written, () => this.transitions(jobId)),
        jobId,
      );
      return written;
    });
  }

  nonFinalJobs(): JobRecord[] {
    return (this.#read(() => this.#s.nonFinal.all()) as Row[]).map(toJob);
  }

  listJobs(q: ListQuery = {}): ListPage {
    const limit = Math.max(1, Math.min(q.limit ?? 100, 1000));
    const after = q.cursor ? decodeCursor(q.cursor) : 0;
    const states = q.states ?? [];
    const filters: Array<[string, string | number]> = [];
    if (q.name !== undefined) filters.push([`${JOB_NAME_SQL} GLOB ?`, q.name]);
    if (q.executor !== undefined) filters.push(["executor = ?", q.executor]);
    if (q.since !== undefined) filters.push(["created_at >= ?", q.since]);
    if (q.until !== undefined) filters.push(["created_at < ?", q.until]);
    const key = `${states.length}|${filters.map(([sql]) => sql).join("|")}`;
    let stmt = this.#listCache.get(key);
    if (!stmt) {
      const where = (states.length ? ` AND state IN (${states.map(() => "?").join(",")})` : "") +
        filters.map(([sql]) => ` AND ${sql}`).join("");
      stmt = this.db.prepare(
        `SELECT ${JOB_COLS} FROM jobs WHERE n > ?${where} ORDER BY n LIMIT ?`,
      );
      this.#listCache.set(key, stmt);
    }
    const query = stmt;
    const values = filters.map(([, v]) => v);
    const rows = this.#read(() => query.all(after, ...states, ...values, limit + 1)) as Row[];
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    return {
      jobs: page.map(toJob),
      nextCursor: more ? encodeCursor(page[page.length - 1].n) : undefined,
    };
  }

  eventsAfter(eventId: number, limit = 1000): TransitionRecord[] {
    return (this.#read(() => this.#s.eventsAfter.all(eventId, limit)) as Row[]).map(toTransition);
  }

  lastEventId(): number {
    return Number((this.#read(() => this.#s.lastEvent.get()) as Row).id);
  }

  /**
   * Deletes final jobs last changed at or before `beforeMs`, with their transitions,
   * keys and intents. Returns how many jobs went. Event ids are never reused,
   * so a client resuming from a pruned event simply gets the later ones.
   */
  prune(beforeMs: number): number {
    const where = `SELECT id FROM jobs WHERE state IN (${FINAL_LIST}) AND updated_at <= ?`;
    return this.#tx(() => {
      this.db.prepare(`DELETE FROM transitions WHERE job_id IN (${where})`).run(beforeMs);
      this.db.prepare(`DELETE FROM idempotency_keys WHERE job_id IN (${where})`).run(beforeMs);
      this.db.prepare(`DELETE FROM intents WHERE job_id IN (${where})`).run(beforeMs);
      this.db.prepare(`DELETE FROM cancel_requests WHERE job_id IN (${where})`).run(beforeMs);
      const r = this.db.prepare(
        `DELETE FROM jobs WHERE state IN (${FINAL_LIST}) AND updated_at <= ?`,
      ).run(beforeMs);
      return Number(r.changes);
    });
  }

  countJobs(): number {
    return Number((this.#read(() => this.#s.count.get()) as Row).c);
  }
}

function inodeOf(path: string): number | undefined {
  if (path === ":memory:" || path === "") return undefined;
  try {
    return statSync(path).ino;
  } catch {
    return undefined; // not there (removed, or not yet created)
  }
}

function statements(db: DatabaseSync): Record<string, StatementSync> {
  const p = (sql: string) => db.prepare(sql);
  return {
    insertJob: p(
      "INSERT INTO jobs (id, executor, spec, state, created_at, updated_at, history) " +
        "VALUES (?, ?, ?, 'NEW', ?, ?, '[]')",
    ),
    insertIntent: p("INSERT INTO intents (job_id, stamp, created_at) VALUES (?, ?, ?)"),
    insertKey: p(
      "INSERT INTO idempotency_keys (key, job_id, request_hash, created_at) VALUES (?, ?, ?, ?)",
    ),
    getKey: p("SELECT job_id, request_hash FROM idempotency_keys WHERE key = ?"),
    getJob: p(`SELECT ${JOB_COLS}, history FROM jobs WHERE id = ?`),
    getByNative: p(`SELECT ${JOB_COLS} FROM jobs WHERE executor = ? AND native_id = ?`),
    byIdPrefix: p(
      `SELECT ${JOB_COLS}, history FROM jobs WHERE id >= ? AND id < ? AND instr(id, '[') = 0 ` +
        "ORDER BY id LIMIT 3",
    ),
    byNativeSeq: p(
      `SELECT ${JOB_COLS}, history FROM jobs WHERE native_id > ? AND native_id < ? ` +
        "AND instr(native_id, '[') = 0 ORDER BY n DESC LIMIT 3",
    ),
    getByNativeAny: p(
      `SELECT ${JOB_COLS}, history FROM jobs WHERE native_id = ? ORDER BY n DESC LIMIT 1`,
    ),
    stateOf: p(
      "SELECT state, seq, history, (SELECT time FROM transitions t WHERE t.job_id = jobs.id " +
        "ORDER BY seq DESC LIMIT 1) AS last_time FROM jobs WHERE id = ?",
    ),
    transitions: p(
      "SELECT event_id, job_id, seq, state, time, scheduler_time, message, exit_code, evidence, " +
        "metadata FROM transitions WHERE job_id = ? ORDER BY seq",
    ),
    insertTransition: p(
      "INSERT INTO transitions (job_id, seq, state, time, scheduler_time, message, exit_code, " +
        "evidence, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    updateJobState: p(
      "UPDATE jobs SET state = ?, seq = ?, exit_code = coalesce(?, exit_code), " +
        "message = ?, updated_at = ?, history = ? WHERE id = ?",
    ),
    setNative: p("UPDATE jobs SET native_id = ?, updated_at = ? WHERE id = ?"),
    resolveIntent: p(
      "UPDATE intents SET native_id = coalesce(?, native_id), resolved_at = ?, outcome = ? " +
        "WHERE job_id = ? AND resolved_at IS NULL",
    ),
    openIntents: p("SELECT * FROM intents WHERE resolved_at IS NULL ORDER BY created_at"),
    getIntent: p("SELECT * FROM intents WHERE job_id = ?"),
    nonFinal: p(`SELECT ${JOB_COLS} FROM jobs WHERE state NOT IN (${FINAL_LIST}) ORDER BY n`),
    eventsAfter: p("SELECT * FROM transitions WHERE event_id > ? ORDER BY event_id LIMIT ?"),
    lastEvent: p("SELECT coalesce(max(event_id), 0) AS id FROM transitions"),
    count: p("SELECT count(*) AS c FROM jobs"),
  };
}
