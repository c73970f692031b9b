// Whether a real Slurm answers here, decided once per process. Tests that
// need it report themselves skipped with the reason, or fail when the
// environment sets REQUIRE_SLURM=1 (CI brings Slurm up first).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Where scripts/slurm/up.sh puts its config. */
const DEFAULT_CONF = `${process.env.SLURM_LOCAL_DIR ?? "/tmp/psij-slurm"}/slurm.conf`;

export const REQUIRE_SLURM = process.env.REQUIRE_SLURM === "1";

function probe(): string | undefined {
  if (!process.env.SLURM_CONF && existsSync(DEFAULT_CONF)) process.env.SLURM_CONF = DEFAULT_CONF;
  const conf = process.env.SLURM_CONF;
  if (conf && !existsSync(conf)) return `no Slurm reachable: SLURM_CONF=${conf} does not exist`;
  // `scontrol ping` answers at once when slurmctld is down; sinfo would retry for ~10 s.
  const ping = spawnSync("scontrol", ["ping"], { encoding: "utf8", timeout: 30_000 });
  if (!ping.error && !/\bUP\b/.test(ping.stdout ?? "")) {
    const said = `${ping.stdout ?? ""}${ping.stderr ?? ""}`.trim().split("\n")[0];
    return `no Slurm reachable: scontrol ping: ${said || `exit ${ping.status}`}`;
  }
  const r = spawnSync("sinfo", ["--noheader", "-o", "%T"], { encoding: "utf8", timeout: 30_000 });
  if (r.error) {
    const e = r.error as NodeJS.ErrnoException;
    return e.code === "ENOENT"
      ? "no Slurm here: sinfo is not installed (npm run slurm:up starts one)"
      : `sinfo could not run: ${e.message}`;
  }
  if (r.status !== 0) {
    return `no Slurm reachable: sinfo exited ${r.status}: ${(r.stderr || "").trim().slice(0, 200)}`;
  }
  const states = r.stdout.split("\n").map((s) => s.trim()).filter(Boolean);
  if (!states.some((s) => /^(idle|mixed|allocated|completing)/.test(s))) {
    return `Slurm has no usable node (sinfo states: ${states.join(", ") || "none"})`;
  }
  return undefined;
}

/** Undefined when Slurm is usable; otherwise why not. */
export const slurmUnavailable: string | undefined = probe();

/**
 * `it` options for a test needing Slurm: skipped with the reason when there
 * is none, unless REQUIRE_SLURM=1 (then the test runs and fails on `need()`).
 */
export function slurmOptions(timeout: number): { timeout: number; skip?: string } {
  if (slurmUnavailable && !REQUIRE_SLURM) return { timeout, skip: slurmUnavailable };
  return { timeout };
}

/** Throws the reason when Slurm is required but unavailable. */
export function needSlurm(): void {
  if (slurmUnavailable) throw new Error(`REQUIRE_SLURM=1 but ${slurmUnavailable}`);
}
