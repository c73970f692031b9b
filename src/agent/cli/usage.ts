/**
 * What a job used, for `status`: the latest of each fact the scheduler
 * reported in the job's history (transition metadata `queue`, `execHosts`,
 * `queuedSeconds`, `resourcesUsed`; PBS's qstat and history record, see
 * executors/pbs/usage.ts). Nothing is shown that the scheduler did not say.
 * @module
 */

export interface JobUsage {
  queue?: string;
  execHosts?: string[];
  queuedSeconds?: number;
  resourcesUsed?: Record<string, unknown>;
}

export function jobUsage(job: { history?: Array<{ metadata?: Record<string, unknown> }> }) {
  const out: JobUsage = {};
  for (const t of job.history ?? []) {
    const m = t.metadata ?? {};
    if (typeof m.queue === "string") out.queue = m.queue;
    if (Array.isArray(m.execHosts)) out.execHosts = m.execHosts.map(String);
    if (typeof m.queuedSeconds === "number") out.queuedSeconds = m.queuedSeconds;
    if (m.resourcesUsed && typeof m.resourcesUsed === "object") {
      out.resourcesUsed = m.resourcesUsed as Record<string, unknown>;
    }
  }
  return out;
}

function seconds(s: number): string {
  const t = Math.round(s);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(Math.floor(t / 3600))}:${two(Math.floor((t % 3600) / 60))}:${two(t % 60)}`;
}

/** `status`'s lines for what the job used (none when the scheduler reported nothing). */
export function usageLines(job: Parameters<typeof jobUsage>[0]): string[] {
  const u = jobUsage(job);
  const lines: string[] = [];
  if (u.queue) lines.push(`queue      ${u.queue}`);
  if (u.execHosts?.length) lines.push(`hosts      ${u.execHosts.join(" ")}`);
  if (u.queuedSeconds !== undefined) {
    lines.push(`waited     ${seconds(u.queuedSeconds)} in the queue`);
  }
  const used = Object.entries(u.resourcesUsed ?? {});
  if (used.length) lines.push(`used       ${used.map(([k, v]) => `${k}=${v}`).join(" ")}`);
  return lines;
}
