/**
 * `sacct`: Slurm's accounting record, the evidence left once `squeue` has
 * forgotten a job (past MinJobAge), and what a finished job used
 * (`resourcesUsed`, asked once per status cycle for the jobs that ended in
 * it). A cluster without accounting says so and is not asked again.
 * @module
 */

import { mapSlurmState, slurmStateName } from "./states.ts";
import { parseSlurmTime, type SlurmJobRow } from "./parse.ts";

/** One allocation line (`-X`), parsable (`-P`: `|`-separated), no header. */
export function sacctArgv(id: string): string[] {
  return ["sacct", "-n", "-P", "-X", "-j", id, "-o", "JobID,State,ExitCode,End"];
}

/**
 * What a job used, as sacct prints it (its field names and text forms, as the
 * PBS executor keeps PBS's `resources_used.*`): the allocation's line gives
 * all but MaxRSS, which only the steps carry (the largest of them is the job's).
 */
export const SACCT_USAGE_FIELDS = ["Elapsed", "TotalCPU", "CPUTime", "AllocCPUS", "NNodes"];

/** One line per allocation and step of each job: the step lines carry MaxRSS. */
export function sacctUsageArgv(ids: readonly string[]): string[] {
  return ["sacct", "-n", "-P", "-j", ids.join(","), "-o", `JobID,MaxRSS,${SACCT_USAGE_FIELDS}`];
}

const RSS_UNIT: Record<string, number> = { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

function rssBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(text);
  return m ? Number(m[1]) * RSS_UNIT[m[2]] : undefined;
}

/** Each job's usage by its id (`41`, `41_3`); fields sacct left empty are left out. */
export function parseSacctUsage(stdout: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const maxRss = new Map<string, { bytes: number; text: string }>();
  for (const line of stdout.split("\n")) {
    const [jobStep, rss, ...rest] = line.split("|").map((p) => p.trim());
    if (!jobStep || !/^\d/.test(jobStep) || rest.length !== SACCT_USAGE_FIELDS.length) continue;
    const [id, step] = jobStep.split(".", 2);
    const used = out.get(id) ?? {};
    out.set(id, used);
    if (step === undefined) {
      SACCT_USAGE_FIELDS.forEach((f, i) => {
        if (rest[i] !== "") used[f] = rest[i];
      });
    }
    const bytes = rssBytes(rss ?? "");
    const seen = maxRss.get(id);
    if (bytes !== undefined && (!seen || bytes > seen.bytes)) maxRss.set(id, { bytes, text: rss });
  }
  for (const [id, { text }] of maxRss) out.get(id)!.MaxRSS = text;
  for (const [id, used] of out) if (!Object.keys(used).length) out.delete(id);
  return out;
}

/** sacct's ExitCode is `<exit>:<signal>`. */
export function parseSacctExitCode(text: string): { exitCode?: number; signal?: number } {
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  if (!m) return {};
  const signal = Number(m[2]);
  return signal > 0 ? { exitCode: 128 + signal, signal } : { exitCode: Number(m[1]) };
}

export function parseSacct(stdout: string): SlurmJobRow[] {
  const rows: SlurmJobRow[] = [];
  for (const line of stdout.split("\n")) {
    const [id, stateText, exit, end] = line.split("|").map((p) => p.trim());
    if (!id || !/^\d+/.test(id) || stateText === undefined) continue;
    const slurmState = slurmStateName(stateText);
    if (!slurmState) continue;
    const info = mapSlurmState(slurmState);
    const row: SlurmJobRow = {
      nativeId: id,
      slurmState,
      state: info?.state,
      final: info?.final ?? false,
      name: "",
      ...parseSacctExitCode(exit ?? ""),
    };
    const endTime = parseSlurmTime(end ?? "");
    if (endTime !== undefined && row.final) row.endTime = endTime;
    if (info?.why) row.message = info.why;
    rows.push(row);
  }
  return rows;
}

export type SacctOutcome =
  | { kind: "found"; row: SlurmJobRow }
  | { kind: "unknown" }
  /** No accounting on this cluster: sacct will never know. */
  | { kind: "disabled" }
  | { kind: "error"; message: string };

export function interpretSacct(
  id: string,
  r: { exitCode: number; stdout: string; stderr: string; timedOut?: boolean },
): SacctOutcome {
  const text = `${r.stdout}\n${r.stderr}`;
  if (/accounting storage is disabled/i.test(text)) return { kind: "disabled" };
  if (r.timedOut) return { kind: "error", message: "sacct timed out" };
  if (r.exitCode !== 0) {
    return { kind: "error", message: `sacct failed (exit ${r.exitCode}): ${r.stderr.trim()}` };
  }
  const row = parseSacct(r.stdout).find((x) => x.nativeId === id);
  return row ? { kind: "found", row } : { kind: "unknown" };
}
