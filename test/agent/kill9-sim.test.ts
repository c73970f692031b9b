/**
 * kill -9 of the agent on its default executor, the embedded PBS simulator,
 * in the middle of a burst of submits: the simulator dies with it. Every job
 * the agent acknowledged (201) must end in its true final state, and no
 * scheduler id may name two jobs (the simulator saves a job before qsub
 * prints its id).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { SimJournal } from "../../simulator/journal.ts";
import { SimServer } from "../../simulator/server/server.ts";
import { exited, startServe } from "./fixtures/cli.ts";

const ROUNDS = 3;
const BURST = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function untilRecovered(client: AgentClient): Promise<void> {
  for (const end = Date.now() + 60_000; Date.now() < end;) {
    const h = await client.request("GET", "/v1/health").catch(() => undefined);
    if (h?.status === 200 && h.body.recovering === false) return;
    await sleep(50);
  }
  throw new Error("recovery did not finish");
}

describe("kill -9 of the agent and its embedded simulator", () => {
  it("every acknowledged job ends in its true state, and no scheduler id names two jobs", {
    timeout: 300_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-kill9-sim-"));
    const home = join(dir, "home");
    const socket = join(home, "agent.sock");
    const serveArgs = ["--home", home, "--executor", "sim", "--intent-settle", "2"];
    const acknowledged = new Set<string>();
    const agents: ChildProcess[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const agent = await startServe(serveArgs, socket);
        agents.push(agent.child);
        const client = new AgentClient({ socket });
        await untilRecovered(client);
        // The kill lands just after an acknowledgement, mid-burst: where a save that lags
        // behind the reply loses jobs.
        const killAfter = 5 + Math.floor(Math.random() * (BURST - 10));
        let acked = 0;
        let kill!: () => void;
        const killed = new Promise<void>((resolve) => (kill = resolve));
        const burst = Array.from({ length: BURST }, (_, i) =>
          client.request(
            "POST",
            "/v1/jobs",
            { version: 1, executable: "/bin/true" },
            { "idempotency-key": `r${round}-${i}` },
          ).then((res) => {
            if (res.status !== 201) return;
            acknowledged.add(res.body.id);
            if (++acked === killAfter) kill();
          }, () => undefined)); // the agent may be gone mid-request
        await Promise.race([killed, Promise.all(burst)]);
        agent.child.kill("SIGKILL");
        await exited(agent.child);
        await Promise.all(burst);
      }
      assert.ok(acknowledged.size > 0, "some submits were acknowledged before the kills");
      const agent = await startServe(serveArgs, socket);
      agents.push(agent.child);
      const client = new AgentClient({ socket });
      await untilRecovered(client);
      const final = new Set(["COMPLETED", "FAILED", "CANCELED"]);
      for (const end = Date.now() + 120_000; Date.now() < end;) {
        const list = await client.request("GET", "/v1/jobs?limit=1000");
        if (list.body.jobs.every((j: { state: string }) => final.has(j.state))) break;
        await sleep(250);
      }
      agent.child.kill("SIGTERM");
      await exited(agent.child);

      const store = new JobStore(join(home, "agent.db"));
      const jobs = store.listJobs({ limit: 1000 }).jobs;
      for (const id of acknowledged) {
        const job = store.getJob(id)!;
        assert.equal(job.state, "COMPLETED", `${id} (${job.nativeId}): ${job.message}`);
      }
      const byNative = new Map<string, string>();
      for (const job of jobs) {
        if (!job.nativeId) continue;
        const other = byNative.get(job.nativeId);
        assert.equal(other, undefined, `${job.nativeId} names ${other} and ${job.id}`);
        byNative.set(job.nativeId, job.id);
      }
      store.close();
      // The simulator's own record: each of those ids is the job with that job's stamp.
      const sim = new SimServer({ name: "pbs-sim", mode: "model" });
      new SimJournal(sim, join(home, "work", "sim", "server.json")).load();
      for (const [nativeId, id] of byNative) {
        const simJob = sim.jobs.get(nativeId);
        assert.ok(simJob, `${nativeId} (${id}) unknown to the simulator`);
        assert.match(simJob.variableList, new RegExp(`PSIJ_AGENT_STAMP=${id}(,|$)`), nativeId);
      }
    } finally {
      for (const a of agents) if (a.exitCode === null && a.signalCode === null) a.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
