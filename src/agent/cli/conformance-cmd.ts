/**
 * `conformance --executor NAME`: the PSI/J conformance scenarios against any
 * registered executor (built-in or discovered), in this process, with real
 * jobs. Needs no running agent and touches none of its files.
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findExecutor } from "../../core/registry.ts";
import { runConformance } from "../../conformance/run.ts";
import { checkExecutorChoice, chooseExecutor } from "../executors.ts";
import { discoverExecutors, executorFolders, problemLines } from "../discovery.ts";
import { type Command, expectPositionals, UsageError } from "./command.ts";

export const conformanceCommand: Command = {
  name: "conformance",
  summary: "run the PSI/J conformance scenarios against an executor",
  usage:
    "psij-agent conformance --executor <name> [--only N,N...] [--timeout <s>] [--scratch <dir>]",
  details:
    `Runs each scenario of the PSI/J conformance list with real jobs through the executor (a fresh
work directory under --scratch, default the system's temporary folder: on a cluster give a folder
the compute nodes see). Prints a line per scenario: ok, FAIL with the reason, or skip with the
reason (a scenario about one scheduler's parser, or that this executor refuses); then
"N passed, N failed, N skipped". Exit status 0 when none failed, 1 otherwise.
Discovered executors (<home>/executors/, $PSIJ_AGENT_EXECUTOR_PATH) are known here too.`,
  options: {
    executor: { type: "string", value: "name", help: "the executor's name or alias (required)" },
    only: { type: "string", value: "N,N", help: "run only these scenario numbers" },
    timeout: { type: "string", value: "seconds", help: "how long a job may take per state (120)" },
    scratch: { type: "string", value: "dir", help: "where jobs' files go (the temporary folder)" },
  },
  async run(ctx) {
    expectPositionals(ctx, []);
    const name = ctx.values.executor?.toLowerCase();
    if (!name || name === "auto") throw new UsageError("--executor <name> is required (not auto)");
    const only = (ctx.values.only as string | undefined)?.split(",").map((n: string) =>
      Number(n.trim())
    );
    if (only?.some((n: number) => !Number.isInteger(n) || n < 1)) {
      throw new UsageError(
        `--only must be scenario numbers separated by commas, got "${ctx.values.only}"`,
      );
    }
    const timeout = ctx.values.timeout;
    if (timeout !== undefined && !/^\d+(\.\d+)?$/.test(timeout)) {
      throw new UsageError(`--timeout must be a number of seconds, got "${timeout}"`);
    }
    const found = await discoverExecutors(executorFolders(ctx.paths.home, ctx.io.env));
    for (const line of problemLines(found)) ctx.io.err(line);
    try {
      checkExecutorChoice(name);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const scratch = ctx.values.scratch ?? tmpdir();
    const workDir = mkdtempSync(join(scratch, "psij-conformance-work-"));
    const chosen = await chooseExecutor(name, { workDir });
    ctx.io.out(chosen.banner.split("\n")[0]);
    const others: Array<{ close(): Promise<void> }> = [];
    // A second instance on the same work directory (scenario 10); the embedded
    // simulator is private to one instance (local jobs are the process's: a
    // second local executor attaches to them).
    const another = name === "sim" ? undefined : () => {
      const ex = findExecutor(name).create({ workDir: join(workDir, chosen.name) });
      others.push(ex);
      return ex;
    };
    try {
      const report = await runConformance(chosen.executor, {
        another,
        only,
        scratch,
        timeoutMs: timeout === undefined ? undefined : Number(timeout) * 1000,
        out: (line) => ctx.io.out(line),
      });
      return report.failed === 0 ? 0 : 1;
    } finally {
      await Promise.all([chosen.executor, ...others].map((e) => e.close().catch(() => {})));
      rmSync(workDir, { recursive: true, force: true });
    }
  },
};
