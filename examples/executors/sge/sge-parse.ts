/**
 * Reading Grid Engine's answers: `qstat -xml -u <user>` (every live job of
 * the user, one command per poll cycle), the error reason of an `Eqw` job in
 * `qstat -j <id>`, the accounting record of `qacct -j <id>`, and `qdel`.
 * Nothing here runs a command or needs the kit.
 * @module
 */

/** A live job as `qstat -xml` lists it. */
export interface SgeLiveJob {
  kind: "live";
  id: string;
  /** Grid Engine's state letters: `qw`, `hqw`, `t`, `r`, `Eqw`, `dr`, ... */
  state: string;
  name: string;
  /** Why an `E` job is held, from `qstat -j` (filled in by the executor). */
  reason?: string;
}

/** A finished job's accounting record (`qacct -j`). */
export interface SgeFinishedJob {
  kind: "done";
  id: string;
  /** `failed`: 0 when Grid Engine itself saw nothing wrong. */
  failed: number;
  /** The whole `failed` field: `100 : assumedly after job`. */
  failedText: string;
  exitStatus: number;
}

export type SgeObservation = SgeLiveJob | SgeFinishedJob;

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

function tag(block: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(block);
  return m ? unescapeXml(m[1]).trim() : undefined;
}

/** Every job of `qstat -xml`, running (`queue_info`) and pending (`job_info`) alike. */
export function parseQstatXml(xml: string): SgeLiveJob[] {
  const jobs: SgeLiveJob[] = [];
  for (const m of xml.matchAll(/<job_list\b[^>]*>([\s\S]*?)<\/job_list>/g)) {
    const id = tag(m[1], "JB_job_number");
    if (!id) continue;
    jobs.push({
      kind: "live",
      id,
      state: tag(m[1], "state") ?? "",
      name: tag(m[1], "JB_name") ?? "",
    });
  }
  return jobs;
}

/** `qstat -j <id>`'s `error reason` lines, without their date and `[uid:pid]` prefix. */
export function parseErrorReason(text: string): string | undefined {
  const reasons = [...text.matchAll(/^error reason\s+\d+:\s*(.*)$/gm)].map((m) =>
    m[1].replace(/^\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \[[^\]]*\]:\s*/, "").trim()
  );
  return reasons.length ? reasons.join("; ") : undefined;
}

/** What `qacct -j <id>` said: the record, no record (yet), or a failure. */
export type QacctResult =
  | { kind: "found"; job: SgeFinishedJob }
  | { kind: "unknown" }
  | { kind: "error"; error: string };

export function parseQacct(
  id: string,
  r: { exitCode: number; stdout: string; stderr: string },
): QacctResult {
  if (r.exitCode !== 0) {
    // Not written yet (accounting is flushed about a second after the end),
    // never started (a pending job that was qdel'd), or no job has ended yet.
    if (/job id \S+ not found|accounting: No such file/.test(r.stderr + r.stdout)) {
      return { kind: "unknown" };
    }
    return { kind: "error", error: (r.stderr || r.stdout).trim() || `exit ${r.exitCode}` };
  }
  const field = (name: string) => new RegExp(`^${name}\\s+(.*)$`, "m").exec(r.stdout)?.[1].trim();
  const failedText = field("failed") ?? "0";
  const exitStatus = Number(/^(-?\d+)/.exec(field("exit_status") ?? "")?.[1] ?? NaN);
  if (!Number.isFinite(exitStatus)) {
    return { kind: "error", error: `qacct -j ${id} printed no exit_status` };
  }
  return {
    kind: "found",
    job: {
      kind: "done",
      id,
      failed: Number(/^\d+/.exec(failedText)?.[0] ?? 0),
      failedText,
      exitStatus,
    },
  };
}

/** `qdel <id>`: deleted (or registered for deletion), already gone, or refused. */
export function interpretQdel(r: { exitCode: number; stdout: string; stderr: string }):
  | "ok"
  | "gone"
  | "error" {
  const text = r.stdout + r.stderr;
  if (r.exitCode === 0 && /has (registered the job \S+ for deletion|deleted job)/.test(text)) {
    return "ok";
  }
  if (/does not exist/.test(text)) return "gone";
  return "error";
}
