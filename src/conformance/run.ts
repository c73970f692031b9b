/**
 * Runs the conformance scenarios against one executor: a line per scenario
 * (`ok`, `FAIL`, `skip` with the reason) and `N passed, N failed, N skipped`.
 * A scenario that hangs is cut off and failed; it never stops the others.
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobExecutor } from "../core/executor.ts";
import { scenarioDir, ScenarioFailure, SCENARIOS } from "./scenarios.ts";

export interface ConformanceOptions {
  /** A second executor of the same kind, for scenario 10. */
  another?: () => JobExecutor;
  /** Per state reached (ms). Default 120000. */
  timeoutMs?: number;
  /** Only these scenario numbers. */
  only?: number[];
  /** Where scratch folders go (jobs must see it: a shared filesystem on a cluster). */
  scratch?: string;
  out: (line: string) => void;
}

export interface ConformanceReport {
  passed: number;
  failed: number;
  skipped: number;
  lines: string[];
}

export async function runConformance(
  executor: JobExecutor,
  options: ConformanceOptions,
): Promise<ConformanceReport> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const base = mkdtempSync(join(options.scratch ?? tmpdir(), "psij-conformance-"));
  const report: ConformanceReport = { passed: 0, failed: 0, skipped: 0, lines: [] };
  const say = (line: string) => {
    report.lines.push(line);
    options.out(line);
  };
  for (const sc of SCENARIOS) {
    if (options.only && !options.only.includes(sc.number)) continue;
    const head = `${String(sc.number).padStart(2)} ${sc.title}`;
    if (sc.skip || !sc.run) {
      report.skipped++;
      say(`skip ${head}: ${sc.skip ?? "no check"}`);
      continue;
    }
    const started = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const cutoff = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ScenarioFailure(`still running after ${(timeoutMs * 3) / 1000} s`)),
          timeoutMs * 3,
        );
      });
      const ctx = {
        executor,
        another: options.another,
        dir: scenarioDir(base, sc.number),
        timeoutMs,
      };
      const result = await Promise.race([sc.run(ctx), cutoff]);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      if (result && typeof result === "object") {
        report.skipped++;
        say(`skip ${head}: ${result.skip}`);
      } else {
        report.passed++;
        say(`ok   ${head} (${secs} s${result ? `; ${result}` : ""})`);
      }
    } catch (err) {
      report.failed++;
      const why = err instanceof ScenarioFailure
        ? err.message
        : `${(err as Error).name}: ${(err as Error).message}`;
      say(`FAIL ${head}: ${why}`);
    } finally {
      clearTimeout(timer);
    }
  }
  say(`${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
  rmSync(base, { recursive: true, force: true });
  return report;
}
