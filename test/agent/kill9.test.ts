/**
 * The agent is killed with SIGKILL at random moments during bursts of
 * submits (PBS executor, the simulator behind the real qsub/qstat shims, a
 * separate process that outlives the agent). Afterwards the simulator's job
 * list and the store must agree: no job lost, none submitted twice.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { ProcessRunner } from "../../src/batch/process-runner.ts";
import { parseQstatJson } from "../../src/executors/pbs/parse/index.ts";
import { cliArgv, exited, startServe } from "./fixtures/cli.ts";

const SHIMS = fileURLToPath(new URL("../../simulator/shims", import.meta.url));
const ROUNDS = 3;
const PER_ROUND = 24;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function untilRecovered(client: AgentClient): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const h = await client.request("GET", "/v1/health").catch(() => undefined);
    if (h?.status === 200 && h.body.recovering === false) return;
    await sleep(50);
  }
  throw new Error("recovery did not finish");
}

describe("kill -9 during a burst of submits", () => {
  it("loses no job and submits none twice (PBS executor, simulator via shims)", {
    timeout: 180_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-kill9-"));
    const home = join(dir, "home");
    const simSocket = join(dir, "sim.sock");
    const env = {
      PATH: `${SHIMS}:${process.env.PATH}`,
      PSIJ_SIM_SOCKET: simSocket,
    };
    const [exe, ...args] = cliArgv(["sim", "serve", "--socket", simSocket]);
    const sim: ChildProcess = spawn(exe, args, {
      env: { ...process.env, ...env },
      stdio: "ignore",
    });
    const socket = join(home, "agent.sock");
    const serveArgs = ["--home", home, "--executor", "pbs", "--intent-settle", "2"];
    const keys: string[] = [];
    const agents: ChildProcess[] = [];
    try {
      // The shims start a second simulator of their own when none answers yet, and the two
      // would then fight over the socket: wait for this one, however slow the host.
      for (const end = Date.now() + 60_000; !existsSync(simSocket) && Date.now() < end;) {
        assert.equal(sim.exitCode, null, "sim serve exited early");
        await sleep(25);
      }
      assert.ok(existsSync(simSocket), "sim serve did not listen within 60 s");
      for (let round = 0; round < ROUNDS; round++) {
        const agent = await startServe(serveArgs, socket, env);
        agents.push(agent.child);
        agents.push(agent.child);
        const client = new AgentClient({ socket });
        await untilRecovered(client);
        let next = 0;
        const submitOne = async () => {
          while (next < PER_ROUND) {
            const key = `r${round}-${next++}`;
            keys.push(key);
            await client.request(
              "POST",
              "/v1/jobs",
              { version: 1, executable: "/bin/true" },
              { "idempotency-key": key },
            ).catch(() => undefined); // the agent may be gone mid-request
          }
        };
        const burst = Promise.all([submitOne(), submitOne(), submitOne(), submitOne()]);
        await sleep(150 + Math.floor(Math.random() * 900));
        agent.child.kill("SIGKILL");
        await exited(agent.child);
        await burst;
      }
      // A last agent recovers; every key is then submitted again, as a client
      // retrying after the crash would: none may make a second job.
      const agent = await startServe(serveArgs, socket, env);
      agents.push(agent.child);
      const client = new AgentClient({ socket });
      await untilRecovered(client);
      for (const key of keys) {
        const res = await client.request(
          "POST",
          "/v1/jobs",
          { version: 1, executable: "/bin/true" },
          { "idempotency-key": key },
        );
        assert.ok(res.status === 200 || res.status === 201, `${key}: ${res.status}`);
      }
      agent.child.kill("SIGTERM");
      await exited(agent.child);
      // (Deno's child_process reports a signal, not the exit code, for a child that exited
      // after handling SIGTERM; the output and the socket say it shut down cleanly.)
      assert.match(agent.output(), /\nstopped\n/);
      assert.equal(existsSync(socket), false, "socket removed");

      const store = new JobStore(join(home, "agent.db"));
      const jobs = store.listJobs({ limit: 1000 }).jobs;
      assert.deepEqual(store.openIntents(), [], "every intent resolved");
      assert.equal(jobs.length, keys.length, "one job per idempotency key");
      const qstat = await new ProcessRunner().run(["qstat", "-x", "-f", "-F", "json"], {
        env: { ...process.env, ...env } as Record<string, string>,
      });
      assert.equal(qstat.exitCode, 0, qstat.stderr);
      const simJobs = parseQstatJson(qstat.stdout).jobs;
      const byStamp = new Map<string, string[]>();
      for (const [id, rec] of simJobs) {
        // (A script cut short by the SIGKILL would arrive without its stamp.)
        const stamp = rec.variables.PSIJ_AGENT_STAMP;
        assert.ok(stamp, `scheduler job ${id} carries no stamp: ${JSON.stringify(rec.attrs)}`);
        assert.match(String(rec.attrs.Submit_arguments), new RegExp(`${stamp}\\.job`));
        byStamp.set(stamp, [...(byStamp.get(stamp) ?? []), id]);
      }
      for (const [stamp, ids] of byStamp) {
        assert.equal(ids.length, 1, `stamp ${stamp} submitted ${ids.length} times: ${ids}`);
        const job = store.getJob(stamp);
        assert.ok(job, `scheduler job ${ids[0]} (stamp ${stamp}) is unknown to the store`);
        assert.equal(job.nativeId, ids[0]);
      }
      for (const job of jobs) {
        if (job.nativeId) assert.ok(simJobs.has(job.nativeId), `${job.id}: ${job.nativeId} lost`);
        else assert.equal(job.state, "FAILED", `${job.id} has no native id yet is ${job.state}`);
      }
      store.close();
    } finally {
      for (const a of agents) if (a.exitCode === null && a.signalCode === null) a.kill("SIGKILL");
      sim.kill("SIGTERM");
      await exited(sim);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
