/**
 * Signal names and numbers, for exit codes (128 + n, the shell's convention)
 * and for messages that name the signal.
 * @module
 */

import { constants } from "node:os";

const byName = constants.signals as Record<string, number>;

export function signalNumber(name: string): number | undefined {
  return byName[name];
}

export function signalName(n: number): string | undefined {
  for (const [name, num] of Object.entries(byName)) if (num === n) return name;
  return undefined;
}
