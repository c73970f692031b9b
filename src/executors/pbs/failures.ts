/**
 * Reading a PBS command's failure: whether a retry may succeed.
 * @module
 */

import { type CommandResult } from "../../kit.ts";

/**
 * qsub exit codes that mean the server could not be reached or the reply was
 * lost (PBSE_SYSTEM 162, PBSE_PROTOCOL 15031 → 183, connect failures 111/255): a
 * retry may succeed, and for a lost reply the job may exist already — the
 * caller finds it by its stamp (findByStamp) before submitting again.
 */
const TRANSIENT_CODES = new Set([255, 162, 111, 15031 & 0xff]);

export function transientFailure(r: CommandResult): boolean {
  return !!r.timedOut || TRANSIENT_CODES.has(r.exitCode) ||
    /cannot connect|Connection refused|timed out|Failed to (recv|send)|protocol error/i.test(
      r.stderr,
    );
}

/** One generated or custom directive, as the refusal message names it. */
export interface NamedDirective {
  flag: string;
  value?: string;
  field: string;
}

const QUEUE_REFUSAL =
  /Unknown queue|Queue is not enabled|Access to queue is denied|No default queue/i;
const RESOURCE_REFUSAL =
  /Unknown resource|resource limits|Illegal attribute or resource value|Resource invalid|"-lresource="|Cannot have "place"|exceeds|Insufficient amount of resource/i;

/**
 * Which of the job's directives a qsub refusal is about, with the spec field
 * each came from (`-q debugq (attributes.queueName)`); undefined when PBS's
 * text points at none of them.
 */
export function refusalDetail(
  stderr: string,
  directives: readonly NamedDirective[],
): string | undefined {
  const flag = QUEUE_REFUSAL.test(stderr) ? "q" : RESOURCE_REFUSAL.test(stderr) ? "l" : undefined;
  if (!flag) return undefined;
  const named = directives.filter((d) => d.flag === flag);
  if (!named.length) return flag === "q" ? "the job named no queue (server default)" : undefined;
  return `the job asked for ${
    named.map((d) => `-${d.flag} ${d.value ?? ""} (${d.field})`).join(", ")
  }`;
}
