/**
 * `sacct`: Slurm's accounting record, the evidence left once `squeue` has
 * forgotten a job (past MinJobAge). Used only for jobs gone from squeue; a
 * cluster without accounting says so and is not asked again.
 * @module
 */

import { mapSlurmState, slurmStateName } from "./states.ts";
import { parseSlurmTime, type SlurmJobRow } from "./parse.ts";

/** One allocation line (`-X`), parsable (`-P`: `|`-separated), no header. */
export function sacctArgv(id: string): string[] {
  return ["sacct", "-n", "-P", "-X", "-j", id, "-o", "JobID,State,ExitCode,End"];
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
