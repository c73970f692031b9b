/**
 * The dashboard's job table as one SQL page: filtered by state and by text
 * (id, native id, name, message), sorted by a named column, paged by offset
 * (a person pages a few times; 10,000 rows sort in SQLite in milliseconds).
 * Each row carries what the table shows that the jobs row alone does not:
 * when the job started (its first ACTIVE), and the evidence of its latest
 * transition (which decided the state shown).
 * @module
 */

import { FINAL_STATES, JobState } from "../../core/job-state.ts";
import type { JobStore } from "../store/store.ts";

/** The job's name; NULL for a spec damaged in place (json_extract would fail the whole page). */
const NAME = "CASE WHEN json_valid(spec) THEN json_extract(spec, '$.name') END";

export const SORTS = {
  submitted: "n",
  updated: "updated_at",
  state: "state",
  name: "name",
  id: "id",
  native: "native_id",
  exit: "exit_code",
} as const;
export type SortKey = keyof typeof SORTS;
export const PAGE_SIZE = 50;

export interface TableQuery {
  states: string[];
  text: string;
  sort: SortKey;
  desc: boolean;
  page: number;
}

export interface TableRow {
  /** Submission order (the store's row number). */
  n: number;
  id: string;
  executor: string;
  nativeId?: string;
  name?: string;
  state: string;
  /** Transitions recorded: a live event with a higher seq is newer than this row. */
  seq: number;
  exitCode?: number;
  message?: string;
  createdAt: number;
  updatedAt: number;
  startedAt?: number;
  endedAt?: number;
  evidence?: string;
}

export interface TablePage {
  rows: TableRow[];
  total: number;
  pages: number;
}

const ALL_STATES = Object.values(JobState) as string[];
const FINAL = new Set<string>(FINAL_STATES);

/** The query a URL's search params ask for; anything unknown falls back to the default. */
export function tableQueryOf(params: URLSearchParams): TableQuery {
  const states = params.getAll("state").flatMap((s) => s.split(",")).map((s) => s.toUpperCase())
    .filter((s) => ALL_STATES.includes(s));
  const sortText = params.get("sort") ?? "submitted";
  const sort = (Object.hasOwn(SORTS, sortText) ? sortText : "submitted") as SortKey;
  const page = Math.max(1, Math.min(1e6, Math.trunc(Number(params.get("page") ?? 1)) || 1));
  return {
    states: [...new Set(states)],
    text: (params.get("q") ?? "").trim().slice(0, 200),
    sort,
    desc: params.get("dir") !== "asc",
    page,
  };
}

/** The query as URL search params (defaults left out), for links that keep it. */
export function tableQueryString(q: TableQuery, change: Partial<TableQuery> = {}): string {
  const v = { ...q, ...change };
  const p = new URLSearchParams();
  for (const s of v.states) p.append("state", s);
  if (v.text) p.set("q", v.text);
  if (v.sort !== "submitted") p.set("sort", v.sort);
  if (!v.desc) p.set("dir", "asc");
  if (v.page > 1) p.set("page", String(v.page));
  const s = p.toString();
  return s ? `?${s}` : "";
}

function where(q: TableQuery, onlyId?: string): { sql: string; args: string[] } {
  const parts: string[] = [];
  const args: string[] = [];
  if (q.states.length) {
    parts.push(`state IN (${q.states.map(() => "?").join(",")})`);
    args.push(...q.states);
  }
  if (q.text) {
    const like = `%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    parts.push(
      "(id LIKE ? ESCAPE '\\' OR native_id LIKE ? ESCAPE '\\' OR " +
        `${NAME} LIKE ? ESCAPE '\\' OR message LIKE ? ESCAPE '\\')`,
    );
    args.push(like, like, like, like);
  }
  if (onlyId !== undefined) {
    parts.push("id = ?");
    args.push(onlyId);
  }
  return {
    sql: parts.length ? ` WHERE ${parts.join(" AND ")}` : "",
    args,
  };
}

const ROW_COLS = `n, id, executor, native_id, ${NAME} AS name, state, ` +
  "exit_code, message, seq, created_at, updated_at, " +
  "(SELECT MIN(t.time) FROM transitions t WHERE t.job_id = jobs.id AND t.state = 'ACTIVE') " +
  "AS started_at, " +
  "(SELECT t.evidence FROM transitions t WHERE t.job_id = jobs.id ORDER BY t.seq DESC LIMIT 1) " +
  "AS evidence";

function toRow(r: Record<string, any>): TableRow {
  const final = FINAL.has(r.state);
  return {
    n: Number(r.n),
    id: r.id,
    executor: r.executor,
    nativeId: r.native_id ?? undefined,
    name: typeof r.name === "string" ? r.name : undefined,
    state: r.state,
    seq: Number(r.seq),
    exitCode: r.exit_code ?? undefined,
    message: r.message ?? undefined,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    startedAt: r.started_at === null ? undefined : Number(r.started_at),
    endedAt: final ? Number(r.updated_at) : undefined,
    evidence: r.evidence ?? undefined,
  };
}

export function tablePage(store: JobStore, q: TableQuery): TablePage {
  const w = where(q);
  const total = Number(
    (store.db.prepare(`SELECT COUNT(*) AS c FROM jobs${w.sql}`).get(...w.args) as any).c,
  );
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = Math.min(q.page, pages);
  const col = SORTS[q.sort];
  const dir = q.desc ? "DESC" : "ASC";
  // Ties (and NULLs, which SQLite sorts first) fall back to submission order.
  const order = col === "n" ? `n ${dir}` : `${col} IS NULL, ${col} ${dir}, n ${dir}`;
  const rows = store.db.prepare(
    `SELECT ${ROW_COLS} FROM jobs${w.sql} ORDER BY ${order} LIMIT ? OFFSET ?`,
  ).all(...w.args, PAGE_SIZE, (page - 1) * PAGE_SIZE) as Record<string, any>[];
  return { rows: rows.map(toRow), total, pages };
}

/** One job's row when it passes the table's filter (for a job the page has not seen yet). */
export function tableRow(store: JobStore, q: TableQuery, id: string): TableRow | undefined {
  const w = where(q, id);
  const r = store.db.prepare(`SELECT ${ROW_COLS} FROM jobs${w.sql}`).get(...w.args);
  return r === undefined ? undefined : toRow(r as Record<string, any>);
}
