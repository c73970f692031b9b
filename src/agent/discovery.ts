/**
 * Executors from outside the binary. A descriptor module is a file named
 * `<anything>.executor.ts` (or `.js`, `.mjs`) in `<agent home>/executors/`,
 * in a folder of `$PSIJ_AGENT_EXECUTOR_PATH` (`:`-separated), or in a
 * subfolder of one of them. Its default export is a function that receives
 * the kit (src/kit.ts) and returns the descriptor (name, aliases, version,
 * create), or the descriptor itself. The module is handed the kit rather
 * than importing the project because the compiled binary cannot resolve an
 * outside file's imports against the packages bundled inside it.
 *
 * A module that fails to load is a problem naming its file and the reason;
 * it never stops the others or the built-in executors. Names follow the
 * registry's rules: a second descriptor with a name and version already
 * registered is refused (and reported), a new version of a known name sits
 * beside the old one and is chosen unless a version constraint says otherwise.
 * @module
 */

import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as kit from "../kit.ts";
import {
  compareVersions,
  type ExecutorDescriptor,
  listExecutors,
  registerExecutor,
} from "../core/registry.ts";
import { errorSummary } from "../core/errors.ts";
// The built-in executors register themselves when imported.
import "../executors/local.ts";
import "../executors/pbs.ts";
import "../executors/slurm.ts";
import "./sim-executor.ts";

export const EXECUTOR_PATH_VARIABLE = "PSIJ_AGENT_EXECUTOR_PATH";
const MODULE_NAME = /\.executor\.(ts|js|mjs)$/;

export interface DiscoveryProblem {
  /** The descriptor module (absolute path), or the folder that could not be read. */
  file: string;
  reason: string;
}

export interface DiscoveryReport {
  /** The folders looked in, in order. */
  folders: string[];
  /** Descriptors registered from modules, with the module each came from. */
  loaded: Array<{ name: string; version: string; file: string }>;
  problems: DiscoveryProblem[];
}

const origins = new WeakMap<ExecutorDescriptor<any>, string>();

/** Where a registered descriptor came from: `built-in`, or its module's path. */
export function originOf(d: ExecutorDescriptor<any>): string {
  return origins.get(d) ?? "built-in";
}

/** `<home>/executors`, then each folder of `$PSIJ_AGENT_EXECUTOR_PATH`. */
export function executorFolders(home: string, env: Record<string, string | undefined>): string[] {
  const extra = (env[EXECUTOR_PATH_VARIABLE] ?? "").split(":").filter((p) => p.trim() !== "");
  return [...new Set([join(home, "executors"), ...extra.map((p) => resolve(p))])];
}

/** Descriptor modules in a folder and its immediate subfolders, sorted. */
function modulesIn(folder: string, problems: DiscoveryProblem[]): string[] {
  if (!existsSync(folder)) return [];
  const found: string[] = [];
  try {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (MODULE_NAME.test(name)) {
        found.push(path);
      } else if (statSync(path).isDirectory()) {
        for (const inner of readdirSync(path).sort()) {
          if (MODULE_NAME.test(inner)) found.push(join(path, inner));
        }
      }
    }
  } catch (err) {
    problems.push({ file: folder, reason: `cannot read the folder: ${(err as Error).message}` });
  }
  return found;
}

/** Why a module's export is not a descriptor, or undefined when it is one. */
function descriptorProblem(d: unknown): string | undefined {
  if (typeof d !== "object" || d === null) {
    return "its default export is neither a descriptor nor a function returning one";
  }
  const x = d as Record<string, unknown>;
  if (typeof x.name !== "string" || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(x.name)) {
    return "the descriptor's name must be a word (letters, digits, _ and -, a letter first)";
  }
  if (typeof x.version !== "string") return "the descriptor has no version (a string N[.N[.N]])";
  try {
    compareVersions(x.version, "0");
  } catch (err) {
    return `the descriptor's version: ${(err as Error).message}`;
  }
  if (x.aliases !== undefined) {
    if (!Array.isArray(x.aliases) || x.aliases.some((a) => typeof a !== "string" || a === "")) {
      return "the descriptor's aliases must be a list of names";
    }
  }
  if (typeof x.create !== "function") return "the descriptor has no create(config) function";
  return undefined;
}

/** Why an import failed; Bun's build errors come as an AggregateError holding the real ones. */
function loadFailure(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) {
    return `${err.message}: ${err.errors.map((e) => loadFailure(e)).join("; ")}`;
  }
  return errorSummary(err, 0);
}

/** Loads one module and registers its descriptor; a problem instead of throwing. */
async function loadModule(file: string): Promise<ExecutorDescriptor<any> | DiscoveryProblem> {
  let d: unknown;
  try {
    const mod = await import(pathToFileURL(file).href);
    const exported = mod.default;
    d = typeof exported === "function" ? await exported(kit) : exported;
  } catch (err) {
    // Deno colours its messages; a reason is read in logs and terminals alike.
    // deno-lint-ignore no-control-regex
    return { file, reason: loadFailure(err).replace(/\x1b\[[0-9;]*m/g, "") };
  }
  const problem = descriptorProblem(d);
  if (problem) return { file, reason: problem };
  const descriptor = d as ExecutorDescriptor<any>;
  const same = listExecutors().find((x) =>
    x.name.toLowerCase() === descriptor.name.toLowerCase() &&
    compareVersions(x.version, descriptor.version) === 0
  );
  if (same) {
    return {
      file,
      reason: `executor ${descriptor.name} ${descriptor.version} is already registered ` +
        `(${originOf(same)}); this one is ignored`,
    };
  }
  origins.set(descriptor, file);
  registerExecutor(descriptor);
  return descriptor;
}

const done = new Map<string, Promise<DiscoveryReport>>();

/**
 * Finds and registers every descriptor module in these folders, once per
 * set of folders in this process (a later call returns the same report).
 */
export function discoverExecutors(folders: string[]): Promise<DiscoveryReport> {
  const key = folders.join("\0");
  let report = done.get(key);
  if (!report) {
    report = (async () => {
      const problems: DiscoveryProblem[] = [];
      const loaded: DiscoveryReport["loaded"] = [];
      for (const folder of folders) {
        for (const file of modulesIn(folder, problems)) {
          const r = await loadModule(file);
          if ("reason" in r) problems.push(r);
          else loaded.push({ name: r.name, version: r.version, file });
        }
      }
      return { folders, loaded, problems };
    })();
    done.set(key, report);
  }
  return report;
}

/** One line per problem, for logs and the CLI. */
export function problemLines(report: DiscoveryReport): string[] {
  return report.problems.map((p) => `executor module ${p.file} not loaded: ${p.reason}`);
}
