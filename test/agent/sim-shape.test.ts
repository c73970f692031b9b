/**
 * The embedded simulator's shape: PSIJ_SIM_NODES / PSIJ_SIM_NCPUS give `serve` more (simulated)
 * nodes than this machine, so a multi-node job (psij-python's own resource tests ask for 2 nodes ×
 * 4 processes) runs here instead of never running.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentPaths } from "../../src/agent/access.ts";
import { startAgent } from "../../src/agent/agent.ts";
import { simShapeFromEnv } from "../../src/agent/sim-executor.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the embedded simulator's shape", () => {
  it("PSIJ_SIM_NODES and PSIJ_SIM_NCPUS are read as whole numbers, anything else named", () => {
    assert.deepEqual(simShapeFromEnv({}), {});
    assert.deepEqual(simShapeFromEnv({ PSIJ_SIM_NODES: "2", PSIJ_SIM_NCPUS: "8" }), {
      nodes: 2,
      ncpus: 8,
    });
    assert.throws(() => simShapeFromEnv({ PSIJ_SIM_NODES: "0" }), /PSIJ_SIM_NODES.*"0"/);
    assert.throws(() => simShapeFromEnv({ PSIJ_SIM_NCPUS: "4x" }), /PSIJ_SIM_NCPUS.*"4x"/);
  });

  it(
    "a 2-node × 4-process job completes on a sim of 2 nodes × 4 ncpus, its nodefile naming 8 slots",
    {
      timeout: 90_000,
    },
    async () => {
      const home = mkdtempSync(join(tmpdir(), "psij-sim-shape-"));
      try {
        const paths = agentPaths(home);
        const agent = await startAgent({
          paths,
          executor: "sim",
          simShape: { nodes: 2, ncpus: 4 },
        });
        try {
          const out = join(home, "nodefile.txt");
          const { job } = await agent.service.submit({
            version: 1,
            executable: "/bin/sh",
            arguments: ["-c", 'cat "$PSIJ_NODEFILE"'],
            stdoutPath: out,
            launcher: "single",
            resources: { nodeCount: 2, processesPerNode: 4 },
          });
          const end = Date.now() + 60_000;
          while (
            Date.now() < end &&
            !["COMPLETED", "FAILED"].includes(agent.service.getRecord(job.id).state)
          ) {
            await sleep(50);
          }
          const done = agent.service.getRecord(job.id);
          assert.equal(done.state, "COMPLETED", done.message ?? "");
          const lines = readFileSync(out, "utf8").trim().split("\n");
          assert.equal(lines.length, 8);
          assert.equal(new Set(lines).size, 2, "two nodes named");
        } finally {
          await agent.stop();
        }
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
});
