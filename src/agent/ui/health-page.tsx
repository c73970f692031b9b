/** @jsxImportSource hono/jsx */
/**
 * The health panel: each executor, degraded or not and why, its poller's
 * figures (the last status command and how long it took, the poll cadence,
 * status commands per minute), and the store. `HealthPanel` is also served
 * alone for the live module to refresh.
 * @module
 */

import type { FC } from "hono/jsx";
import type { ExecutorHealth } from "../../core/executor.ts";
import type { StoreHealth } from "../store/store.ts";
import { Layout, Time } from "./layout.tsx";

export interface HealthFacts {
  executors: Record<string, ExecutorHealth>;
  /** Status commands per minute over the last sampling interval, by executor. */
  perMinute: Record<string, number | undefined>;
  store: StoreHealth;
  recovering: boolean;
  liveJobs: number;
  pid: number;
}

const LABELS: Record<string, string> = {
  tracked: "Jobs polled",
  pollIntervalMs: "Poll cadence (ms)",
  lastStatusCommandMs: "Last status command took (ms)",
  statusCommands: "Status commands",
  failedStatusCommands: "Failed status commands",
  consecutiveFailures: "Failures in a row",
  cycles: "Poll cycles",
  lookups: "Look-ups",
};

export const HealthPanel: FC<{ h: HealthFacts }> = ({ h }) => (
  <>
    {Object.entries(h.executors).map(([name, e]) => (
      <section class="executor" aria-labelledby={`ex-${name}`}>
        <h2 id={`ex-${name}`}>
          {name}: <span class={`health h-${e.status}`}>{e.status}</span>
        </h2>
        <dl class="summary">
          {e.lastError
            ? (
              <>
                <dt>{e.status === "degraded" ? "Why" : "Last error"}</dt>
                <dd>
                  {e.lastError}
                  {e.lastErrorAt
                    ? (
                      <>
                        {" "}(<Time ms={e.lastErrorAt} />)
                      </>
                    )
                    : null}
                </dd>
              </>
            )
            : null}
          {e.stats?.lastStatusCommandAt
            ? (
              <>
                <dt>Last status command</dt>
                <dd>
                  <Time ms={e.stats.lastStatusCommandAt} />
                </dd>
              </>
            )
            : null}
          {Object.entries(e.stats ?? {}).filter(([k]) =>
            k !== "lastStatusCommandAt"
          ).map((
            [k, v],
          ) => (
            <>
              <dt>{LABELS[k] ?? k}</dt>
              <dd>{Math.round(v * 10) / 10}</dd>
            </>
          ))}
          <dt>Status commands per minute</dt>
          <dd>{h.perMinute[name] === undefined ? "—" : h.perMinute[name]!.toFixed(1)}</dd>
        </dl>
      </section>
    ))}
    <section aria-labelledby="store-h">
      <h2 id="store-h">
        Store: <span class={`health h-${h.store.status}`}>{h.store.status}</span>
      </h2>
      <dl class="summary">
        <dt>File</dt>
        <dd>{h.store.path}</dd>
        {h.store.lastError
          ? (
            <>
              <dt>Why</dt>
              <dd>{h.store.lastError}</dd>
            </>
          )
          : null}
        {h.store.notice
          ? (
            <>
              <dt>Notice</dt>
              <dd>{h.store.notice}</dd>
            </>
          )
          : null}
        <dt>Jobs not final</dt>
        <dd>{h.liveJobs}</dd>
        <dt>Recovering</dt>
        <dd>{h.recovering ? "yes" : "no"}</dd>
        <dt>Agent pid</dt>
        <dd>{h.pid}</dd>
      </dl>
    </section>
  </>
);

export const HealthPage: FC<{ h: HealthFacts }> = ({ h }) => (
  <Layout title="Health" page="health">
    <h1>Health</h1>
    <div id="health">
      <HealthPanel h={h} />
    </div>
  </Layout>
);
