/**
 * Submission stamps: every script carries one (in `PSIJ_AGENT_STAMP`, in its
 * file name, hence in `Submit_arguments`), so a submission whose qsub reply
 * was lost can be found again and is never submitted twice. The stamp itself
 * comes from `stampFor` (src/batch/protocol.ts).
 * @module
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { type CommandRunner, PsijError, scriptPath } from "../../kit.ts";
import { parseQselect, parseQstatJson } from "./parse/index.ts";
import type { PbsJobRecord } from "./parse/types.ts";
import {
  type HistoryMode,
  interpretStatus,
  lookupJob,
  qstatJsonArgv,
  runStatus,
} from "./status.ts";

export const STAMP_VARIABLE = "PSIJ_AGENT_STAMP";

/** Whether a qstat record belongs to the submission with this stamp. */
export function recordHasStamp(rec: PbsJobRecord, stamp: string): boolean {
  if (rec.variables[STAMP_VARIABLE] === stamp) return true;
  const args = rec.attrs.Submit_arguments;
  return typeof args === "string" && scriptNamed(args, stamp);
}

/**
 * Whether qsub's arguments name the script `<stamp>.job` (as its own word or
 * the last part of a path): `xj1.job` or `j1.job.bak` is another submission.
 */
function scriptNamed(args: string, stamp: string): boolean {
  const name = `${stamp}.job`;
  for (let at = args.indexOf(name); at >= 0; at = args.indexOf(name, at + 1)) {
    const before = at === 0 ? "" : args[at - 1];
    const after = args[at + name.length] ?? "";
    if (/^[\s/'"]?$/.test(before) && /^[\s'"]?$/.test(after)) return true;
  }
  return false;
}

/**
 * The native ids, in the given `qstat -f -F json [-x]` output, of jobs
 * submitted with this stamp (normally one; several would mean a duplicate).
 */
export function findByStamp(qstatJsonStdout: string, stamp: string): string[] {
  const out: string[] = [];
  for (const [id, rec] of parseQstatJson(qstatJsonStdout).jobs) {
    if (recordHasStamp(rec, stamp)) out.push(id);
  }
  return out;
}

export interface StampLookupOptions {
  user: string;
  timeoutMs: number;
  mode: HistoryMode;
}

/**
 * Asks PBS (`qselect -x -u <user>`, then `qstat -f -F json -x` in chunks) for
 * the user's jobs, live or in history, submitted with any of these stamps:
 * each stamp's native ids (normally one; several would mean a duplicate). An
 * empty answer must mean PBS provably has none — recovery then submits again —
 * so anything short of that throws: a failed command, or an id the batch
 * printed no record for (cJSON bug #2672 prints only the first id's) whose own
 * look-up cannot settle it. One listing answers every stamp: its cost is the
 * user's history, paid once however many submissions are being looked for.
 */
export async function lookupStamps(
  runner: CommandRunner,
  stamps: readonly string[],
  opts: StampLookupOptions,
): Promise<Map<string, string[]>> {
  const what = stamps.length === 1 ? stamps[0] : `${stamps.length} stamps`;
  const sel = await runner.run(["qselect", "-x", "-u", opts.user], { timeoutMs: opts.timeoutMs });
  if (sel.exitCode !== 0 || sel.timedOut) {
    throw new PsijError(
      `stamp look-up failed for ${what}: qselect -x -u ${opts.user} failed (exit ${sel.exitCode}${
        sel.timedOut ? ", timed out" : ""
      }): ${sel.stderr.trim().split("\n").slice(0, 3).join(" / ")}`,
    );
  }
  const found = new Map<string, string[]>(stamps.map((s) => [s, []]));
  const match = (id: string, rec: PbsJobRecord) => {
    const own = rec.variables[STAMP_VARIABLE];
    if (own !== undefined && found.has(own)) return void found.get(own)!.push(id);
    for (const [stamp, ids] of found) if (recordHasStamp(rec, stamp)) ids.push(id);
  };
  const ids = parseQselect(sel.stdout);
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const r = await runStatus(runner, (h) => qstatJsonArgv(chunk, h), opts.mode, opts.timeoutMs);
    const report = interpretStatus(chunk, r);
    if (report.error) throw new PsijError(`stamp look-up failed for ${what}: ${report.error}`);
    for (const [id, rec] of report.seen) match(id, rec);
    for (const id of report.missing) {
      const one = await lookupJob(runner, id, opts.timeoutMs, opts.mode);
      if (one.kind === "error") {
        throw new PsijError(`stamp look-up failed for ${what}: job ${id}: ${one.error}`);
      }
      if (one.kind === "found") match(id, one.record);
    }
  }
  return found;
}

/**
 * Stamp look-ups asked for at about the same time (a recovery with many open
 * submissions) share one listing of the user's jobs. A stamp is only ever
 * answered by a listing that started after it was asked for, so a job made
 * just before the question is never missed by an older listing; a listing
 * that fails fails every look-up it was to answer, and the next is new.
 */
export class StampLookups {
  readonly #lookup: (stamps: string[]) => Promise<Map<string, string[]>>;
  #waiting: Array<{ stamp: string; resolve(ids: string[]): void; reject(e: unknown): void }> = [];
  #busy = false;

  constructor(lookup: (stamps: string[]) => Promise<Map<string, string[]>>) {
    this.#lookup = lookup;
  }

  find(stamp: string): Promise<string[]> {
    const answer = new Promise<string[]>((resolve, reject) => {
      this.#waiting.push({ stamp, resolve, reject });
    });
    if (!this.#busy) void this.#drain();
    return answer;
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    try {
      // Look-ups asked for in the same stretch of work (a recovery's, started together) join
      // this listing. Microtasks, not a timer: under a virtual clock nothing else may wait.
      for (let i = 0; i < 4; i++) await null;
      while (this.#waiting.length) {
        const batch = this.#waiting.splice(0);
        try {
          const found = await this.#lookup([...new Set(batch.map((w) => w.stamp))]);
          for (const w of batch) w.resolve([...(found.get(w.stamp) ?? [])]);
        } catch (e) {
          for (const w of batch) w.reject(e);
        }
      }
    } finally {
      this.#busy = false;
    }
  }
}

/**
 * Why a stamp look-up that found nothing does not prove the submission never
 * reached PBS, or undefined when it does. PBS delivers `<stamp>.pbs.o` /
 * `<stamp>.pbs.e` when the job ends: either file means it ran. The script file
 * `<stamp>.job` is written just before qsub and stays until the job's end is
 * recorded, so with it present the job may have been made, run and purged
 * from history — unless the submission is younger than the history retention,
 * in which case PBS would still remember it.
 */
export function unprovenAbsence(
  workDir: string,
  stamp: string,
  submittedAt: number,
  now: number,
  historyRetentionMs: number,
): string | undefined {
  for (const f of [`${stamp}.pbs.o`, `${stamp}.pbs.e`]) {
    const path = join(workDir, f);
    if (existsSync(path)) return `PBS delivered ${path}, so the job ran (its record is purged)`;
  }
  const script = scriptPath(workDir, stamp);
  if (existsSync(script) && now - submittedAt >= historyRetentionMs) {
    return `its script ${script} exists, so qsub may have made the job, and it is older ` +
      `than PBS's history retention (${Math.round(historyRetentionMs / 1000)} s), so the job ` +
      `may have run and been purged`;
  }
  return undefined;
}
