/**
 * What a job used, as PBS reports it: the queue it ran in, its execution
 * hosts, how long it waited in the queue, and `resources_used.*` (from the
 * live record while it runs, from the history record once it has ended).
 * Only what PBS printed is reported; nothing is estimated.
 * @module
 */

import { parseCtime } from "./parse/index.ts";
import type { PbsJobRecord } from "./parse/types.ts";

export interface PbsUsage {
  queue?: string;
  /** Host names from `exec_host` (`node1/0*2+node2/0` → node1, node2), in order, once each. */
  execHosts?: string[];
  /** `stime - qtime`, whole seconds: how long the job waited to start (the last time it started). */
  queuedSeconds?: number;
  /**
   * `resources_used.*` as PBS's text form prints them (`cput`, `mem`, `walltime`, ...), always
   * strings: qstat's JSON encoders print some as numbers (`"ncpus":1`) and the `-f` text cannot,
   * so one record reads the same whichever format the status command used.
   */
  resourcesUsed?: Record<string, string>;
}

/** `exec_host`'s host names, in order, once each. */
export function execHosts(value: unknown): string[] | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const hosts = value.split("+").map((c) => c.split("/")[0].trim()).filter(Boolean);
  return hosts.length ? [...new Set(hosts)] : undefined;
}

export function pbsUsage(rec: PbsJobRecord | undefined): PbsUsage {
  if (!rec) return {};
  const out: PbsUsage = {};
  if (rec.queue) out.queue = rec.queue;
  const hosts = execHosts(rec.attrs["exec_host"]);
  if (hosts) out.execHosts = hosts;
  const q = rec.times.qtime ? parseCtime(rec.times.qtime) : undefined;
  const s = rec.times.stime ? parseCtime(rec.times.stime) : undefined;
  if (q !== undefined && s !== undefined && s >= q) out.queuedSeconds = (s - q) / 1000;
  const used = rec.attrs["resources_used"];
  if (used && typeof used === "object" && !Array.isArray(used) && Object.keys(used).length) {
    out.resourcesUsed = Object.fromEntries(
      Object.entries(used as Record<string, unknown>).map(([k, v]) => [
        k,
        typeof v === "string" ? v : JSON.stringify(v),
      ]),
    );
  }
  return out;
}
