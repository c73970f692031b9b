/** Faults: PBS's own connection-failure lines, hangs on the shared clock, lost replies, timed plans. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Faults } from "../../simulator/faults.ts";
import { createSimRunner } from "../../simulator/runner.ts";
import { ALICE_ENV, JOBS_DIR, makeSim, T0 } from "./helpers.ts";

const opts = { cwd: JOBS_DIR, env: ALICE_ENV };

describe("faults", () => {
  it("connection refused: qstat 255, qsub 162, qdel's own line", async () => {
    const sim = makeSim();
    const runner = createSimRunner(sim.server, new Faults([{ kind: "connect", count: 3 }]));
    assert.deepEqual(await runner.run(["qstat", "1"], opts), {
      exitCode: 255,
      stdout: "",
      stderr: "Connection refused\nqstat: cannot connect to server vm (errno=15010)\n",
    });
    assert.deepEqual(await runner.run(["qsub", "exit0.sh"], opts), {
      exitCode: 162,
      stdout: "",
      stderr: "Connection refused\nqsub: cannot connect to server vm (errno=15010)\n",
    });
    assert.deepEqual(await runner.run(["qdel", "1"], opts), {
      exitCode: 162,
      stdout: "",
      stderr: "Connection refused\nCouldn't connect to cluster: vm\n",
    });
    assert.equal(sim.server.jobs.size, 0);
    assert.equal((await runner.run(["qsub", "exit0.sh"], opts)).stdout, "1.vm\n");
  });

  it("a hanging qstat returns timedOut after timeoutMs of the clock", async () => {
    const sim = makeSim();
    const runner = createSimRunner(sim.server, new Faults([{ kind: "hang", commands: ["qstat"] }]));
    let settled = false;
    const p = runner.run(["qstat"], { ...opts, timeoutMs: 30_000 }).then((r) => {
      settled = true;
      return r;
    });
    await sim.clock.advance(29_000);
    assert.equal(settled, false);
    await sim.clock.advance(1_000);
    assert.deepEqual(await p, { exitCode: 124, stdout: "", stderr: "", timedOut: true });
  });

  it("qsub refused transiently creates nothing; a lost reply still creates the job", async () => {
    const sim = makeSim();
    const faults = new Faults();
    const runner = createSimRunner(sim.server, faults);
    faults.inject({ kind: "qsub-refuse" });
    const refused = await runner.run(["qsub", "exit0.sh"], opts);
    assert.deepEqual([refused.exitCode, refused.stderr], [
      212,
      "qsub: Server shutdown completed\n",
    ]);
    assert.equal(sim.server.jobs.size, 0);
    faults.inject({ kind: "qsub-lost-reply" });
    const lost = await runner.run(["qsub", "exit0.sh"], opts);
    assert.deepEqual(lost, { exitCode: 183, stdout: "", stderr: "qsub: Batch protocol error\n" });
    assert.equal((await runner.run(["qselect", "-u", "alice"], opts)).stdout, "1.vm\n");
  });

  it("a seeded timed plan kills a node, purges history early and lingers a job in E", async () => {
    const sim = makeSim({
      nodes: [{ name: "n1", ncpus: 1, memBytes: 2 ** 32, ngpus: 0 }, {
        name: "n2",
        ncpus: 1,
        memBytes: 2 ** 32,
        ngpus: 0,
      }],
    });
    const runner = createSimRunner(
      sim.server,
      new Faults([
        { kind: "node-death", atMs: (T0 + 10) * 1000, node: "n1" },
        { kind: "purge-history", atMs: (T0 + 30) * 1000 },
        { kind: "linger-e", atMs: (T0 + 31) * 1000, ms: 100_000 },
      ]),
    );
    await runner.run(["qsub", "-N", "a", "sleep60.sh"], opts);
    await runner.run(["qsub", "-N", "b", "exit0.sh"], opts);
    sim.server.setOutcome("1", { runtimeMs: 300_000, exitStatus: 0 });
    sim.server.setOutcome("2", { runtimeMs: 5_000, exitStatus: 0 });
    await sim.at(T0 + 11);
    await runner.run(["qstat"], opts);
    const a = sim.server.find("1")!;
    assert.deepEqual([a.state, a.ranChunks?.[0].node, a.runCount], ["R", "n2", 2]);
    await sim.at(T0 + 31);
    assert.equal((await runner.run(["qstat", "-x", "2"], opts)).exitCode, 153);
    await runner.run(["qsub", "-N", "c", "exit0.sh"], opts); // arms linger for every ending job
    await sim.at(T0 + 400);
    assert.equal(sim.server.find("1")!.state, "E");
  });
});

describe("qsub -W block=true", () => {
  it("prints the id, waits, and exits with the job's Exit_status", async () => {
    const sim = makeSim({ outcome: () => ({ runtimeMs: 30_000, exitStatus: 7 }) });
    const runner = createSimRunner(sim.server);
    const p = runner.run(["qsub", "-W", "block=true", "exit0.sh"], opts);
    for (let i = 0; i < 40; i++) await sim.clock.advance(1000);
    assert.deepEqual(await p, { exitCode: 7, stdout: "1.vm\n", stderr: "" });
  });

  it("a deleted job ends the wait with exit 3 and PBS's line", async () => {
    const sim = makeSim({ outcome: () => ({ runtimeMs: 300_000, exitStatus: 0 }) });
    const runner = createSimRunner(sim.server);
    const p = runner.run(["qsub", "-W", "block=true", "exit0.sh"], opts);
    await sim.clock.advance(1000);
    sim.run(["qdel", "1"]);
    await sim.clock.advance(1000);
    assert.deepEqual(await p, {
      exitCode: 3,
      stdout: "1.vm\n",
      stderr: "qsub: 1.vm Job to be deleted at request of alice@vm\n",
    });
  });
});
