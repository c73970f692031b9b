/** @jsxImportSource hono/jsx */
/**
 * The jobs page: the filter, the table (sortable, paged), and the form for
 * a quick job. Rows carry `data-*` hooks the live module updates in place.
 * @module
 */

import type { FC } from "hono/jsx";
import { ALL_STATES } from "../../core/job-state.ts";
import { Layout, Time } from "./layout.tsx";
import { SubmitForm } from "./submit-form.tsx";
import {
  type SortKey,
  type TablePage,
  type TableQuery,
  tableQueryString,
  type TableRow,
} from "./table-query.ts";

const COLUMNS: Array<{ key?: SortKey; label: string; col: string }> = [
  { key: "state", label: "State", col: "state" },
  { key: "name", label: "Name", col: "name" },
  { label: "Executor", col: "executor" },
  { key: "native", label: "Native id", col: "native" },
  { key: "submitted", label: "Submitted", col: "submitted" },
  { label: "Started", col: "started" },
  { key: "updated", label: "Ended", col: "ended" },
  { key: "exit", label: "Exit", col: "exit" },
  { label: "Message", col: "message" },
  { label: "Evidence", col: "evidence" },
];

export const JobRow: FC<{ r: TableRow }> = ({ r }) => (
  <tr data-id={r.id} data-seq={r.seq} data-n={r.n}>
    <td data-col="state">
      <span class={`state s-${r.state}`}>{r.state}</span>
    </td>
    <td data-col="name">
      <a href={`/jobs/${encodeURIComponent(r.id)}`}>{r.name ?? r.id}</a>
    </td>
    <td data-col="executor">{r.executor}</td>
    <td data-col="native">{r.nativeId ?? ""}</td>
    <td data-col="submitted">
      <Time ms={r.createdAt} />
    </td>
    <td data-col="started">
      <Time ms={r.startedAt} />
    </td>
    <td data-col="ended">
      <Time ms={r.endedAt} />
    </td>
    <td data-col="exit">{r.exitCode ?? ""}</td>
    <td data-col="message">{r.message ?? ""}</td>
    <td data-col="evidence">{r.evidence ?? ""}</td>
  </tr>
);

const SortHeader: FC<{ q: TableQuery; c: (typeof COLUMNS)[number] }> = ({ q, c }) => {
  if (c.key === undefined) return <th scope="col">{c.label}</th>;
  const active = q.sort === c.key;
  const desc = active ? !q.desc : true;
  const href = "/" + tableQueryString(q, { sort: c.key, desc, page: 1 });
  return (
    <th scope="col" aria-sort={active ? (q.desc ? "descending" : "ascending") : undefined}>
      <a href={href}>
        {c.label}
        {active ? (q.desc ? " ▼" : " ▲") : ""}
        <span class="sr-only">
          {`, sort ${desc ? "descending" : "ascending"}`}
        </span>
      </a>
    </th>
  );
};

const Filter: FC<{ q: TableQuery }> = ({ q }) => (
  <form class="filter" method="get" action="/" role="search" aria-label="Filter jobs">
    <fieldset>
      <legend>State</legend>
      {ALL_STATES.map((s) => (
        <label class="check">
          <input type="checkbox" name="state" value={s} checked={q.states.includes(s)} />
          {s}
        </label>
      ))}
    </fieldset>
    <label>
      Search <input type="search" name="q" value={q.text} placeholder="id, name, message" />
    </label>
    {q.sort !== "submitted" ? <input type="hidden" name="sort" value={q.sort} /> : null}
    {!q.desc ? <input type="hidden" name="dir" value="asc" /> : null}
    <button type="submit">Filter</button>
    {q.states.length || q.text ? <a href="/">Clear</a> : null}
  </form>
);

const Pager: FC<{ q: TableQuery; p: TablePage }> = ({ q, p }) => {
  const at = Math.min(q.page, p.pages);
  return (
    <nav class="pager" aria-label="Pages">
      {at > 1
        ? <a href={"/" + tableQueryString(q, { page: at - 1 })} rel="prev">Previous</a>
        : null}
      <span id="page-of">Page {at} of {p.pages}</span>
      {at < p.pages
        ? <a href={"/" + tableQueryString(q, { page: at + 1 })} rel="next">Next</a>
        : null}
    </nav>
  );
};

export interface JobsPageProps {
  q: TableQuery;
  p: TablePage;
  lastEvent: number;
  executors: string[];
}

export const JobsPage: FC<JobsPageProps> = ({ q, p, lastEvent, executors }) => {
  const first = Math.min(q.page, p.pages) === 1 && q.sort === "submitted" && q.desc;
  return (
    <Layout title="Jobs" page="jobs" lastEvent={lastEvent}>
      <h1>Jobs</h1>
      <SubmitForm executors={executors} />
      <Filter q={q} />
      <div class="table-wrap" tabindex={0} role="region" aria-label="Jobs table">
        <table
          id="jobs"
          data-query={tableQueryString(q)}
          data-newest-first={first ? "1" : undefined}
        >
          <caption>
            Jobs{q.states.length || q.text ? " matching the filter" : ""}:{" "}
            <span id="job-count">{p.total}</span> (times in UTC)
          </caption>
          <thead>
            <tr>{COLUMNS.map((c) => <SortHeader key={c.col} q={q} c={c} />)}</tr>
          </thead>
          <tbody>{p.rows.map((r) => <JobRow key={r.id} r={r} />)}</tbody>
        </table>
      </div>
      <Pager q={q} p={p} />
    </Layout>
  );
};
