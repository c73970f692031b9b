/** @jsxImportSource hono/jsx */
/**
 * The page frame every dashboard page shares: one stylesheet and one ES
 * module (both served by the agent, nothing from the internet), a skip link,
 * the navigation and the live-connection status.
 * @module
 */

import type { Child, FC } from "hono/jsx";
import { VERSION } from "../version.ts";

/** Times as the table shows them: UTC, to the second. */
export function when(ms: number | undefined): string {
  return ms === undefined ? "" : new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

export const Time: FC<{ ms?: number }> = ({ ms }) =>
  ms === undefined ? null : <time datetime={new Date(ms).toISOString()}>{when(ms)}</time>;

export interface LayoutProps {
  title: string;
  page: "jobs" | "job" | "health" | "error";
  /** The event id the page was rendered at: live updates start after it. */
  lastEvent?: number;
  jobId?: string;
  children?: Child;
}

export const Layout: FC<LayoutProps> = (p) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{p.title} · psij-agent</title>
      <link rel="stylesheet" href="/ui/app.css" />
      {p.page === "error" ? null : <script type="module" src="/ui/app.js"></script>}
    </head>
    <body data-page={p.page} data-last-event={p.lastEvent} data-job={p.jobId}>
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <nav aria-label="Dashboard">
          <a href="/">Jobs</a>
          <a href="/health">Health</a>
        </nav>
        <span id="live" role="status" aria-live="polite">
          {p.page === "error" ? "" : "connecting…"}
        </span>
        <span class="version">psij-agent {VERSION}</span>
      </header>
      <main id="main" tabindex={-1}>{p.children}</main>
    </body>
  </html>
);

export function page(node: unknown): string {
  return "<!doctype html>" + String(node);
}
