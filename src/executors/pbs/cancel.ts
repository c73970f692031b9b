/**
 * The PBS executor's cancel bookkeeping: what a qdel's answer proves (the
 * user's cancel, a race the job's own end won, a reply that never came), the
 * deletion of a job PBS says can never run, and a cancel carried over by a
 * re-attach. The entry's flags record it; the executor's record handling
 * (applyRecord) and probe read them.
 * @module
 */

import {
  CancelRefusedException,
  commandFailed,
  type CommandResult,
  JobState,
  PsijError,
  type StatusUpdate,
} from "../../kit.ts";
import type { Entry } from "./entries.ts";
import { parseQdelErrors } from "./parse/index.ts";
import type { PbsJobRecord } from "./parse/types.ts";
import { isFinishedLetter } from "./state.ts";

/** What the cancel bookkeeping needs of the executor. */
export interface CancelContext {
  run(argv: string[]): Promise<CommandResult>;
  /** Applies an update to every job that follows the entry. */
  apply(entry: Entry, u: StatusUpdate): void;
  /** Keeps (or starts) polling the id. */
  track(id: string): void;
}

/**
 * Whether a finished PBS record shows the job deleted: substate 91
 * (terminated by qdel), killed by signal 15 or 9, or ended before it ran.
 * Our script traps SIGTERM and exits 143 itself, so a qdel'd running job
 * usually ends with Exit_status 143 and substate 91, not 271.
 */
export function deletedRecord(rec: PbsJobRecord): boolean {
  return rec.substate === 91 || rec.exitStatus === undefined || rec.exitStatus === 271 ||
    rec.exitStatus === 265;
}

/**
 * A qdel that certainly did not act: it could not reach the server, or the
 * server said Unauthorized Request (PBSE_PERM, exit 159). A timeout, a lost
 * reply (183) or anything else may have acted and is not a refusal.
 */
function definitelyRefused(r: CommandResult): boolean {
  if (r.timedOut) return false;
  // qdel v22+ prints "Couldn't connect to cluster: <srv>"; older ones, like qstat, "cannot connect to server".
  return r.exitCode === 159 ||
    /Couldn't connect to cluster|cannot connect to server/.test(r.stderr);
}

/**
 * The user's cancel of a whole array: one `qdel <array>[]`. Its success does
 * not say which elements it stopped (one may have ended on its own just
 * before), so each element's end is PBS's record of it, a deletion being the
 * user's cancel (see deletedRecord); an element PBS no longer knows ends on
 * its exit-code file, else on the cancel.
 */
export async function qdelArray(
  ctx: CancelContext,
  arrayId: string,
  entries: readonly Entry[],
): Promise<void> {
  for (const e of entries) e.qdelInFlight = true;
  let r: CommandResult;
  try {
    r = await ctx.run(["qdel", arrayId]);
  } finally {
    for (const e of entries) e.qdelInFlight = false;
  }
  const errs = parseQdelErrors(r.stderr, [arrayId]);
  const acted = (r.exitCode === 0 && !r.timedOut) || errs.finished.length > 0 ||
    errs.unknown.length > 0 || r.exitCode === 35 || r.exitCode === 153 || r.exitCode === 168;
  if (!acted && definitelyRefused(r)) {
    throw new CancelRefusedException(commandFailed(`qdel ${arrayId}`, r));
  }
  for (const e of entries) {
    e.cancelRequested = true;
    ctx.track(e.id);
  }
  if (!acted) throw new PsijError(commandFailed(`qdel ${arrayId}`, r));
}

/** Sends `qdel` for the user's cancel and records what its answer proves. */
export async function qdel(ctx: CancelContext, id: string, entry: Entry): Promise<void> {
  entry.qdelInFlight = true;
  let r: CommandResult;
  try {
    r = await ctx.run(["qdel", id]);
  } finally {
    entry.qdelInFlight = false;
  }
  const errs = parseQdelErrors(r.stderr, [id]);
  if (r.exitCode === 0 && !r.timedOut) {
    entry.userCanceled = true;
    ctx.apply(entry, {
      state: JobState.CANCELED,
      message: "canceled by the user",
      evidence: "user-cancel",
    });
    ctx.track(id); // keep watching until PBS ends it, then tidy its files
    return;
  }
  if (errs.finished.length > 0 || r.exitCode === 35 || r.exitCode === 168) {
    // It finished (or is exiting) first: its own end is the truth — unless
    // that end is PBS's record of a deletion (an earlier qdel's); look soon.
    entry.cancelRequested = true;
    ctx.track(id);
    return;
  }
  if (errs.unknown.length > 0 || r.exitCode === 153) {
    entry.cancelRequested = true; // gone without a trace: the user's cancel is all we know
    ctx.track(id);
    return;
  }
  entry.cancel = undefined; // a failed qdel may be retried
  if (definitelyRefused(r)) throw new CancelRefusedException(commandFailed(`qdel ${id}`, r));
  // A qdel that timed out or lost its reply may have acted: PBS's record of a
  // deletion then means the user's cancel (see applyRecord).
  entry.cancelRequested = true;
  throw new PsijError(commandFailed(`qdel ${id}`, r));
}

/**
 * Deletes a job PBS says can never run, and only once PBS confirms (or no
 * longer knows it) ends it FAILED: a job stored FAILED must not run later
 * because the qdel failed. A failed qdel is tried again on the next record.
 */
export async function deleteNeverRunnable(
  ctx: CancelContext,
  id: string,
  entry: Entry,
  comment: string,
): Promise<void> {
  entry.qdelInFlight = true;
  let r: CommandResult;
  try {
    r = await ctx.run(["qdel", id]);
  } catch {
    return;
  } finally {
    entry.qdelInFlight = false;
  }
  const errs = parseQdelErrors(r.stderr, [id]);
  const deleted = r.exitCode === 0 && !r.timedOut;
  if (!deleted && errs.unknown.length === 0 && r.exitCode !== 153) return;
  ctx.apply(entry, {
    state: JobState.FAILED,
    message: `PBS says the job can never run: ${comment}`,
    evidence: "scheduler",
  });
  ctx.track(id); // PBS's end of it tidies the files
}

/**
 * A re-attach for a job whose cancel the user asked for (an agent that sent
 * qdel and died before its reply): PBS's record of a deletion proves it.
 */
export function carryCancel(entry: Entry, rec: PbsJobRecord | undefined): void {
  entry.cancelRequested = true;
  if (rec && isFinishedLetter(rec.state) && deletedRecord(rec)) entry.userCanceled = true;
}
