/**
 * How long this PBS server remembers finished jobs, read from `qstat -Bf`.
 *
 * The agent's restart reconciliation may resubmit a job only when PBS provably
 * never saw it, and an empty history search proves that only while the job
 * would still be remembered. Sites shorten `job_history_duration` (an hour is
 * not rare) or switch history off; assuming PBS's two-week default there could
 * resubmit a job that already ran. So the agent asks the server, and when it
 * cannot, keeps the default and says so.
 * @module
 */

import type { CommandRunner } from "../core/command-runner.ts";

/** PBS's own default `job_history_duration` (SVR_JOBHIST_DEFAULT). */
export const PBS_DEFAULT_HISTORY_MS = 14 * 24 * 3_600_000;

export interface PbsHistory {
  /** 0 when the server keeps no history. */
  retentionMs: number;
  /** One line for the start-up banner. */
  note: string;
}

/** `[[H]H:]MM:SS` with unbounded hours, or plain seconds, as PBS accepts a duration. */
export function parsePbsDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const m = /^(?:(\d+):)?(\d+):(\d+)$/.exec(t);
  if (!m) return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000;
}

/** Reads the history settings out of `qstat -Bf` text; undefined when it is not that. */
export function parseServerHistory(text: string): PbsHistory | undefined {
  if (!/^Server: /m.test(text)) return undefined;
  const attr = (name: string) => new RegExp(`^\\s+${name} = (.*)$`, "m").exec(text)?.[1].trim();
  const enabled = attr("job_history_enable");
  // Unset means False: OpenPBS lists the attribute only once an admin sets it.
  if (enabled === undefined || !/^(true|t|y|1)$/i.test(enabled)) {
    return { retentionMs: 0, note: "PBS keeps no job history (job_history_enable is off)" };
  }
  const durationText = attr("job_history_duration");
  if (durationText === undefined) {
    return {
      retentionMs: PBS_DEFAULT_HISTORY_MS,
      note: "PBS keeps finished jobs for the default two weeks (job_history_duration unset)",
    };
  }
  const ms = parsePbsDuration(durationText);
  if (ms === undefined) return undefined;
  return {
    retentionMs: ms,
    note: `PBS keeps finished jobs for ${durationText} (job_history_duration)`,
  };
}

/** What `serve --pbs-history` says, announced as given rather than read. */
export function givenPbsHistory(ms: number): PbsHistory {
  return {
    retentionMs: ms,
    note: ms === 0
      ? "PBS job history taken as off (--pbs-history)"
      : `PBS job history taken as ${ms / 1000} s (--pbs-history)`,
  };
}

/** Asks the server; on any failure the two-week default, with the reason in the note. */
export async function probePbsHistory(runner: CommandRunner): Promise<PbsHistory> {
  const r = await runner.run(["qstat", "-Bf"], { timeoutMs: 10_000 }).catch((err: Error) => ({
    exitCode: -1,
    stdout: "",
    stderr: err.message,
  }));
  const found = r.exitCode === 0 ? parseServerHistory(r.stdout) : undefined;
  if (found) return found;
  const why = r.exitCode === 0 ? "its output was not understood" : r.stderr.trim().split("\n")[0];
  return {
    retentionMs: PBS_DEFAULT_HISTORY_MS,
    note: `could not read PBS's job history settings with qstat -Bf (${why}); ` +
      "assuming the default two weeks",
  };
}
