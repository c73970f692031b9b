/**
 * What /proc tells of a process: whether it is alive, and when it started.
 * A zombie (exited, not yet reaped) is not alive: where init does not reap
 * orphans (some containers), a killed background agent stays a zombie for
 * good, and must not hold its lock or delay `stop`.
 * @module
 */

import { readFileSync } from "node:fs";

/** Fields 3.. of /proc/<pid>/stat (Linux), or undefined when there is none. */
function statFields(pid: number | "self"): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
  const fields = statFields(pid);
  return fields === undefined || fields[0] !== "Z"; // no /proc (macOS): kill(0) is all we know
}

/** The process's start time in clock ticks since boot (Linux), else undefined. */
export function processStartTime(pid: number | "self"): string | undefined {
  return statFields(pid)?.[19]; // field 22, starttime
}
