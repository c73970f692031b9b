// Whether a real Grid Engine answers here (../shared/sge/up.sh), decided once
// per process. Tests that need it are skipped with the reason, or fail when
// REQUIRE_SGE=1 (.ci/run brings Grid Engine up first).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultBinDir } from "../../examples/executors/sge/sge.executor.ts";

export const REQUIRE_SGE = process.env.REQUIRE_SGE === "1";
/** The folder holding the worked example, for PSIJ_AGENT_EXECUTOR_PATH. */
export const EXAMPLES = fileURLToPath(new URL("../../examples/executors", import.meta.url));

function probe(): string | undefined {
  if (!process.env.SGE_ROOT) {
    return 'no Grid Engine here: SGE_ROOT is not set (eval "$(bash ../shared/sge/up.sh)" starts one)';
  }
  // As the executor does: Grid Engine's own qstat, whatever PBS puts first on PATH.
  const qstat = join(defaultBinDir() ?? "", "qstat");
  const r = spawnSync(qstat, ["-help"], { encoding: "utf8", timeout: 30_000 });
  if (r.error) return `qstat could not run: ${r.error.message}`;
  const first = (r.stdout ?? "").split("\n")[0];
  if (!/^(SGE|GE|OGS|UGE)\b/.test(first)) {
    return `qstat on PATH is not Grid Engine's (it says: ${
      first || (r.stderr ?? "").trim().slice(0, 100)
    })`;
  }
  const q = spawnSync(qstat, ["-xml"], { encoding: "utf8", timeout: 30_000 });
  if (q.status !== 0) {
    return `Grid Engine does not answer: qstat -xml: ${(q.stderr ?? "").trim().slice(0, 200)}`;
  }
  return undefined;
}

export const sgeUnavailable: string | undefined = probe();

/** `it` options for a test needing Grid Engine (skipped with the reason unless REQUIRE_SGE=1). */
export function sgeOptions(timeout: number): { timeout: number; skip?: string } {
  if (sgeUnavailable && !REQUIRE_SGE) return { timeout, skip: sgeUnavailable };
  return { timeout };
}

export function needSge(): void {
  if (sgeUnavailable) throw new Error(`REQUIRE_SGE=1 but ${sgeUnavailable}`);
}
