/**
 * Metamorphic checks of the PBS parsers: whatever state the simulator's jobs
 * are in (queued, held, waiting, running, exiting, finished, deleted, killed
 * at walltime, requeued, array parents and subjobs, with hostile names and
 * variables beside them), the three ways PBS can print a status — `-F json`
 * from the released encoder, from the cJSON encoder, and `qstat -f` text —
 * parse to the same observation as the PBS executor maps it (state, exit
 * code, message, time, evidence, stamp), and that observation is the
 * simulator's own state and Exit_status.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { VirtualClock } from "../../src/core/clock.ts";
import { pbsJobName } from "../../src/executors/pbs/directives.ts";
import { finalUpdate, liveUpdate, neverRunnable } from "../../src/executors/pbs/outcome.ts";
import { parseStatusJson } from "../../src/executors/pbs/fast-json.ts";
import { parseQstatFull, parseQstatJson } from "../../src/executors/pbs/parse/index.ts";
import type { PbsJobRecord } from "../../src/executors/pbs/parse/types.ts";
import { isFinishedLetter } from "../../src/executors/pbs/state.ts";
import { formatFull, formatJsonCjson, formatJsonV23 } from "../../simulator/format/index.ts";
import { runCommand } from "../../simulator/runner.ts";
import { statJob } from "../../simulator/server/stat.ts";
import { SimServer } from "../../simulator/server/server.ts";
import { hostile } from "./arbitraries.ts";
import { runs, timeoutFor } from "./run.ts";

const RUNS = runs(200);

/** What the executor makes of one record. */
function observe(rec: PbsJobRecord | undefined) {
  if (!rec) return "(missing)";
  const update = isFinishedLetter(rec.state)
    ? finalUpdate(rec, undefined, false)
    : neverRunnable(rec)
    ? { never: rec.comment }
    : liveUpdate(rec);
  return { update, stamp: rec.variables.PSIJ_AGENT_STAMP, state: rec.state };
}

type Op =
  | {
    op: "submit";
    name?: string;
    hold: boolean;
    later: boolean;
    wall?: number;
    array: boolean;
    value: string;
    runS: number;
    exit: number;
    ncpus: number;
  }
  | { op: "advance"; ms: number }
  | { op: "qdel"; pick: number }
  | { op: "qrls"; pick: number }
  | { op: "kill-node" | "revive-node" }
  | { op: "linger"; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("submit" as const),
    name: fc.option(hostile, { nil: undefined }),
    hold: fc.constantFrom(false, false, false, true),
    later: fc.constantFrom(false, false, false, true),
    wall: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
    array: fc.constantFrom(false, false, true),
    value: hostile,
    runS: fc.integer({ min: 1, max: 400 }),
    exit: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })),
    ncpus: fc.constantFrom(1, 2, 8),
  }),
  fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 200_000 }) }),
  fc.record({ op: fc.constant("qdel" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("qrls" as const), pick: fc.nat() }),
  fc.record({ op: fc.constantFrom("kill-node" as const, "revive-node" as const) }),
  fc.record({ op: fc.constant("linger" as const), ms: fc.integer({ min: 1000, max: 60_000 }) }),
);

async function play(ops: Op[]): Promise<SimServer> {
  const clock = new VirtualClock();
  const server = new SimServer({
    clock,
    mode: "model",
    nodes: [{ name: "n1", ncpus: 4, memBytes: 2 ** 34, ngpus: 0 }],
    historyRetentionMs: 10_000_000,
  });
  const env = { USER: "alice", HOME: "/home/alice", PATH: "/usr/bin" };
  const ids = () => [...server.jobs.keys()];
  let n = 0;
  for (const o of ops) {
    if (o.op === "submit") {
      const stamp = `stamp-${++n}`;
      const argv = [
        "qsub",
        "-v",
        `PSIJ_AGENT_STAMP=${stamp},HOSTILE_V=${o.value}`,
        "-l",
        `select=1:ncpus=${o.ncpus}`,
      ];
      // Names go through the executor's own sanitiser, as in a real submission.
      if (o.name !== undefined) argv.push("-N", pbsJobName(o.name));
      if (o.hold) argv.push("-h");
      if (o.later) argv.push("-a", "2359");
      if (o.wall) argv.push("-l", `walltime=${o.wall}`);
      if (o.array) argv.push("-J", "1-3");
      const script = `#!/bin/bash\nexport HOSTILE=${JSON.stringify(o.value)}\n/bin/true\n`;
      const r = runCommand(server, argv, { stdin: script, env, cwd: "/home/alice" });
      const id = r.stdout.trim();
      if (r.exitCode === 0 && !o.array) {
        server.setOutcome(id, { runtimeMs: o.runS * 1000, exitStatus: o.exit });
      }
    } else if (o.op === "advance") await clock.advance(o.ms);
    else if (o.op === "qdel" || o.op === "qrls") {
      const all = ids();
      if (all.length) runCommand(server, [o.op, all[o.pick % all.length]], { env });
    } else if (o.op === "kill-node") server.killNode("n1");
    else if (o.op === "revive-node") server.reviveNode("n1");
    else if (o.op === "linger") server.lingerInE(undefined, o.ms);
  }
  server.tick();
  return server;
}

describe("metamorphic: every simulator state parses alike from v23 JSON, cJSON and -f text", () => {
  it(
    "the three formats give the executor the same observation, and it is the simulator's",
    { timeout: timeoutFor(RUNS, 200) },
    async () => {
      const seen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 15 }), async (ops) => {
          const server = await play(ops);
          const jobs = [...server.jobs.values()];
          const stats = jobs.map((j) => statJob(server, j));
          const h = { timestamp: server.nowSec(), pbsVersion: "23.06.06", pbsServer: server.name };
          const v23 = formatJsonV23(h, stats);
          const cjson = formatJsonCjson(h, stats);
          const parsed = {
            v23: parseQstatJson(v23).jobs,
            v23fast: parseStatusJson(v23).jobs,
            cjson: parseQstatJson(cjson).jobs,
            cjsonFast: parseStatusJson(cjson).jobs,
            text: parseQstatFull(formatFull(stats)).jobs,
          };
          for (const j of jobs) {
            seen.add(
              `${j.state}${
                j.exitStatus === undefined
                  ? ""
                  : `/${
                    j.exitStatus < 0
                      ? j.exitStatus
                      : j.exitStatus > 255
                      ? "sig"
                      : j.exitStatus
                      ? "n"
                      : 0
                  }`
              }`,
            );
            const want = observe(parsed.v23.get(j.id));
            assert.notEqual(want, "(missing)", `${j.id} missing from v23 JSON`);
            for (const [form, map] of Object.entries(parsed)) {
              assert.deepEqual(observe(map.get(j.id)), want, `${j.id} read from ${form}`);
            }
            const rec = parsed.text.get(j.id)!;
            assert.equal(rec.state, j.state, `${j.id}: state letter`);
            assert.equal(rec.exitStatus, j.exitStatus, `${j.id}: Exit_status`);
          }
        }),
        {
          numRuns: RUNS,
          seed: process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined,
          path: process.env.PROPERTY_PATH || undefined,
        },
      );
      if (process.env.PROPERTY_REPORT) console.log([...seen].sort().join(" "));
    },
  );
});
