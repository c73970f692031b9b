/**
 * Whether a process is alive. A zombie (exited, not yet reaped) is not: where
 * init does not reap orphans (some containers), a killed background agent
 * stays a zombie for good, and must not hold its lock or delay `stop`.
 * @module
 */

import { readFileSync } from "node:fs";

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return true; // no /proc (macOS): kill(0) is all we can know
  }
}
