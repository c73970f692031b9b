// The agent end to end on the real OpenPBS: `serve` with no --executor
// picks pbs because PBS answers; submit over the CLI and over HTTP (TCP,
// bearer token), events, cancel; then kill -9 of the agent during a burst of
// 50 submissions, the jobs ending while it is down, and a restart: every
// acknowledged job is in PBS exactly once and ends in the state PBS's own
// record gives. Skipped with the reason when no PBS answers; failing instead
// when REQUIRE_PBS=1.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { parseQstatJson } from "../../src/executors/pbs/parse/index.ts";
import type { PbsJobRecord } from "../../src/executors/pbs/parse/types.ts";
import { exited, runCli, startServe } from "../agent/fixtures/cli.ts";
import { OPT, scratch, sleep, until, WAIT } from "./rig.ts";
import { needPbs } from "./support.ts";

const WAIT_S = String(WAIT / 1000);
const BURST = 50;

/** PBS's records (live and history) of the jobs named `name`. */
function pbsJobsNamed(name: string): PbsJobRecord[] {
  const ids = spawnSync("qselect", ["-x", "-N", name], { encoding: "utf8" }).stdout.trim();
  if (!ids) return [];
  const r = spawnSync("qstat", ["-x", "-f", "-F", "json", ...ids.split("\n")], {
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
  return [...parseQstatJson(r.stdout).jobs.values()];
}

describe("the agent on a real OpenPBS", () => {
  const { base } = scratch("psij-pbs-agent-");
  const home = join(base, "home");
  const socket = join(home, "agent.sock");
  const tag = `p${process.pid}`;
  const children: ChildProcess[] = [];
  let agent: { child: ChildProcess; output: () => string } | undefined;
  let url = "";

  const cli = (args: string[]) => runCli([args[0], "--home", home, ...args.slice(1)]);
  async function json(args: string[], code = 0) {
    const r = await cli([args[0], "--json", ...args.slice(1)]);
    assert.equal(r.code, code, `${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }
  async function serve(extra: string[] = []) {
    delete process.env.PSIJ_AGENT_EXECUTOR; // auto: the agent decides
    const a = await startServe(["--home", home, ...extra], socket);
    children.push(a.child);
    return a;
  }
  // Recovery's stamp look-ups list the user's whole PBS history (docs/pbs-real.md): on a server
  // that has kept thousands of root's jobs it takes minutes, on CI's fresh one seconds.
  async function recovered(client: AgentClient) {
    await until("the agent's recovery", async () => {
      const h = await client.request("GET", "/v1/health").catch(() => undefined);
      return h?.status === 200 && h.body.recovering === false;
    }, 900_000);
  }

  before(async () => {
    if (OPT.skip) return;
    needPbs();
    agent = await serve(["--listen", "127.0.0.1:0", "--intent-settle", "2"]);
    url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(agent.output())?.[1] ?? "";
  });
  after(async () => {
    if (OPT.skip) return;
    const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
    for (const c of running) c.kill("SIGKILL");
    for (const c of running) await exited(c);
    // Nothing of this file stays in PBS, whatever failed.
    const live = spawnSync("qselect", ["-u", "root"], { encoding: "utf8" }).stdout.trim();
    const ours = pbsJobsNamed(`${tag}-sleep`).map((r) => r.id);
    if (live && ours.length) spawnSync("qdel", ours.filter((id) => live.includes(id)));
  }, { timeout: 120_000 });

  it("serve with no --executor picks pbs because PBS answers", OPT, async () => {
    needPbs();
    assert.match(agent!.output(), /PBS detected \(pbs_version 23\.06\.06\)/);
    const ex = await json(["executors"]).catch(async () =>
      (await new AgentClient({ socket }).request("GET", "/v1/executors")).body
    );
    const def = ex.executors.find((e: { default: boolean }) => e.default);
    assert.equal(def.name, "pbs");
  });

  it("CLI: run /bin/echo, wait → COMPLETED, its PBS id, the full history", OPT, async () => {
    needPbs();
    const job = await json(["run", "--name", `${tag}-echo`, "--", "/bin/echo", "hi"]);
    assert.equal(job.executor, "pbs");
    assert.match(job.nativeId, /^\d+\.\S+$/);
    const waited = await json(["wait", job.id, "--timeout", WAIT_S]);
    assert.equal(waited.state, "COMPLETED");
    assert.equal(waited.exitCode, 0);
    const st = await json(["status", job.id]);
    assert.deepEqual(st.history.map((h: { state: string }) => h.state), [
      "QUEUED",
      "STAGE_IN",
      "ACTIVE",
      "STAGE_OUT",
      "CLEANUP",
      "COMPLETED",
    ]);
    assert.equal(st.history.at(-1).evidence, "exit-code-file");
    // The end came from the job's exit-code file, often before PBS's record of it: PBS then
    // records the same end, and the agent adds what PBS recorded to the final entry.
    let rec: PbsJobRecord | undefined;
    await until("PBS to record the job as finished", () => {
      [rec] = pbsJobsNamed(`${tag}-echo`);
      return rec?.state === "F";
    });
    assert.equal(rec!.id, job.nativeId);
    assert.equal(rec!.exitStatus, 0);
    let last: { state: string; evidence: string; metadata?: Record<string, unknown> } | undefined;
    await until("the agent to add PBS's record to the final entry", async () => {
      last = (await json(["status", job.id])).history.at(-1);
      return last?.metadata?.pbsState === "F";
    });
    assert.equal(last!.state, "COMPLETED");
    assert.equal(last!.metadata?.exitStatus, 0);
    assert.equal(
      typeof (last!.metadata?.resourcesUsed as Record<string, string>)?.walltime,
      "string",
    );
  });

  it(
    "HTTP over TCP with the token: POST /v1/jobs, /bin/false → FAILED 1; events match",
    OPT,
    async () => {
      needPbs();
      assert.ok(url, `no TCP listener in the output:\n${agent!.output()}`);
      const token = readFileSync(join(home, "token"), "utf8").trim();
      const http = new AgentClient({ url, token });
      const res = await http.request("POST", "/v1/jobs", {
        version: 1,
        executable: "/bin/false",
        name: `${tag}-false`,
      }, { "idempotency-key": `${tag}-false` });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const id = res.body.id;
      await until(
        "FAILED",
        async () => (await http.request("GET", `/v1/jobs/${id}`)).body.state === "FAILED",
      );
      const job = (await http.request("GET", `/v1/jobs/${id}`)).body;
      assert.equal(job.exitCode, 1);
      const again = await http.request("POST", "/v1/jobs", {
        version: 1,
        executable: "/bin/false",
        name: `${tag}-false`,
      }, { "idempotency-key": `${tag}-false` });
      assert.equal(again.status, 200);
      assert.equal(again.body.id, id);
      assert.equal(pbsJobsNamed(`${tag}-false`).length, 1, "the retried key made no second job");
      const events = (await cli(["events", "--json"])).stdout.trim().split("\n").map((l) =>
        JSON.parse(l)
      ).filter((e) => e.jobId === id);
      assert.deepEqual(
        events.map((e) => e.state),
        job.history.map((h: { state: string }) => h.state),
      );
      assert.equal(events.at(-1).state, "FAILED");
    },
  );

  it(
    "cancel of a running job over the CLI → CANCELED, wait exits 2; PBS ended it",
    OPT,
    async () => {
      needPbs();
      const job = await json(["run", "--name", `${tag}-sleep`, "--", "/bin/sleep", "300"]);
      await until("ACTIVE", async () => (await json(["status", job.id])).state === "ACTIVE");
      const c = await cli(["cancel", job.id]);
      assert.equal(c.code, 0, c.stderr);
      const waited = await json(["wait", job.id, "--timeout", WAIT_S], 2);
      assert.equal(waited.state, "CANCELED");
      await until("PBS's record F", () => pbsJobsNamed(`${tag}-sleep`)[0]?.state === "F");
      await sleep(2000); // the agent's poller sees PBS's end (0, 271 or 265): the state stays
      assert.equal((await json(["status", job.id])).state, "CANCELED");
    },
  );

  it(
    `kill -9 during a burst of ${BURST}; jobs end while it is down; restart: each acknowledged job once in PBS, in its true final state`,
    { ...OPT, timeout: 1_500_000 },
    async () => {
      needPbs();
      const name = `${tag}-burst`;
      const client = new AgentClient({ socket });
      const acked = new Set<string>();
      const tried: string[] = [];
      let next = 0;
      const spec = (i: number) => ({
        version: 1,
        executable: "/bin/bash",
        arguments: ["-c", `exit ${i % 3 === 0 ? 3 : 0}`],
        name,
      });
      const worker = async () => {
        while (next < BURST) {
          const i = next++;
          const key = `${tag}-${i}`;
          tried.push(key);
          const r = await client.request("POST", "/v1/jobs", spec(i), { "idempotency-key": key })
            .catch(() => undefined); // the agent may be gone mid-request
          if (r && (r.status === 201 || r.status === 200)) acked.add(key);
        }
      };
      const t0 = Date.now();
      const mark = (what: string) => console.log(`burst: ${what} at +${Date.now() - t0} ms`);
      const burst = Promise.all([worker(), worker(), worker(), worker()]);
      await until("10 acknowledged submissions", () => acked.size >= 10);
      agent!.child.kill("SIGKILL");
      await exited(agent!.child);
      await burst;
      mark(`killed after ${acked.size} acknowledged`);
      assert.ok(acked.size < BURST, "the agent died before the burst ended");
      // While the agent is down, every job that reached PBS ends.
      await until("PBS to end every burst job", () => {
        const live = spawnSync("qselect", ["-N", name], { encoding: "utf8" }).stdout.trim();
        return live === "";
      });
      mark("PBS ended them all");
      agent = await serve(["--intent-settle", "2"]);
      await recovered(client);
      mark("recovered");
      // A client retrying after the crash sends every key again: none makes a second job.
      const idOf = new Map<string, string>();
      for (let i = 0; i < BURST; i++) {
        const key = `${tag}-${i}`;
        const r = await client.request("POST", "/v1/jobs", spec(i), { "idempotency-key": key });
        assert.ok(r.status === 200 || r.status === 201, `${key}: ${r.status}`);
        if (acked.has(key)) assert.equal(r.status, 200, `acknowledged ${key} was submitted again`);
        idOf.set(key, r.body.id);
      }
      mark("recovered, resubmitted every key");
      await until("every burst job final in the agent", async () => {
        for (const id of idOf.values()) {
          const st = (await client.request("GET", `/v1/jobs/${id}`)).body.state;
          if (!["COMPLETED", "FAILED", "CANCELED"].includes(st)) return false;
        }
        return true;
      });
      mark("all final");
      // A job's end may be the agent's (its exit-code file) before it is PBS's record.
      await until(
        "PBS to record every burst job as finished",
        () => pbsJobsNamed(name).every((r) => r.state === "F"),
      );
      agent.child.kill("SIGTERM");
      await exited(agent.child);

      const pbs = new Map(pbsJobsNamed(name).map((r) => [r.id, r]));
      const byStamp = new Map<string, string[]>();
      for (const [id, rec] of pbs) {
        const stamp = rec.variables.PSIJ_AGENT_STAMP;
        assert.ok(stamp, `PBS job ${id} carries no stamp`);
        byStamp.set(stamp, [...(byStamp.get(stamp) ?? []), id]);
      }
      for (const [stamp, ids] of byStamp) {
        assert.equal(ids.length, 1, `${stamp} in PBS ${ids.length} times: ${ids}`);
      }
      const store = new JobStore(join(home, "agent.db"));
      try {
        assert.deepEqual(store.openIntents(), [], "every intent resolved");
        assert.equal(new Set(idOf.values()).size, BURST, "one job per idempotency key");
        let inPbs = 0;
        for (const [key, id] of idOf) {
          const job = store.getJob(id)!;
          if (!job.nativeId) {
            assert.ok(!acked.has(key), `acknowledged ${key} has no PBS job`);
            assert.equal(job.state, "FAILED", `${job.id} has no PBS id yet is ${job.state}`);
            continue;
          }
          inPbs++;
          const rec = pbs.get(job.nativeId);
          assert.ok(rec, `${key}: ${job.nativeId} is not in PBS`);
          assert.deepEqual(byStamp.get(id), [job.nativeId], `${key}: PBS has its stamp once`);
          assert.equal(rec.state, "F");
          const want = rec.exitStatus === 0 ? "COMPLETED" : "FAILED";
          assert.equal(
            job.state,
            want,
            `${key}: PBS Exit_status ${rec.exitStatus}; ${job.message}`,
          );
          assert.equal(job.exitCode, rec.exitStatus);
        }
        assert.equal(pbs.size, inPbs, "no PBS job unknown to the store");
      } finally {
        store.close();
      }
    },
  );
});
