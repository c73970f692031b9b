/**
 * @module
 * C `ctime()` text, as qstat prints times. The simulator runs PBS in UTC, so
 * this always renders UTC (a real qstat uses the caller's TZ).
 */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const two = (n: number) => String(n).padStart(2, "0");

/** `ctime()` without its trailing newline, e.g. `Tue Jan  9 10:05:00 2024` (UTC). */
export function ctimeString(epochSeconds: number): string {
  const d = new Date(Math.floor(epochSeconds) * 1000);
  if (Number.isNaN(d.getTime())) return "??? ??? ?? ??:??:?? ????";
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${
    String(d.getUTCDate()).padStart(2, " ")
  } ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${
    two(d.getUTCSeconds())
  } ${d.getUTCFullYear()}`;
}
