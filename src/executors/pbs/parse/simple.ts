/**
 * @module
 * One-value outputs: qsub's job id, qselect's id list, ctime strings.
 */

const JOB_ID = /^\d+(\[\d*\])?(\.[^\s]+)?$/;

/** A PBS job id (`1234`, `1234.server`, `1235[].server`, `1235[7].server`). */
export function isPbsJobId(s: string): boolean {
  return JOB_ID.test(s);
}

/** The job id qsub printed (`1234.server` or `1235[].server`): the first line that is one. */
export function parseQsubId(stdout: string): string | undefined {
  for (const line of String(stdout ?? "").split("\n")) {
    const t = line.trim();
    if (JOB_ID.test(t)) return t;
  }
  return undefined;
}

/** qselect prints one job id per line. Lines that are not ids are ignored. */
export function parseQselect(stdout: string): string[] {
  return String(stdout ?? "").split("\n").map((l) => l.trim()).filter((l) => JOB_ID.test(l));
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const CTIME =
  /^\s*(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)\s+([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})\s*$/;

/** A `ctime()` string (`Wed Nov 25 09:55:48 2026`) as epoch ms, read as UTC like the simulator writes it. */
export function parseCtime(s: string): number | undefined {
  const m = CTIME.exec(String(s ?? ""));
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1]);
  const [day, h, min, sec, year] = [m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (month < 0 || day < 1 || day > 31 || h > 23 || min > 59 || sec > 60) return undefined;
  return Date.UTC(year, month, day, h, min, sec);
}
