/**
 * The CommandRunner seam: how every CLI-driven backend talks to its scheduler.
 *
 * The process runner (src/batch/process-runner.ts) spawns real commands; the
 * simulator's runner hands the same argv to its in-process qsub/qstat/qdel.
 * Backends therefore parse identical text in tests, in simulation and on a
 * real cluster.
 * @module
 */

export interface CommandOptions {
  /** Text written to the command's standard input (then closed). */
  stdin?: string;
  cwd?: string;
  /** Replaces the environment when given (callers merge process.env themselves). */
  env?: Record<string, string>;
  /** Kill the command after this long; the result then has `timedOut: true`. */
  timeoutMs?: number;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when the runner gave up waiting (the command may still have acted). */
  timedOut?: boolean;
}

export interface CommandRunner {
  run(argv: readonly string[], options?: CommandOptions): Promise<CommandResult>;
}
