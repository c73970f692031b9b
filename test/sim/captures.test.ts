/**
 * Byte-for-byte reproduction of the real OpenPBS 23.06.06 captures: each test
 * rebuilds the server state the capture was taken in (server "vm", alice, a
 * virtual clock at the captured second) and compares stdout, stderr and exit.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeSim, readCapture, T0 } from "./helpers.ts";
import type { CommandResult } from "../../src/core/command-runner.ts";

/** Epoch second of 09:MM:SS on the capture day. */
const t = (mm: number, ss: number) => T0 - 34 + (mm - 55) * 60 + ss;

function same(result: CommandResult, file: string, fix?: (s: string) => string) {
  const c = readCapture(file);
  assert.ok(c, `capture ${file} present`);
  const stdout = fix ? fix(result.stdout) : result.stdout;
  assert.equal(stdout, c.stdout, `${file} stdout`);
  assert.equal(result.stderr, c.stderr, `${file} stderr`);
  assert.equal(result.exitCode, c.exitCode, `${file} exit code`);
}

describe("captures: qsub", () => {
  it("qstat --version prints the version line", () => {
    same(makeSim().run(["qstat", "--version"]), "00_qstat_--version.txt");
  });
  it("qsub exit0.sh prints 1.vm", () => {
    same(makeSim().run(["qsub", "exit0.sh"]), "01_qsub_success_script.txt");
  });
  it("qsub -N dd -- /bin/sleep 1 prints 3.vm", () => {
    const sim = makeSim();
    sim.server.lastSeq = 2;
    same(sim.run(["qsub", "-N", "dd", "--", "/bin/sleep", "1"]), "01_qsub_success_dashdash.txt");
  });
  it("a walltime that is not a time is refused client-side with 166", () => {
    same(
      makeSim().run(["qsub", "-l", "walltime=notatime", "exit0.sh"]),
      "02_qsub_err_bad_walltime_word.txt",
    );
  });
  it("a missing script file exits 1 with perror's text", () => {
    same(makeSim().run(["qsub", "no_such_file.sh"]), "02_qsub_err_missing_script.txt");
  });
  it("an unknown queue exits 170", () => {
    same(makeSim().run(["qsub", "-q", "nosuchqueue", "exit0.sh"]), "02_qsub_err_unknown_queue.txt");
  });
  it("an unknown resource exits 187 naming Resource_List.foo", () => {
    same(makeSim().run(["qsub", "-l", "foo=1", "exit0.sh"]), "02_qsub_err_unknown_resource.txt");
  });
});

describe("captures: qstat", () => {
  it("-f -F json of a held job", async () => {
    const sim = makeSim();
    sim.server.lastSeq = 10;
    await sim.at(t(55, 48));
    assert.equal(sim.run(["qsub", "-h", "-N", "held", "sleep60.sh"]).stdout, "11.vm\n");
    same(sim.run(["qstat", "-f", "-F", "json", "11.vm"]), "04_qstat_-f_-F_json_HELD.txt");
  });

  async function runningJob() {
    const sim = makeSim({ firstSessionId: 20447 });
    sim.server.lastSeq = 11;
    await sim.at(t(55, 48));
    sim.run(["qsub", "-N", "running", "sleep60.sh"]);
    sim.server.setOutcome("12", { runtimeMs: 60_000, exitStatus: 0 });
    return sim;
  }

  it("-f -F json of a running job (mtime aside)", async () => {
    const sim = await runningJob();
    await sim.at(t(55, 57));
    same(
      sim.run(["qstat", "-f", "-F", "json", "12.vm"]),
      "05b_qstat_-f_-F_json_RUNNING_steady.txt",
    );
  });
  it("-f of a running job (mtime aside)", async () => {
    const sim = await runningJob();
    await sim.at(t(55, 58));
    same(sim.run(["qstat", "-f", "12.vm"]), "05b_qstat_-f_RUNNING_steady.txt");
  });

  async function finishedExit0() {
    const sim = makeSim({ schedulerDelayMs: 500 });
    await sim.at(t(55, 34.6));
    sim.run(["qsub", "exit0.sh"]);
    sim.server.setOutcome("1", { runtimeMs: 900, exitStatus: 0 });
    await sim.at(t(55, 49));
    return sim;
  }
  it("-x -f -F json of a finished job", async () => {
    same(
      (await finishedExit0()).run(["qstat", "-x", "-f", "-F", "json", "1.vm"]),
      "06_qstat_-x_-f_-F_json_FINISHED_exit0.txt",
    );
  });
  it("-x -f of a finished job", async () => {
    same(
      (await finishedExit0()).run(["qstat", "-x", "-f", "1.vm"]),
      "06_qstat_-x_-f_FINISHED_exit0.txt",
    );
  });
  it("the default table with queued, held and running jobs", async () => {
    const sim = makeSim({ nodes: [{ name: "vm", ncpus: 1, memBytes: 2 ** 32, ngpus: 0 }] });
    sim.server.lastSeq = 6;
    await sim.at(t(55, 48));
    sim.run(["qsub", "-N", "exit0", "-l", "select=1:ncpus=2", "exit0.sh"]);
    sim.server.lastSeq = 10;
    sim.run(["qsub", "-h", "-N", "held", "sleep60.sh"]);
    sim.run(["qsub", "-N", "running", "sleep60.sh"]);
    sim.server.setOutcome("12", { runtimeMs: 60_000, exitStatus: 0 });
    await sim.at(t(55, 49));
    same(sim.run(["qstat"]), "07_qstat_plain_table.txt");
  });
  it("an unknown id: JSON header without Jobs, error, 153", async () => {
    const sim = makeSim();
    await sim.at(t(55, 59));
    same(sim.run(["qstat", "-f", "-F", "json", "9999.vm"]), "08_qstat_-f_-F_json_unknown_id.txt");
  });
  it("an unknown id in the table form", () => {
    same(makeSim().run(["qstat", "9999.vm"]), "08_qstat_unknown_id.txt");
  });
  it("a finished job without -x exits 35", async () => {
    same((await finishedExit0()).run(["qstat", "1.vm"]), "10_qstat_finished_no_x.txt");
  });
});

describe("captures: qdel", () => {
  it("qdel of a finished job exits 35 with the id last", async () => {
    same((await finishedExit0Again()).run(["qdel", "1.vm"]), "11_qdel_finished.txt");
  });
  it("qdel of an unknown job exits 153", () => {
    same(makeSim().run(["qdel", "9999.vm"]), "11_qdel_unknown.txt");
  });
  it("qdel of a running job is silent, and the job ends F/91 with 271", async () => {
    const sim = makeSim({ firstSessionId: 20447 });
    sim.server.lastSeq = 11;
    await sim.at(t(55, 48));
    sim.run(["qsub", "-N", "running", "sleep60.sh"]);
    sim.server.setOutcome("12", {
      runtimeMs: 60_000,
      exitStatus: 0,
      resourcesUsed: { mem: "7436kb", vmem: "10380kb", walltime: "00:00:38" },
    });
    await sim.at(t(56, 27));
    same(sim.run(["qdel", "12.vm"]), "11_qdel_running_success.txt");
    await sim.at(t(56, 31));
    same(
      sim.run(["qstat", "-x", "-f", "-F", "json", "12.vm"]),
      "12_qstat_-x_-f_-F_json_QDEL_RUNNING.txt",
    );
  });
  it("exit 3 ends F/93 with Exit_status 3 and 'and failed'", async () => {
    const sim = makeSim();
    sim.server.lastSeq = 12;
    await sim.at(t(56, 37));
    sim.run(["qsub", "exit3.sh"]);
    sim.server.setOutcome("13", {
      runtimeMs: 2000,
      exitStatus: 3,
      resourcesUsed: { walltime: "00:00:00" },
    });
    await sim.at(t(56, 42));
    same(sim.run(["qstat", "-x", "-f", "-F", "json", "13.vm"]), "13_qstat_-x_-f_-F_json_EXIT3.txt");
  });
});

async function finishedExit0Again() {
  const sim = makeSim({ schedulerDelayMs: 500 });
  await sim.at(t(55, 34.6));
  sim.run(["qsub", "exit0.sh"]);
  sim.server.setOutcome("1", { runtimeMs: 900, exitStatus: 0 });
  await sim.at(t(56, 28));
  return sim;
}
