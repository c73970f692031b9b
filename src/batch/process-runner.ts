/**
 * The process runner: the CommandRunner that spawns real commands (qsub,
 * qstat, ...) with a timeout and a cap on captured output, so a hung or
 * chatty scheduler command can neither block the agent nor exhaust memory.
 * @module
 */

import { spawn } from "node:child_process";
import type { CommandOptions, CommandResult, CommandRunner } from "../core/command-runner.ts";

export interface ProcessRunnerOptions {
  /** Used when a call gives no timeout. Default 60 s. */
  defaultTimeoutMs?: number;
  /** Bytes kept per stream; the rest is dropped and a note appended. Default 64 MiB. */
  maxOutputBytes?: number;
  /** Grace between SIGTERM and SIGKILL after a timeout. Default 2 s. */
  killGraceMs?: number;
}

/** Exit code reported when the command could not be started (as a shell would). */
export const EXIT_NOT_FOUND = 127;
/** Exit code reported when the command was killed after its timeout. */
export const EXIT_TIMED_OUT = 124;

export class ProcessRunner implements CommandRunner {
  readonly #timeout: number;
  readonly #cap: number;
  readonly #grace: number;

  constructor(options: ProcessRunnerOptions = {}) {
    this.#timeout = options.defaultTimeoutMs ?? 60_000;
    this.#cap = options.maxOutputBytes ?? 64 * 1024 * 1024;
    this.#grace = options.killGraceMs ?? 2_000;
  }

  run(argv: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
    if (argv.length === 0) throw new Error("ProcessRunner.run: argv must not be empty");
    const timeoutMs = options.timeoutMs ?? this.#timeout;
    return new Promise((resolve) => {
      const out = new Capture(this.#cap), err = new Capture(this.#cap);
      let timedOut = false;
      let settled = false;
      const finish = (r: CommandResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(killer);
        resolve(r);
      };
      const child = spawn(argv[0], argv.slice(1), {
        cwd: options.cwd,
        env: options.env,
        stdio: ["pipe", "pipe", "pipe"],
      });
      let killer: ReturnType<typeof setTimeout> | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGTERM");
        killer = setTimeout(() => child.kill("SIGKILL"), this.#grace);
      }, timeoutMs);
      child.stdout!.on("data", (b: Buffer) => out.add(b));
      child.stderr!.on("data", (b: Buffer) => err.add(b));
      child.on("error", (e: NodeJS.ErrnoException) => {
        finish({
          exitCode: e.code === "ENOENT" ? EXIT_NOT_FOUND : 126,
          stdout: out.text(),
          stderr: `${err.text()}${argv[0]}: ${e.message}\n`,
          timedOut,
        });
      });
      child.on("close", (code, signal) => {
        const exitCode = timedOut ? EXIT_TIMED_OUT : code ?? 128 + signalNumber(signal);
        finish({ exitCode, stdout: out.text(), stderr: err.text(), timedOut });
      });
      // A command that exits without reading its stdin must not crash us (EPIPE).
      child.stdin!.on("error", () => {});
      child.stdin!.end(options.stdin ?? "");
    });
  }
}

class Capture {
  #chunks: Buffer[] = [];
  #bytes = 0;
  #dropped = 0;
  constructor(readonly cap: number) {}
  add(b: Buffer): void {
    const room = this.cap - this.#bytes;
    if (room <= 0) {
      this.#dropped += b.length;
      return;
    }
    const kept = b.length > room ? b.subarray(0, room) : b;
    this.#chunks.push(kept);
    this.#bytes += kept.length;
    this.#dropped += b.length - kept.length;
  }
  text(): string {
    const s = Buffer.concat(this.#chunks).toString("utf8");
    return this.#dropped ? `${s}\n[output truncated: ${this.#dropped} bytes dropped]\n` : s;
  }
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? SIGNALS[signal] ?? 1 : 0;
}
