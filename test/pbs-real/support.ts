// Whether a real PBS answers here, decided once per process. Tests that need
// it report themselves skipped with the reason, or fail when the environment
// sets REQUIRE_PBS=1 (CI brings PBS up first with scripts/pbs/up.sh).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

export const REQUIRE_PBS = process.env.REQUIRE_PBS === "1";

function probe(): string | undefined {
  const r = spawnSync("qstat", ["-B"], { encoding: "utf8", timeout: 30_000 });
  if (r.error) {
    const e = r.error as NodeJS.ErrnoException;
    return e.code === "ENOENT"
      ? 'no PBS here: no qstat on PATH (as root: eval "$(npm run -s pbs:up)" starts one)'
      : `qstat -B could not run: ${e.message}`;
  }
  if (r.status !== 0) {
    const said = `${r.stderr ?? ""}${r.stdout ?? ""}`.trim().split("\n")[0];
    return `no PBS reachable: qstat -B exited ${r.status}: ${said.slice(0, 200)}`;
  }
  // The simulator's shims answer qstat -B too (and print the same pbs_version);
  // a real server is what these tests are for.
  const where = spawnSync("sh", ["-c", "command -v qstat"], { encoding: "utf8" }).stdout.trim();
  let head = "";
  try {
    head = readFileSync(where, { encoding: "latin1" }).slice(0, 200);
  } catch {
    // unreadable: a binary elsewhere, not our shim
  }
  if (/psij-agent simulator/.test(head)) return `qstat on PATH (${where}) is the simulator's shim`;
  return undefined;
}

/** Undefined when PBS is usable; otherwise why not. */
export const pbsUnavailable: string | undefined = probe();
if (pbsUnavailable && !REQUIRE_PBS) console.log(`real-PBS tests skipped: ${pbsUnavailable}`);

/**
 * `it` options for a test needing PBS: skipped with the reason when there is
 * none, unless REQUIRE_PBS=1 (then the test runs and fails on `needPbs()`).
 */
export function pbsOptions(timeout: number): { timeout: number; skip?: string } {
  if (pbsUnavailable && !REQUIRE_PBS) return { timeout, skip: pbsUnavailable };
  return { timeout };
}

/** Throws the reason when PBS is required but unavailable. */
export function needPbs(): void {
  if (pbsUnavailable) throw new Error(`REQUIRE_PBS=1 but ${pbsUnavailable}`);
}
