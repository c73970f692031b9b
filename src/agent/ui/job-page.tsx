/** @jsxImportSource hono/jsx */
/**
 * One job: what it is now, the timeline of its transitions with the time and
 * the evidence of each (which record decided the state), the tail of its
 * output, its spec in both JSON forms, and cancel. `JobLive` and
 * `OutputTails` are also served alone, for the live module to swap in.
 * @module
 */

import type { FC } from "hono/jsx";
import type { JobView, TransitionView } from "../view.ts";
import { Layout, Time } from "./layout.tsx";
import type { Tail } from "./output.ts";

const FINAL = new Set(["COMPLETED", "FAILED", "CANCELED"]);

const Step: FC<{ t: TransitionView }> = ({ t }) => (
  <li data-state={t.state}>
    <span class={`state s-${t.state}`}>{t.state}</span> <Time ms={Date.parse(t.time)} />
    {t.schedulerTime
      ? (
        <span class="sched">
          (scheduler: <Time ms={Date.parse(t.schedulerTime)} />)
        </span>
      )
      : null}
    <dl class="inline">
      {t.evidence
        ? (
          <>
            <dt>Evidence</dt>
            <dd class="evidence">{t.evidence}</dd>
          </>
        )
        : null}
      {t.exitCode !== undefined
        ? (
          <>
            <dt>Exit code</dt>
            <dd>{t.exitCode}</dd>
          </>
        )
        : null}
      {t.message
        ? (
          <>
            <dt>Message</dt>
            <dd>{t.message}</dd>
          </>
        )
        : null}
      {t.damaged
        ? (
          <>
            <dt>Damaged</dt>
            <dd>{t.damaged}</dd>
          </>
        )
        : null}
    </dl>
  </li>
);

export const JobLive: FC<{ job: JobView }> = ({ job }) => (
  <>
    {job.damaged?.length
      ? (
        <ul class="form-error" role="alert">
          {job.damaged.map((d) => <li key={d.part}>{`${d.part}: ${d.problem}`}</li>)}
        </ul>
      )
      : null}
    <dl class="summary">
      <dt>State</dt>
      <dd>
        <span id="job-state" class={`state s-${job.state}`}>{job.state}</span>
      </dd>
      <dt>Id</dt>
      <dd>{job.id}</dd>
      <dt>Executor</dt>
      <dd>{job.executor}</dd>
      <dt>Native id</dt>
      <dd>{job.nativeId ?? "—"}</dd>
      <dt>Exit code</dt>
      <dd id="job-exit">{job.exitCode ?? "—"}</dd>
      <dt>Message</dt>
      <dd>{job.message ?? "—"}</dd>
    </dl>
    {FINAL.has(job.state) ? null : (
      <p>
        <button type="button" id="cancel" class="danger" data-job={job.id}>Cancel job</button>
      </p>
    )}
    <h2 id="timeline-h">Timeline</h2>
    <ol id="timeline" aria-labelledby="timeline-h" data-seq={job.history.length}>
      {job.history.map((t) => <Step key={t.seq} t={t} />)}
    </ol>
  </>
);

export const OutputTails: FC<{ tails: Tail[] }> = ({ tails }) => (
  <>
    {tails.map((t) => (
      <section aria-label={t.stream}>
        <h3>
          {t.stream} <code>{t.path ?? ""}</code>
        </h3>
        {t.text !== undefined
          ? <pre id={`tail-${t.stream}`} tabindex={0}>{t.text === "" ? "(empty)" : t.text}</pre>
          : <p class="muted" id={`tail-${t.stream}`}>{t.note}</p>}
      </section>
    ))}
  </>
);

export interface JobPageProps {
  job: JobView;
  psijSpec?: Record<string, unknown>;
  tails: Tail[];
  lastEvent: number;
}

export const JobPage: FC<JobPageProps> = ({ job, psijSpec, tails, lastEvent }) => {
  const name = typeof job.spec?.name === "string" ? job.spec.name : job.id;
  return (
    <Layout title={name} page="job" lastEvent={lastEvent} jobId={job.id}>
      <h1>{name}</h1>
      <p id="action-result" role="status" aria-live="polite"></p>
      <div id="job-live" data-final={FINAL.has(job.state) ? "1" : undefined}>
        <JobLive job={job} />
      </div>
      <h2>Output (last lines)</h2>
      <div id="tails">
        <OutputTails tails={tails} />
      </div>
      <h2>Spec</h2>
      <details open>
        <summary>psij-agent form</summary>
        <pre tabindex={0}>{JSON.stringify(job.spec, null, 2)}</pre>
      </details>
      <details>
        <summary>psij-python form</summary>
        <pre tabindex={0}>
          {psijSpec ? JSON.stringify(psijSpec, null, 2) : "(the stored spec cannot be read)"}
        </pre>
      </details>
    </Layout>
  );
};
