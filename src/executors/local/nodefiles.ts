/**
 * PSIJ_NODEFILE for local jobs: the host name once per process. The content
 * depends only on the counts, so one file per shape is written once per
 * process and shared by all its jobs (the fast path writes nothing per job).
 * The directory goes when the process exits.
 * @module
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { ComputedResources } from "../../core/resources.ts";
import { nodefileText } from "../../launchers/nodefile.ts";

let dir: string | undefined;
const files = new Map<string, string>();

export function localNodefile(r: ComputedResources): string {
  const key = `${r.nodeCount}x${r.processesPerNode}`;
  let file = files.get(key);
  if (file) return file;
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), "psij-local-"));
    const made = dir;
    process.once("exit", () => rmSync(made, { recursive: true, force: true }));
  }
  file = join(dir, `nodefile.${key}`);
  const host = hostname();
  writeFileSync(file, nodefileText(Array(r.nodeCount).fill(host), r.processesPerNode));
  files.set(key, file);
  return file;
}
