// What the real-PBS tests share: a scratch directory removed at exit,
// executors through the process CommandRunner (the real qsub/qstat/qdel on
// PATH), a runner that acts as the normal user `alice`, and scenarios that
// run concurrently (each `it` awaits the scenario started in `before`), so
// the suite's wall time is that of its slowest job, not of their sum.
import { it } from "node:test";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  CommandOptions,
  CommandResult,
  CommandRunner,
} from "../../src/core/command-runner.ts";
import { ProcessRunner } from "../../src/batch/process-runner.ts";
import { PbsExecutor, type PbsExecutorConfig } from "../../src/executors/pbs.ts";
import { needPbs, pbsOptions } from "./support.ts";

export const OPT = pbsOptions(400_000);
/** How long a job may take to end on a loaded 2-core host. */
export const WAIT = 240_000;

export function scratch(prefix: string): { base: string; dir: (name?: string) => string } {
  const base = mkdtempSync(join(tmpdir(), prefix));
  // alice's jobs write here too
  chmodSync(base, 0o1777);
  let n = 0;
  const cleanup = () => rmSync(base, { recursive: true, force: true });
  process.once("exit", cleanup);
  globalThis.addEventListener?.("unload", cleanup);
  return {
    base,
    dir: (name = `d${++n}`) => {
      const d = join(base, name);
      mkdirSync(d, { recursive: true, mode: 0o777 });
      chmodSync(d, 0o777);
      return d;
    },
  };
}

/**
 * Runs each command as another user (`runuser -u <user> --`): PBS then sees
 * that user's jobs (a qdel of them records 271 or 265, where root's record 0).
 * The executor in this (root) process writes the job script 0600, as an agent
 * running as that user would; qsub, running as the user, is given it.
 */
export class AsUserRunner implements CommandRunner {
  readonly #inner = new ProcessRunner();
  constructor(readonly user: string) {}
  run(argv: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    if (argv[0] === "qsub") spawnSync("chown", [this.user, argv[argv.length - 1]]);
    return this.#inner.run(["runuser", "-u", this.user, "--", ...argv], options);
  }
}

export function userExists(user: string): boolean {
  return spawnSync("id", [user]).status === 0;
}

/** A PBS executor on the real commands, polling briskly (1 s floor) but never more. */
export function realExecutor(workDir: string, config: PbsExecutorConfig = {}): PbsExecutor {
  mkdirSync(workDir, { recursive: true, mode: 0o777 });
  chmodSync(workDir, 0o777);
  return new PbsExecutor({ workDir, pollFloorMs: 500, pollCeilingMs: 3000, ...config });
}

/** Scenarios started together in `before`, each checked by its own `it`. */
export class Scenarios {
  readonly #fns = new Map<string, () => Promise<void>>();
  readonly #running = new Map<string, Promise<void>>();

  add(name: string, fn: () => Promise<void>, skip?: string): void {
    if (!skip) this.#fns.set(name, fn);
    it(name, skip ? { ...OPT, skip } : OPT, async () => {
      needPbs();
      const p = this.#running.get(name);
      if (!p) throw new Error(`scenario '${name}' was not started`);
      await p;
    });
  }

  /** Starts every scenario (call from `before`). */
  startAll(): void {
    for (const [name, fn] of this.#fns) {
      const p = fn();
      p.catch(() => {}); // reported by its own `it`
      this.#running.set(name, p);
    }
  }

  settled(): Promise<unknown> {
    return Promise.allSettled(this.#running.values());
  }
}

/** `qstat -x -f -F json <id>` as PBS prints it (stdout, exit code). */
export function qstatJson(id: string): { stdout: string; status: number | null } {
  const r = spawnSync("qstat", ["-x", "-f", "-F", "json", id], { encoding: "utf8" });
  return { stdout: r.stdout ?? "", status: r.status };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for a condition, failing with `what` after `ms`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = WAIT) {
  for (const end = Date.now() + ms; !(await cond());) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}
