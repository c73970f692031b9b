/**
 * Human output: a job, a job table, an event line.
 * @module
 */

import { usageLines } from "./usage.ts";

function time(iso: string | undefined): string {
  return iso ? iso.replace("T", " ").replace("Z", "") : "";
}

/** The scheduler's own stamp, beside the agent's time (whole seconds, so no milliseconds). */
function schedulerStamp(t: { schedulerTime?: string }): string {
  return t.schedulerTime ? `(scheduler ${time(t.schedulerTime).replace(/\.000$/, "")})` : "";
}

function outcome(j: { state: string; exitCode?: number; message?: string }): string {
  let s = j.state;
  if (j.exitCode !== undefined && j.exitCode !== null) s += ` (exit ${j.exitCode})`;
  if ((j as { held?: boolean }).held) s += " (held)";
  return s;
}

export function formatJob(job: any): string {
  const lines = [
    `job        ${job.id}`,
    `state      ${outcome(job)}`,
    `executor   ${job.executor}${job.nativeId ? `   native id ${job.nativeId}` : ""}`,
    `created    ${time(job.createdAt)}`,
  ];
  if (job.message) lines.push(`message    ${job.message}`);
  if (job.array) {
    const counts = Object.entries(job.array.counts ?? {}).map(([s, n]) => `${n} ${s}`).join(", ");
    lines.push(
      `array      ${job.array.range}: ${job.array.size} elements, ids ${job.id}[<index>]` +
        `${counts ? `; ${counts}` : ""}${job.array.final ? " (all final)" : ""}`,
    );
  }
  // Parts of the job the store holds damaged (the API's `damaged`): shown, not skipped silently.
  for (const d of job.damaged ?? []) lines.push(`damaged    ${d.part}: ${d.problem}`);
  const spec = job.spec ?? {};
  if (spec.executable) {
    lines.push(`command    ${[spec.executable, ...(spec.arguments ?? [])].join(" ")}`);
  }
  if (typeof spec.batchScript === "string") {
    const n = spec.batchScript.split("\n").filter((l: string) => l !== "").length;
    const args = (spec.arguments ?? []).join(" ");
    lines.push(`script     ${spec.name ?? "batchScript"} (${n} lines)${args ? ` ${args}` : ""}`);
  }
  if (spec.directory) lines.push(`directory  ${spec.directory}`);
  if (spec.stdoutPath) lines.push(`stdout     ${spec.stdoutPath}`);
  if (spec.stderrPath) lines.push(`stderr     ${spec.stderrPath}`);
  for (const d of spec.dependsOn ?? []) lines.push(`after      ${d.when ?? "ok"}:${d.job}`);
  lines.push(...usageLines(job));
  if (job.history?.length) {
    lines.push("history");
    for (const t of job.history) {
      const extra = [
        t.exitCode !== undefined ? `exit ${t.exitCode}` : "",
        t.evidence ?? "",
        schedulerStamp(t),
        t.message ?? "",
      ].filter(Boolean).join("  ");
      lines.push(`  ${time(t.time)}  ${t.state.padEnd(10)} ${extra}`.trimEnd());
    }
  }
  return lines.join("\n");
}

export function formatTable(jobs: any[]): string {
  if (jobs.length === 0) return "no jobs";
  const rows = [["ID", "STATE", "EXIT", "NATIVE ID", "EXECUTOR", "UPDATED"]];
  for (const j of jobs) {
    rows.push([
      j.id,
      j.state,
      j.exitCode === undefined ? "" : String(j.exitCode),
      j.nativeId ?? "",
      j.executor,
      time(j.updatedAt),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

export function formatEvent(e: any): string {
  const extra = [
    e.exitCode !== undefined ? `exit ${e.exitCode}` : "",
    e.evidence ?? "",
    schedulerStamp(e),
    e.message ?? "",
  ].filter(Boolean).join("  ");
  return `${String(e.eventId).padStart(6)}  ${time(e.time)}  ${e.jobId}  ${
    e.state.padEnd(10)
  } ${extra}`
    .trimEnd();
}

/** `psij-agent health`: the agent, each executor, and the job store. */
export function formatHealth(h: any): string {
  const lines = [`agent ${h.version}: ${h.status}, ${h.liveJobs} live jobs`];
  for (const [name, e] of Object.entries(h.executors as Record<string, any>)) {
    lines.push(`  ${name}: ${e.status}${e.lastError ? ` (last error: ${e.lastError})` : ""}`);
  }
  const st = h.store;
  if (st) {
    const held = st.unwrittenJobs
      ? `, changes of ${st.unwrittenJobs} jobs waiting to be written`
      : "";
    lines.push(
      `  store ${st.path}: ${st.status}${held}${st.lastError ? ` (${st.lastError})` : ""}`,
    );
    if (st.notice) lines.push(`    ${st.notice}`);
  }
  return lines.join("\n");
}
