// Plays every scenario on both sides (the real PBS, a fresh simulator in
// execute mode behind its shims), normalises, compares byte for byte, and
// sorts each scenario into identical / known difference / new difference.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cliArgv } from "../../agent/fixtures/cli.ts";
import { normalise, play, type Scenario, type Side } from "./play.ts";
import { SCENARIOS } from "./scenarios.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const SHIMS = fileURLToPath(new URL("../../../simulator/shims", import.meta.url));
export const KNOWN_FILE = join(HERE, "known-differences.json");

export interface Outcome {
  name: string;
  verdict: "identical" | "known" | "new";
  reason?: string;
  real: string;
  sim: string;
}

/** The known differences: scenario name → why real PBS and the simulator differ there. */
export function knownDifferences(): Record<string, string> {
  return JSON.parse(readFileSync(KNOWN_FILE, "utf8"));
}

async function playAll(scenarios: (Scenario & { serial?: boolean })[], side: Side) {
  const out = new Map<string, string>();
  const parallel = scenarios.filter((s) => !s.serial);
  // A few at a time: the simulator's shims start a runtime per command.
  for (let i = 0; i < parallel.length; i += 8) {
    const batch = parallel.slice(i, i + 8);
    const texts = await Promise.all(batch.map((s) => play(s, side)));
    batch.forEach((s, j) => out.set(s.name, texts[j]));
  }
  for (const s of scenarios.filter((s) => s.serial)) out.set(s.name, await play(s, side));
  return out;
}

async function startSim(
  dir: string,
  server: string,
): Promise<{ child: ChildProcess; socket: string }> {
  const socket = join(dir, "sim.sock");
  const [exe, ...args] = cliArgv([
    "sim",
    "serve",
    "--socket",
    socket,
    "--name",
    server,
    "--nodes",
    "1",
    "--ncpus",
    "16",
  ]);
  const child = spawn(exe, args, { stdio: "ignore", env: { ...process.env } });
  for (const end = Date.now() + 60_000; !existsSync(socket);) {
    if (child.exitCode !== null) throw new Error("sim serve exited early");
    if (Date.now() > end) throw new Error("sim serve did not listen within 60 s");
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, socket };
}

/** Plays both sides; writes each normalised transcript to `outDir` for inspection. */
export async function runDifferential(base: string, outDir: string): Promise<Outcome[]> {
  const server = hostname().split(".")[0];
  const qstat = spawnSync("sh", ["-c", "command -v qstat"], { encoding: "utf8" }).stdout.trim();
  const realBin = dirname(qstat);
  const env = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  delete env.PSIJ_SIM_SOCKET;
  // The same plain PATH behind each side's commands: PBS records it (PBS_O_PATH).
  env.PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  const realDir = join(base, "real"), simDir = join(base, "sim");
  // alice plays in folders under these
  chmodSync(base, 0o755);
  mkdirSync(realDir, { recursive: true, mode: 0o755 });
  mkdirSync(simDir, { recursive: true, mode: 0o755 });
  const sim = await startSim(simDir, server);
  try {
    const real: Side = { name: "real", bin: realBin, env, dir: realDir };
    const simSide: Side = {
      name: "sim",
      bin: SHIMS,
      env: { ...env, PSIJ_SIM_SOCKET: sim.socket },
      dir: simDir,
    };
    const [r, s] = await Promise.all([playAll(SCENARIOS, real), playAll(SCENARIOS, simSide)]);
    const known = knownDifferences();
    mkdirSync(outDir, { recursive: true });
    return SCENARIOS.map(({ name }) => {
      const a = normalise(r.get(name)!, [server, hostname()], [realDir, realBin]);
      const b = normalise(s.get(name)!, [server, hostname(), "node"], [simDir, SHIMS]);
      writeFileSync(join(outDir, `${name}.real.txt`), a);
      writeFileSync(join(outDir, `${name}.sim.txt`), b);
      if (a === b) return { name, verdict: "identical", real: a, sim: b };
      if (known[name]) return { name, verdict: "known", reason: known[name], real: a, sim: b };
      return { name, verdict: "new", real: a, sim: b };
    });
  } finally {
    sim.child.kill("SIGTERM");
  }
}
