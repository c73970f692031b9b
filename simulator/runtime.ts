/**
 * The one place that asks which runtime is running us: how to start this
 * simulator's CLI again as a background server process.
 * @module
 */
import { fileURLToPath } from "node:url";

/** argv that runs `simulator/shim.ts <args>` under the current runtime. */
export function selfCommand(): string[] {
  const shim = fileURLToPath(new URL("./shim.ts", import.meta.url));
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  if (isDeno) return [process.execPath, "run", "-A", shim];
  // A compiled psij-agent binary has no .ts on disk; it serves through `psij-agent sim`.
  if (!import.meta.url.startsWith("file:") || shim.includes("$bunfs")) {
    return [process.execPath, "sim"];
  }
  return [process.execPath, shim];
}
