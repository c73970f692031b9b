/**
 * PSIJ_NODEFILE content: one line per process, naming the host it runs on.
 * @module
 */

/** Each host repeated processesPerNode times, in order (locally: one host). */
export function nodefileText(hosts: readonly string[], processesPerNode: number): string {
  let text = "";
  for (const host of hosts) text += `${host}\n`.repeat(processesPerNode);
  return text;
}
