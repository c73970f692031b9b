/** The scheduler: FIFO with passing, placement, comments, queue limits. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeSim } from "./helpers.ts";

const node = (name: string, ncpus = 8) => ({ name, ncpus, memBytes: 16 * 1024 ** 3, ngpus: 0 });

describe("scheduling", () => {
  it("a later small job passes a blocked big one; the big one says why it waits", () => {
    const sim = makeSim({ nodes: [node("n1"), node("n2")] });
    sim.run(["qsub", "-l", "select=1:ncpus=6", "-N", "a", "sleep60.sh"]);
    sim.run(["qsub", "-l", "select=1:ncpus=6", "-N", "b", "sleep60.sh"]);
    sim.run(["qsub", "-l", "select=1:ncpus=8", "-N", "big", "sleep60.sh"]);
    sim.run(["qsub", "-l", "select=1:ncpus=2", "-N", "small", "sleep60.sh"]);
    const s = (id: string) => sim.server.find(id)!;
    assert.deepEqual(["1", "2", "3", "4"].map((i) => s(i).state), ["R", "R", "Q", "R"]);
    // Evaluated in the cycle the small job's arrival ran, before the small one took 2 cpus.
    const f = sim.run(["qstat", "-f", "-w", "3"]).stdout;
    assert.match(
      f,
      /comment = Not Running: Insufficient amount of resource: ncpus \(R: 8 A: 4 T: 16\)\n/,
    );
  });

  it("jobs of one shape start in submission order", async () => {
    const sim = makeSim({ nodes: [node("n1", 2)] });
    for (let i = 0; i < 5; i++) sim.run(["qsub", "-N", `j${i}`, "sleep60.sh"]);
    for (let i = 1; i <= 5; i++) {
      sim.server.setOutcome(String(i), { runtimeMs: 10_000 * i, exitStatus: 0 });
    }
    const starts: string[] = [];
    for (let s = 0; s < 120; s += 5) {
      await sim.at(sim.server.nowSec() + 5);
      for (const j of sim.server.order()) {
        if (j.stime !== undefined && !starts.includes(j.id)) starts.push(j.id);
      }
    }
    assert.deepEqual(starts, ["1.vm", "2.vm", "3.vm", "4.vm", "5.vm"]);
  });

  it("a request larger than the cluster can never run", () => {
    const sim = makeSim({ nodes: [node("n1")] });
    sim.run(["qsub", "-l", "select=1:ncpus=16", "sleep60.sh"]);
    assert.equal(
      sim.server.find("1")!.state + " " +
        sim.run(["qstat", "-f", "-w", "1"]).stdout.match(/comment = (.*)\n/)![1],
      "Q Can Never Run: Insufficient amount of resource: ncpus (R: 16 A: 8 T: 8)",
    );
  });

  it("scatter puts one chunk per host; exec_host and exec_vnode read like PBS", () => {
    const sim = makeSim({ nodes: [node("n1"), node("n2")] });
    sim.run(["qsub", "-l", "select=2:ncpus=4:mem=1gb", "-l", "place=scatter", "sleep60.sh"]);
    const j = sim.server.find("1")!;
    assert.equal(j.execHost, "n1/0*4+n2/0*4");
    assert.equal(j.execVnode, "(n1:ncpus=4:mem=1048576kb)+(n2:ncpus=4:mem=1048576kb)");
    const f = sim.run(["qstat", "-f", "1"]).stdout;
    assert.match(f, /Resource_List.mem = 2gb\n/);
    assert.match(f, /Resource_List.ncpus = 8\n/);
    assert.match(f, /Resource_List.nodect = 2\n/);
    assert.match(f, /Resource_List.place = scatter\n/);
  });

  it("pack keeps all chunks on one host, excl takes the whole node", () => {
    const sim = makeSim({ nodes: [node("n1"), node("n2")] });
    sim.run(["qsub", "-l", "select=2:ncpus=2", "-l", "place=pack", "sleep60.sh"]);
    assert.deepEqual(new Set(sim.server.find("1")!.ranChunks!.map((p) => p.node)).size, 1);
    sim.run(["qsub", "-l", "select=1:ncpus=1", "-l", "place=excl", "sleep60.sh"]);
    sim.run(["qsub", "-l", "select=1:ncpus=1", "sleep60.sh"]);
    const excl = sim.server.find("2")!.ranChunks![0].node;
    const other = sim.server.find("3")!.ranChunks![0].node;
    assert.notEqual(excl, other);
  });

  it("a higher-priority queue is served first", async () => {
    const sim = makeSim({
      nodes: [node("n1", 1)],
      queues: [{ name: "workq" }, { name: "fast", priority: 100 }],
    });
    sim.run(["qsub", "-N", "first", "sleep60.sh"]);
    sim.server.setOutcome("1", { runtimeMs: 10_000, exitStatus: 0 });
    sim.run(["qsub", "-N", "slow", "sleep60.sh"]);
    sim.run(["qsub", "-q", "fast", "-N", "fast", "sleep60.sh"]);
    await sim.at(sim.server.nowSec() + 11);
    assert.equal(sim.server.find("3")!.state, "R");
    assert.equal(sim.server.find("2")!.state, "Q");
  });

  it("max_run leaves jobs queued with the queue-limit comment", () => {
    const sim = makeSim({ queues: [{ name: "workq", maxRun: 1 }] });
    sim.run(["qsub", "sleep60.sh"]);
    sim.run(["qsub", "sleep60.sh"]);
    assert.equal(sim.server.find("2")!.state, "Q");
    assert.match(
      sim.run(["qstat", "-f", "2"]).stdout,
      /comment = Not Running: Queue workq job limit has been reached\.\n/,
    );
  });

  it("queue limits refuse at qsub: resources_max 188, max_queued 38, disabled 173", () => {
    const sim = makeSim({
      queues: [{ name: "workq", resourcesMax: { ncpus: "2" }, maxQueued: 1 }, {
        name: "off",
        enabled: false,
      }],
    });
    assert.deepEqual(sim.run(["qsub", "-l", "select=1:ncpus=4", "exit0.sh"]), {
      exitCode: 188,
      stdout: "",
      stderr: "qsub: Job violates queue and/or server resource limits\n",
    });
    assert.equal(sim.run(["qsub", "exit0.sh"]).exitCode, 0);
    assert.deepEqual(sim.run(["qsub", "exit0.sh"]), {
      exitCode: 38,
      stdout: "",
      stderr: "qsub: Maximum number of jobs already in queue workq\n",
    });
    assert.deepEqual(sim.run(["qsub", "-q", "off", "exit0.sh"]), {
      exitCode: 173,
      stdout: "",
      stderr: "qsub: Queue is not enabled\n",
    });
  });

  it("select and place errors use the server's texts", () => {
    const sim = makeSim();
    assert.equal(
      sim.run(["qsub", "-l", "select=1:foo=2", "exit0.sh"]).stderr,
      "qsub: Unknown resource: foo\n",
    );
    assert.equal(sim.run(["qsub", "-l", "select=1:foo=2", "exit0.sh"]).exitCode, 187);
    assert.equal(
      sim.run(["qsub", "-l", "select=1:walltime=10", "exit0.sh"]).stderr,
      'qsub: Resource invalid in "select" specification: walltime\n',
    );
    assert.equal(
      sim.run(["qsub", "-l", "select=1:ncpus=1", "-l", "ncpus=2", "exit0.sh"]).stderr,
      'qsub: "-lresource=" cannot be used with "select" or "place", resource is: ncpus\n',
    );
    assert.equal(
      sim.run(["qsub", "-l", "place=scatter", "exit0.sh"]).stderr,
      'qsub: Cannot have "place" without "select"\n',
    );
  });
});
