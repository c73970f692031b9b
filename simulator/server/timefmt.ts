/**
 * strftime("%a %b %d at %H:%M") as the server writes it in "Job run at ..."
 * comments, in UTC like the formatter's ctimeString (the simulator runs PBS in UTC).
 * @module
 */
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const p2 = (n: number) => String(n).padStart(2, "0");

export function runAtString(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p2(d.getUTCDate())} at ${
    p2(d.getUTCHours())
  }:${p2(d.getUTCMinutes())}`;
}
