/**
 * Fault injection: a seeded plan or rules added on the fly. Command faults
 * (connection refused, hang, qsub refused, qsub reply lost) are taken by the
 * runner before or after it dispatches; timed faults (node death, early
 * history purge, jobs lingering in E, a JSON encoder switch) are applied to
 * the server once the clock reaches them.
 * @module
 */
import type { SimServer } from "./server/server.ts";
import { seededRandom } from "./server/rng.ts";

export type CommandName = "qsub" | "qstat" | "qdel" | "qhold" | "qrls" | "qselect";

export type CommandFault =
  /** The client cannot reach the server: PBS's perror + "cannot connect" lines and codes. */
  | { kind: "connect"; commands?: CommandName[]; count?: number; probability?: number }
  /** The command does not answer for `ms` (default an hour); `acts` makes it act first. */
  | {
    kind: "hang";
    commands?: CommandName[];
    count?: number;
    probability?: number;
    ms?: number;
    acts?: boolean;
  }
  /** qsub refused by the server; nothing is created. */
  | { kind: "qsub-refuse"; count?: number; probability?: number; text?: string; code?: number }
  /** qsub's job is created but the reply is lost (the client sees a protocol error). */
  | { kind: "qsub-lost-reply"; count?: number; probability?: number };

export type TimedFault =
  | { kind: "node-death"; atMs: number; node: string }
  | { kind: "node-revive"; atMs: number; node: string }
  | { kind: "purge-history"; atMs: number; id?: string }
  | { kind: "linger-e"; atMs: number; ms: number; id?: string }
  | { kind: "json-encoder"; atMs: number; encoder: "v23" | "cjson" };

export type Fault = CommandFault | TimedFault;

interface Armed {
  fault: CommandFault;
  left: number;
}

export class Faults {
  #rules: Armed[] = [];
  #timed: TimedFault[] = [];
  readonly random: () => number;
  /** Every fault that fired, in order (tests and reports). */
  readonly fired: { kind: string; command?: string; atMs: number }[] = [];

  constructor(plan: Fault[] = [], seed = 7) {
    this.random = seededRandom(seed);
    for (const f of plan) this.inject(f);
  }

  inject(f: Fault): void {
    if ("atMs" in f) {
      this.#timed.push(f);
      this.#timed.sort((a, b) => a.atMs - b.atMs);
    } else this.#rules.push({ fault: f, left: f.count ?? 1 });
  }

  clear(): void {
    this.#rules = [];
    this.#timed = [];
  }

  /** The command fault to apply to this invocation, if one fires. */
  take(command: string, nowMs: number): CommandFault | undefined {
    for (const r of this.#rules) {
      const f = r.fault;
      if (r.left <= 0) continue;
      const applies = f.kind === "qsub-refuse" || f.kind === "qsub-lost-reply"
        ? command === "qsub"
        : !f.commands || f.commands.includes(command as CommandName);
      if (!applies) continue;
      if (f.probability !== undefined && this.random() >= f.probability) continue;
      r.left--;
      this.fired.push({ kind: f.kind, command, atMs: nowMs });
      return f;
    }
    return undefined;
  }

  /** Applies the timed faults whose time has come. */
  applyDue(srv: SimServer): void {
    const now = srv.clock.now();
    while (this.#timed.length && this.#timed[0].atMs <= now) {
      const f = this.#timed.shift()!;
      this.fired.push({ kind: f.kind, atMs: f.atMs });
      if (f.kind === "node-death") srv.killNode(f.node);
      else if (f.kind === "node-revive") srv.reviveNode(f.node);
      else if (f.kind === "purge-history") srv.purgeHistory(f.id);
      else if (f.kind === "linger-e") srv.lingerInE(f.id, f.ms);
      else (srv.config as { jsonEncoder?: string }).jsonEncoder = f.encoder;
    }
  }
}

/** What a command prints when it cannot connect (cnt2server + the command's own line). */
export function connectFailure(
  command: string,
  server: string,
): { stderr: string; exitCode: number } {
  if (command === "qdel") {
    return {
      stderr: `Connection refused\nCouldn't connect to cluster: ${server}\n`,
      exitCode: 162,
    };
  }
  const exitCode = command === "qstat" ? 255 : 162;
  return {
    stderr: `Connection refused\n${command}: cannot connect to server ${server} (errno=15010)\n`,
    exitCode,
  };
}
