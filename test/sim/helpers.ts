/** Shared set-up for simulator tests: a server named like the captures' ("vm"). */
import { readFileSync } from "node:fs";
import { VirtualClock } from "../../src/core/clock.ts";
import type { CommandResult } from "../../src/core/command-runner.ts";
import type { ServerConfig } from "../../simulator/server/config.ts";
import { SimServer } from "../../simulator/server/server.ts";
import { runCommand } from "../../simulator/runner.ts";

/** 2026-11-25 09:55:34 UTC, the first capture's second. */
export const T0 = 1795600534;

export const ALICE_ENV: Record<string, string> = {
  HOME: "/home/alice",
  LOGNAME: "alice",
  USER: "alice",
  PATH: "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games:/opt/pbs/bin",
  MAIL: "/var/mail/alice",
  SHELL: "/bin/bash",
};

export const JOBS_DIR = "/home/alice/jobs";

export const SCRIPTS: Record<string, string> = {
  [`${JOBS_DIR}/exit0.sh`]: "#!/bin/bash\nexit 0\n",
  [`${JOBS_DIR}/exit3.sh`]: "#!/bin/bash\nexit 3\n",
  [`${JOBS_DIR}/sleep60.sh`]: "#!/bin/bash\nsleep 60\n",
};

export interface Sim {
  clock: VirtualClock;
  server: SimServer;
  /** Runs a command as alice in ~/jobs (or `cwd`). */
  run(
    argv: string[],
    opts?: { cwd?: string; stdin?: string; env?: Record<string, string> },
  ): CommandResult;
  /** Moves the clock to an absolute epoch second (fractions allowed). */
  at(epochSeconds: number): Promise<void>;
}

export function makeSim(config: ServerConfig = {}): Sim {
  const clock = new VirtualClock(T0 * 1000);
  const server = new SimServer({
    name: "vm",
    clock,
    nodes: [{ name: "vm", ncpus: 2, memBytes: 4 * 1024 ** 3, ngpus: 0 }],
    files: SCRIPTS,
    ...config,
  });
  return {
    clock,
    server,
    run: (argv, opts = {}) =>
      runCommand(server, argv, {
        cwd: opts.cwd ?? JOBS_DIR,
        stdin: opts.stdin,
        env: opts.env ?? ALICE_ENV,
      }),
    at: async (s) => {
      await clock.advanceTo(Math.round(s * 1000));
      server.tick();
    },
  };
}

export interface Capture {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Reads one capture file of /work/shared/reference/openpbs-captures (or the repo copy). */
export function readCapture(name: string): Capture | undefined {
  let raw: Buffer;
  try {
    raw = readFileSync(new URL(`./captures/${name}`, import.meta.url));
  } catch {
    return undefined;
  }
  const text = raw.toString("utf8");
  const command = /^# command: (.*)$/m.exec(text)![1];
  const exitCode = Number(/^# exit_code: (\d+)$/m.exec(text)![1]);
  const section = (label: string) => {
    const m = new RegExp(`# ---- ${label} \\((\\d+) bytes\\) ----\\n`).exec(text)!;
    const start = Buffer.byteLength(text.slice(0, m.index + m[0].length));
    return raw.subarray(start, start + Number(m[1])).toString("utf8");
  };
  return { command, exitCode, stdout: section("stdout"), stderr: section("stderr") };
}
