/**
 * Asking Slurm about jobs: the one batched squeue per cycle and the targeted
 * look-up of a single id, turned into per-id rows plus what the poller needs
 * to know (missing ids, a failed command).
 * @module
 */

import {
  type CommandResult,
  type CommandRunner,
  type LookupResult,
  type StatusReport,
} from "../../kit.ts";
import { interpretSqueue, type SlurmJobRow, squeueArgv } from "./parse.ts";

/** Interprets one `squeue -j <ids>` run: partial output is used, unknown ids are missing. */
export function interpretStatus(
  ids: readonly string[],
  r: CommandResult,
): StatusReport<SlurmJobRow> {
  const outcome = interpretSqueue(r);
  if (outcome.kind === "error") return { seen: new Map(), missing: [], error: outcome.message };
  const seen = new Map<string, SlurmJobRow>();
  if (outcome.kind === "rows") {
    const asked = new Set(ids);
    for (const row of outcome.rows) if (asked.has(row.nativeId)) seen.set(row.nativeId, row);
  }
  return { seen, missing: ids.filter((id) => !seen.has(id)) };
}

/** The targeted look-up of one id: `squeue -j <id>`. */
export async function lookupJob(
  runner: CommandRunner,
  id: string,
  timeoutMs: number,
): Promise<LookupResult<SlurmJobRow>> {
  const r = await runner.run(squeueArgv([id]), { timeoutMs });
  const report = interpretStatus([id], r);
  if (report.error) return { kind: "error", error: report.error };
  const record = report.seen.get(id);
  return record ? { kind: "found", record } : { kind: "unknown" };
}

/** Slurm job ids as sbatch prints them (arrays and het jobs included). */
export function isSlurmJobId(id: string): boolean {
  return /^\d+(?:_\d+)?(?:\+\d+)?$/.test(id);
}
