/**
 * What the differential run against the real OpenPBS 23.06.06
 * (test/pbs-real/differential) found the simulator printing otherwise; each
 * case is the real server's answer, in model mode here so it needs no PBS.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeSim, T0 } from "./helpers.ts";

describe("the simulator answers as the real OpenPBS does", () => {
  it("qsub's usage ends with its --version line, after an illegal -N value too", () => {
    const sim = makeSim();
    for (const argv of [["qsub", "-Y", "exit0.sh"], ["qsub", "-N", "a b", "exit0.sh"]]) {
      const r = sim.run(argv);
      assert.equal(r.exitCode, 2);
      assert.ok(
        r.stderr.endsWith("[script | -- command [arg1 ...]]\n       qsub --version\n"),
        r.stderr,
      );
    }
    assert.match(
      sim.run(["qsub", "-N", "a b", "exit0.sh"]).stderr,
      /^qsub: illegal -N value\nusage: qsub /,
    );
  });

  it("PBS_O_LOGNAME comes from $LOGNAME only", () => {
    const sim = makeSim();
    const env = { HOME: "/home/alice", USER: "alice", PATH: "/usr/bin:/bin" };
    sim.run(["qsub", "-h", "exit0.sh"], { env });
    sim.run(["qsub", "-h", "exit0.sh"], { env: { ...env, LOGNAME: "bob" } });
    const vars = (id: string) => sim.run(["qstat", "-f", "-w", id]).stdout;
    assert.doesNotMatch(vars("1"), /PBS_O_LOGNAME/);
    assert.match(vars("2"), /PBS_O_LOGNAME=bob/);
  });

  it("qstat -s shows ' -- ' for no comment; -1 puts -n's nodes and -s's comment on the job's line", async () => {
    const sim = makeSim();
    sim.run(["qsub", "-h", "exit0.sh"]);
    sim.run(["qsub", "sleep60.sh"]);
    await sim.at(T0 + 2);
    const rows = (argv: string[]) => sim.run(argv).stdout.split("\n").slice(5).join("\n");
    assert.ok(rows(["qstat", "-s", "1"]).endsWith(" H   -- \n    -- \n"));
    assert.match(rows(["qstat", "-n", "-1", "2"]), / R \S+ vm\/0\n$/);
    assert.ok(rows(["qstat", "-s", "-1", "1"]).endsWith(" H   --      -- \n"));
    assert.match(rows(["qstat", "-n", "-s", "-1", "2"]), / R \S+ vm\/0\n {3}Job run at .*\n$/);
  });

  it("qstat -f -F dsv prints one line per job", () => {
    const sim = makeSim();
    sim.run(["qsub", "-h", "exit0.sh"]);
    const out = sim.run(["qstat", "-f", "-F", "dsv", "1"]).stdout;
    assert.match(out, /^Job Id: 1\.vm\|Job_Name=exit0\|Job_Owner=alice@vm\|job_state=H\|/);
    assert.equal(out.split("\n").length, 2);
  });

  it("qdel names an unknown id as typed", () => {
    const sim = makeSim();
    assert.equal(sim.run(["qdel", "99"]).stderr, "qdel: Unknown Job Id 99\n");
    assert.equal(sim.run(["qhold", "99"]).stderr, "qhold: Unknown Job Id 99.vm\n");
  });

  it("an ended array's subjobs are F in history, X only while it runs", async () => {
    const sim = makeSim();
    sim.run(["qsub", "-J", "1-2", "exit0.sh"]);
    const p = sim.server.find("1[]")!;
    sim.server.setOutcome(p.subjobs![0].id, { runtimeMs: 1_000, exitStatus: 0 });
    sim.server.setOutcome(p.subjobs![1].id, { runtimeMs: 20_000, exitStatus: 0 });
    await sim.at(T0 + 5);
    assert.deepEqual(p.subjobs!.map((s) => s.state), ["X", "R"]);
    await sim.at(T0 + 30);
    assert.equal(p.state, "F");
    assert.deepEqual(p.subjobs!.map((s) => s.state), ["F", "F"]);
  });
});
