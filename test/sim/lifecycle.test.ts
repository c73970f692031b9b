/** Holds, start times, dependencies, arrays, walltime, history, node failure, E state. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeSim, T0 } from "./helpers.ts";

describe("holds and start times", () => {
  it("qhold puts a queued job in H/20 with the hold comment; qrls clears it", () => {
    const sim = makeSim({ nodes: [{ name: "vm", ncpus: 1, memBytes: 2 ** 32, ngpus: 0 }] });
    sim.run(["qsub", "sleep60.sh"]);
    sim.run(["qsub", "-N", "second", "sleep60.sh"]);
    assert.deepEqual(sim.run(["qhold", "2"]), { exitCode: 0, stdout: "", stderr: "" });
    const j = sim.server.find("2")!;
    assert.deepEqual([j.state, j.substate, j.holdTypes], ["H", 20, "u"]);
    assert.equal(j.comment, "Job held by alice on Wed Nov 25 09:55:34 2026");
    sim.run(["qrls", "2"]);
    assert.deepEqual([j.state, j.holdTypes, j.comment], ["Q", "n", undefined]);
  });

  it("qhold of a running job succeeds and it keeps running", () => {
    const sim = makeSim();
    sim.run(["qsub", "sleep60.sh"]);
    assert.equal(sim.run(["qhold", "1"]).exitCode, 0);
    assert.equal(sim.server.find("1")!.state, "R");
  });

  it("qhold errors: unknown 153, finished 35 without the id", async () => {
    const sim = makeSim();
    sim.run(["qsub", "exit0.sh"]);
    sim.server.setOutcome("1", { runtimeMs: 1000, exitStatus: 0 });
    await sim.at(T0 + 5);
    assert.deepEqual(sim.run(["qhold", "1"]), {
      exitCode: 35,
      stdout: "",
      stderr: "qhold: Job has finished\n",
    });
    assert.deepEqual(sim.run(["qrls", "77"]), {
      exitCode: 153,
      stdout: "",
      stderr: "qrls: Unknown Job Id 77.vm\n",
    });
  });

  it("-a holds a job in W/30 until its time", async () => {
    const sim = makeSim();
    sim.run(["qsub", "-a", "1000", "sleep60.sh"]); // 10:00 the same day
    const j = sim.server.find("1")!;
    assert.deepEqual([j.state, j.substate], ["W", 30]);
    assert.match(
      sim.run(["qstat", "-f", "1"]).stdout,
      /Execution_Time = Wed Nov 25 10:00:00 2026\n/,
    );
    await sim.at(T0 + 300);
    assert.equal(j.state, "R");
  });
});

describe("dependencies", () => {
  it("afterok waits in H/22 (Hold_Types s) and runs after a clean exit", async () => {
    const sim = makeSim();
    sim.run(["qsub", "exit0.sh"]);
    sim.server.setOutcome("1", { runtimeMs: 10_000, exitStatus: 0 });
    sim.run(["qsub", "-W", "depend=afterok:1", "exit0.sh"]);
    const c = sim.server.find("2")!;
    assert.deepEqual([c.state, c.substate, c.holdTypes], ["H", 22, "s"]);
    assert.match(sim.run(["qstat", "-f", "2"]).stdout, /depend = afterok:1.vm@vm\n/);
    await sim.at(T0 + 11);
    assert.equal(c.state, "R");
  });

  it("afterok on a failed job deletes the dependent: F/92, no Exit_status, no comment (as the real server)", async () => {
    const sim = makeSim();
    sim.run(["qsub", "exit3.sh"]);
    sim.server.setOutcome("1", { runtimeMs: 5_000, exitStatus: 3 });
    sim.run(["qsub", "-W", "depend=afterok:1.vm", "exit0.sh"]);
    sim.run(["qsub", "-W", "depend=afternotok:1.vm", "exit0.sh"]);
    await sim.at(T0 + 6);
    const c = sim.server.find("2")!;
    assert.deepEqual([c.state, c.substate, c.exitStatus], ["F", 92, undefined]);
    assert.equal(c.comment, undefined);
    assert.equal(sim.server.find("3")!.state, "R");
  });

  it("a dependency on an unknown job: the id is printed, then the job is aborted", () => {
    const sim = makeSim();
    assert.equal(sim.run(["qsub", "-W", "depend=afterany:999", "exit0.sh"]).stdout, "1.vm\n");
    assert.equal(sim.server.find("1")!.state, "F");
  });
});

describe("arrays", () => {
  it("parent Q → B → F, subjobs X, -t lists them, %max caps concurrency", async () => {
    const sim = makeSim({ nodes: [{ name: "vm", ncpus: 8, memBytes: 2 ** 34, ngpus: 0 }] });
    assert.equal(sim.run(["qsub", "-J", "1-4%2", "-N", "arr", "sleep60.sh"]).stdout, "1[].vm\n");
    const p = sim.server.find("1[]")!;
    for (const s of p.subjobs!) sim.server.setOutcome(s.id, { runtimeMs: 10_000, exitStatus: 0 });
    assert.equal(p.state, "B");
    assert.equal(p.subjobs!.filter((s) => s.state === "R").length, 2);
    const t = sim.run(["qstat", "-t"]).stdout.split("\n").filter((l) => l.startsWith("1["));
    assert.deepEqual(t.map((l) => l.slice(0, 8).trim() + " " + l[62]), [
      "1[].vm B",
      "1[1].vm R",
      "1[2].vm R",
      "1[3].vm Q",
      "1[4].vm Q",
    ]);
    await sim.at(T0 + 11);
    assert.equal(p.subjobs!.filter((s) => s.state === "X").length, 2);
    await sim.at(T0 + 22);
    assert.deepEqual([p.state, p.exitStatus], ["F", 0]);
    assert.match(
      sim.run(["qstat", "-x", "-f", "1[]"]).stdout,
      /array_state_count = Queued:0 Running:0 Exiting:0 Expired:4 \n/,
    );
  });

  it("bad -J and non-rerunnable arrays are refused client-side", () => {
    const sim = makeSim();
    const bad = sim.run(["qsub", "-J", "5-1", "exit0.sh"]);
    assert.equal(bad.exitCode, 2);
    assert.ok(bad.stderr.startsWith("qsub: illegal -J value\nusage: qsub"));
    assert.deepEqual(sim.run(["qsub", "-r", "n", "-J", "1-3", "exit0.sh"]), {
      exitCode: 2,
      stdout: "",
      stderr: "qsub:  cannot submit non-rerunable Array Job\n",
    });
  });
});

describe("walltime, history, failures", () => {
  it("model mode: a job over its walltime ends -29 with the walltime comment", async () => {
    const sim = makeSim();
    sim.run(["qsub", "-l", "walltime=00:00:10", "sleep60.sh"]);
    sim.server.setOutcome("1", { runtimeMs: 60_000, exitStatus: 0 });
    await sim.at(T0 + 12);
    const j = sim.server.find("1")!;
    assert.deepEqual([j.state, j.exitStatus, j.substate], ["F", -29, 93]);
    assert.match(j.comment!, / and exceeded resource walltime$/);
  });

  it("history is kept for the retention, then purged (Unknown Job Id)", async () => {
    const sim = makeSim({ historyRetentionMs: 60_000 });
    sim.run(["qsub", "exit0.sh"]);
    sim.server.setOutcome("1", { runtimeMs: 1_000, exitStatus: 0 });
    await sim.at(T0 + 30);
    assert.equal(sim.run(["qstat", "-x", "1"]).exitCode, 0);
    await sim.at(T0 + 62);
    assert.deepEqual(sim.run(["qstat", "-x", "1"]), {
      exitCode: 153,
      stdout: "",
      stderr: "qstat: Unknown Job Id 1.vm\n",
    });
  });

  it("with history off, -x is refused before lookup and exits 0", () => {
    const sim = makeSim({ historyEnabled: false });
    assert.deepEqual(sim.run(["qstat", "-x", "5"]), {
      exitCode: 0,
      stdout: "",
      stderr: "qstat: PBS is not configured to maintain job history 5.vm\n",
    });
  });

  it("node death: a rerunnable job requeues (run_count 2), a non-rerunnable one ends", () => {
    const sim = makeSim({
      nodes: [{ name: "n1", ncpus: 2, memBytes: 2 ** 32, ngpus: 0 }, {
        name: "n2",
        ncpus: 2,
        memBytes: 2 ** 32,
        ngpus: 0,
      }],
    });
    sim.run(["qsub", "-l", "select=1:ncpus=2", "sleep60.sh"]);
    sim.run(["qsub", "-r", "n", "-l", "select=1:ncpus=2", "sleep60.sh"]);
    const [a, b] = [sim.server.find("1")!, sim.server.find("2")!];
    const nodeOfA = a.ranChunks![0].node;
    const nodeOfB = b.ranChunks![0].node;
    sim.server.killNode(nodeOfA);
    sim.server.killNode(nodeOfB);
    assert.deepEqual([a.state, a.runCount], ["Q", 1]);
    assert.deepEqual([b.state, b.exitStatus], ["F", -20]);
    sim.server.reviveNode(nodeOfA);
    assert.deepEqual([a.state, a.runCount], ["R", 2]);
  });

  it("a job lingering in E refuses qdel (168) until -W force", async () => {
    const sim = makeSim();
    sim.run(["qsub", "exit0.sh"]);
    sim.server.setOutcome("1", { runtimeMs: 1_000, exitStatus: 0 });
    sim.server.lingerInE("1", 60_000);
    await sim.at(T0 + 5);
    assert.equal(sim.server.find("1")!.state, "E");
    assert.deepEqual(sim.run(["qdel", "1"]), {
      exitCode: 168,
      stdout: "",
      stderr: "qdel: Request invalid for state of job 1.vm\n",
    });
    assert.equal(sim.run(["qdel", "-W", "force", "1"]).exitCode, 0);
    assert.equal(sim.server.find("1")!.state, "F");
  });

  it("qdel of a queued job: F/91, no Exit_status; qdel -x purges history silently", () => {
    const sim = makeSim();
    sim.run(["qsub", "-h", "exit0.sh"]);
    assert.equal(sim.run(["qdel", "1"]).exitCode, 0);
    const j = sim.server.find("1")!;
    assert.deepEqual([j.state, j.substate, j.exitStatus], ["F", 91, undefined]);
    assert.doesNotMatch(sim.run(["qstat", "-x", "-f", "1"]).stdout, /Exit_status/);
    assert.deepEqual(sim.run(["qdel", "-x", "1"]), { exitCode: 0, stdout: "", stderr: "" });
    assert.equal(sim.server.find("1"), undefined);
  });
});

describe("comments on deletion", () => {
  it("a waiting job deleted keeps the scheduler's comment plus ' and terminated'", () => {
    const sim = makeSim({ nodes: [{ name: "vm", ncpus: 1, memBytes: 2 ** 32, ngpus: 0 }] });
    sim.run(["qsub", "sleep60.sh"]);
    sim.run(["qsub", "sleep60.sh"]);
    sim.run(["qdel", "2"]);
    assert.equal(
      sim.server.find("2")!.comment,
      "Not Running: Insufficient amount of resource: ncpus (R: 1 A: 0 T: 1) and terminated",
    );
  });
});
