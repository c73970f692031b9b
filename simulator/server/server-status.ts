/**
 * What `qstat -B` asks the server for: its own attributes, in the order
 * pbs_server keeps them. A subset of OpenPBS's list: the ones a client can act
 * on (state, counts, default queue, version, history settings). As in
 * OpenPBS, `job_history_enable` is listed only when set, and
 * `job_history_duration` only when it differs from the two-week default.
 * @module
 */

import type { StatAttr } from "../format/types.ts";
import { TWO_WEEKS_MS } from "./config.ts";
import type { SimServer } from "./server.ts";

/** `[HH]H:MM:SS`, hours unbounded, as PBS prints a duration. */
function hms(ms: number): string {
  const s = Math.floor(ms / 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

/** Live (non-history) jobs by the letters of `state_count`. */
export function stateCounts(srv: SimServer): Record<string, number> {
  const n: Record<string, number> = { T: 0, Q: 0, H: 0, W: 0, R: 0, E: 0, B: 0 };
  for (const job of srv.jobs.values()) {
    if (job.state in n && !job.parent) n[job.state]++;
  }
  return n;
}

export function serverAttrs(srv: SimServer): StatAttr[] {
  const n = stateCounts(srv);
  const total = Object.values(n).reduce((a, b) => a + b, 0);
  const attrs: StatAttr[] = [
    { name: "server_state", value: "Active" },
    { name: "server_host", value: srv.host },
    { name: "scheduling", value: "True" },
    { name: "total_jobs", value: String(total) },
    {
      name: "state_count",
      value: `Transit:${n.T} Queued:${n.Q} Held:${n.H} Waiting:${n.W} Running:${n.R} ` +
        `Exiting:${n.E} Begun:${n.B} `,
    },
  ];
  if (srv.defaultQueue) attrs.push({ name: "default_queue", value: srv.defaultQueue });
  attrs.push(
    { name: "max_array_size", value: String(srv.maxArraySize) },
    { name: "pbs_version", value: srv.config.pbsVersion ?? "23.06.06" },
  );
  if (srv.historyEnabled) {
    attrs.push({ name: "job_history_enable", value: "True" });
    if (srv.historyRetentionMs !== TWO_WEEKS_MS) {
      attrs.push({ name: "job_history_duration", value: hms(srv.historyRetentionMs) });
    }
  }
  return attrs;
}
