/** Front-end behaviour from pbs-cli.md: directives, option errors, multi-id qstat, qselect, qdel. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JOBS_DIR, makeSim, T0 } from "./helpers.ts";

describe("qsub directives and options", () => {
  it("directives apply until the first executable line; the command line wins; -l merges", () => {
    const sim = makeSim({
      files: {
        [`${JOBS_DIR}/d.sh`]:
          "#!/bin/bash\n# comment\n#PBS -N fromdir\n  #PBS -l walltime=1:00:00,select=1:ncpus=2 \\\n" +
          "-q workq\n\n#PBS -p 5\necho hi\n#PBS -N ignored\n",
      },
    });
    assert.equal(sim.run(["qsub", "-p", "7", "-l", "walltime=2:00", "d.sh"]).stdout, "1.vm\n");
    const j = sim.server.find("1")!;
    assert.equal(j.name, "fromdir");
    assert.equal(j.req.priority, 7);
    assert.equal(j.resources.list.get("walltime"), "00:02:00");
    assert.equal(j.resources.list.get("ncpus"), "2");
  });

  it("-C and PBS_DPREFIX choose the directive prefix; an empty one disables directives", () => {
    const sim = makeSim({
      files: { [`${JOBS_DIR}/c.sh`]: "#PBS -N pbsname\n#X -N xname\nexit 0\n" },
    });
    sim.run(["qsub", "-C", "#X", "c.sh"]);
    sim.run(["qsub", "c.sh"], { env: { USER: "alice", HOME: "/home/alice", PBS_DPREFIX: "#X" } });
    sim.run(["qsub", "-C", "", "c.sh"]);
    assert.deepEqual(["1", "2", "3"].map((i) => sim.server.find(i)!.name), ["xname", "xname", "c"]);
  });

  it("a bad directive: getopt's line, then 'directive error' with each token and a space; exit 1", () => {
    const sim = makeSim({ files: { [`${JOBS_DIR}/bad.sh`]: "#PBS -Z foo\nexit 0\n" } });
    assert.deepEqual(sim.run(["qsub", "bad.sh"]), {
      exitCode: 1,
      stdout: "",
      stderr: "qsub: invalid option -- 'Z'\nqsub: directive error: -Z foo \n",
    });
  });

  it("CR LF scripts, directories and stdin", () => {
    const sim = makeSim({ files: { [`${JOBS_DIR}/crlf.sh`]: "#PBS -N x\r\nexit 0\r\n" } });
    assert.deepEqual(sim.run(["qsub", "crlf.sh"]), {
      exitCode: 1,
      stdout: "",
      stderr: "qsub: script contains cr, lf\n",
    });
    assert.deepEqual(sim.run(["qsub", "/"]), {
      exitCode: 1,
      stdout: "",
      stderr: "qsub: script not a file\n",
    });
    assert.equal(sim.run(["qsub"], { stdin: "exit 0\n" }).stdout, "1.vm\n");
    assert.equal(sim.server.find("1")!.name, "STDIN");
  });

  it("a bad command-line option prints getopt's line and the usage, exit 2", () => {
    const r = makeSim().run(["qsub", "-Y", "exit0.sh"]);
    assert.equal(r.exitCode, 2);
    assert.ok(
      r.stderr.startsWith(
        "qsub: invalid option -- 'Y'\nusage: qsub [-a date_time] [-A account_string] [-c interval]\n",
      ),
    );
    assert.ok(
      r.stderr.endsWith(
        "\t[-v variable_list] [-V ] [-z] [script | -- command [arg1 ...]]\n" +
          "       qsub --version\n",
      ),
    );
  });

  it("illegal values and names: -r, -l, -N too long", () => {
    const sim = makeSim();
    assert.ok(
      sim.run(["qsub", "-r", "x", "exit0.sh"]).stderr.startsWith("qsub: illegal -r value\nusage:"),
    );
    assert.ok(
      sim.run(["qsub", "-l", "oops", "exit0.sh"]).stderr.startsWith(
        "qsub: illegal -l value\nusage:",
      ),
    );
    assert.deepEqual(sim.run(["qsub", "-N", "x".repeat(231), "exit0.sh"]), {
      exitCode: 2,
      stdout: "",
      stderr: "qsub: Job name is too long \n",
    });
  });

  it("-z prints no id; -v and PBS_O_* build Variable_List", () => {
    const sim = makeSim();
    assert.equal(sim.run(["qsub", "-z", "-v", "A=1,B=x\\,y", "exit0.sh"]).stdout, "");
    assert.match(
      sim.server.find("1")!.variableList,
      /PBS_O_SYSTEM=Linux,A=1,B=x\\,y,PBS_O_QUEUE=workq,PBS_O_HOST=vm$/,
    );
  });
});

describe("qstat", () => {
  it("several ids with partial failure: good output on stdout, last error's code", () => {
    const sim = makeSim();
    sim.run(["qsub", "sleep60.sh"]);
    const r = sim.run(["qstat", "1", "98.vm"]);
    assert.equal(r.stderr, "qstat: Unknown Job Id 98.vm\n");
    assert.equal(r.exitCode, 153);
    assert.ok(r.stdout.startsWith("Job id            Name"));
    assert.equal(r.stdout.split("\n").length, 4);
    // When the first operand fails, the later rows come without a header.
    const late = sim.run(["qstat", "99", "1"]);
    assert.equal(late.stderr, "qstat: Unknown Job Id 99.vm\n");
    assert.ok(late.stdout.startsWith("1.vm "));
    assert.equal(late.stdout.split("\n").length, 2);
  });

  it("-F without -f conflicts; a bad id is 'illegally formed'; a bad queue is 170", () => {
    const sim = makeSim();
    const c = sim.run(["qstat", "-F", "json"]);
    assert.equal(c.exitCode, 2);
    assert.ok(c.stderr.startsWith("qstat: conflicting options.\nusage: \nqstat [-f]"));
    assert.deepEqual(sim.run(["qstat", "1x.vm"]), {
      exitCode: 1,
      stdout: "",
      stderr: "qstat: illegally formed job identifier: 1x.vm\n",
    });
    assert.deepEqual(sim.run(["qstat", "badq"]), {
      exitCode: 170,
      stdout: "",
      stderr: "qstat: Unknown queue destination badq\n",
    });
  });

  it("no jobs: nothing printed, exit 0; finished jobs hidden without -x", async () => {
    const sim = makeSim();
    assert.deepEqual(sim.run(["qstat"]), { exitCode: 0, stdout: "", stderr: "" });
    sim.run(["qsub", "exit0.sh"]);
    sim.server.setOutcome("1", { runtimeMs: 1000, exitStatus: 0 });
    await sim.at(T0 + 3);
    assert.equal(sim.run(["qstat"]).stdout, "");
    assert.match(sim.run(["qstat", "-x"]).stdout, /^1\.vm +exit0 +alice +00:00:00 F workq/m);
  });

  it("-u selects by owner and uses the alternate layout", () => {
    const sim = makeSim();
    sim.run(["qsub", "sleep60.sh"]);
    sim.run(["qsub", "sleep60.sh"], { env: { USER: "bob", HOME: "/home/bob" } });
    const r = sim.run(["qstat", "-u", "bob"]).stdout;
    assert.ok(r.startsWith("\nvm: \n"));
    assert.match(
      r,
      /Job ID {10}Username Queue {4}Jobname {4}SessID NDS TSK Memory Time {2}S Time\n/,
    );
    // Before MoM's first report there is no elapsed time: " -- " in a 5-wide column.
    assert.match(r, /^2\.vm +bob +workq +sleep60 +\d+ +1 +1 +-- +-- +R {3}-- \n$/m);
    assert.doesNotMatch(r, /alice/);
  });

  it("cJSON: tab layout; with the #2672 bug on only the first operand's jobs appear", () => {
    const sim = makeSim({ jsonEncoder: "cjson", cjsonMultiIdBug: true });
    sim.run(["qsub", "sleep60.sh"]);
    sim.run(["qsub", "sleep60.sh"]);
    const r = sim.run(["qstat", "-f", "-F", "json", "1", "2"]);
    assert.match(r.stdout, /"1\.vm":/);
    assert.doesNotMatch(r.stdout, /"2\.vm":/);
    assert.match(r.stdout, /\t"timestamp":\t/);
    const fixed = makeSim({ jsonEncoder: "cjson" });
    fixed.run(["qsub", "sleep60.sh"]);
    fixed.run(["qsub", "sleep60.sh"]);
    assert.match(fixed.run(["qstat", "-f", "-F", "json", "1", "2"]).stdout, /"2\.vm":/);
  });
});

describe("qselect, qdel, runner", () => {
  it("qselect -u user -s states prints ids one per line", () => {
    const sim = makeSim({ nodes: [{ name: "vm", ncpus: 1, memBytes: 2 ** 32, ngpus: 0 }] });
    sim.run(["qsub", "sleep60.sh"]);
    sim.run(["qsub", "sleep60.sh"]);
    sim.run(["qsub", "sleep60.sh"], { env: { USER: "bob", HOME: "/home/bob" } });
    assert.equal(sim.run(["qselect", "-u", "alice"]).stdout, "1.vm\n2.vm\n");
    assert.equal(sim.run(["qselect", "-u", "alice", "-s", "Q"]).stdout, "2.vm\n");
    assert.equal(sim.run(["qselect", "-s", "Q"]).stdout, "2.vm\n3.vm\n");
  });

  it("qdel: usage with no ids, illegal -W, several ids with the last failure's code", () => {
    const sim = makeSim();
    assert.deepEqual(sim.run(["qdel"]), {
      exitCode: 2,
      stdout: "",
      stderr:
        "usage:\n\tqdel [-W force|suppress_email=X] [-x] job_identifier...\n\tqdel --version\n",
    });
    assert.equal(
      sim.run(["qdel", "-W", "bogus", "1"]).stderr.split("\n")[0],
      "qdel: illegal -W value",
    );
    sim.run(["qsub", "sleep60.sh"]);
    // As the real qdel (23.06.06, seen by test/pbs-real/differential): an unknown id as typed.
    assert.deepEqual(sim.run(["qdel", "5", "1"]), {
      exitCode: 153,
      stdout: "",
      stderr: "qdel: Unknown Job Id 5\n",
    });
    assert.equal(sim.run(["qdel", "5.vm"]).stderr, "qdel: Unknown Job Id 5.vm\n");
  });

  it("every command answers --version; an unknown command is 127", () => {
    const sim = makeSim();
    for (const c of ["qsub", "qstat", "qdel", "qhold", "qrls", "qselect"]) {
      assert.deepEqual(sim.run([c, "--version"]), {
        exitCode: 0,
        stdout: "pbs_version = 23.06.06\n",
        stderr: "",
      });
    }
    assert.equal(sim.run(["/usr/bin/qmove", "1"]).exitCode, 127);
  });
});

describe("more refusals from pbs-cli.md", () => {
  it("another user's job: 'Unauthorized Request ' (double space) with 159", () => {
    const sim = makeSim();
    sim.run(["qsub", "sleep60.sh"]);
    const bob = { env: { USER: "bob", HOME: "/home/bob" } };
    assert.deepEqual(sim.run(["qdel", "1"], bob), {
      exitCode: 159,
      stdout: "",
      stderr: "qdel: Unauthorized Request  1.vm\n",
    });
    assert.equal(sim.run(["qhold", "1"], bob).stderr, "qhold: Unauthorized Request  1.vm\n");
    assert.equal(sim.server.find("1")!.state, "R");
  });

  it("an array over max_array_size exits 3; no default queue exits 189", () => {
    const sim = makeSim({ maxArraySize: 10 });
    assert.deepEqual(sim.run(["qsub", "-J", "1-11", "exit0.sh"]), {
      exitCode: 3,
      stdout: "",
      stderr: "qsub: Array job exceeds server or queue size limit\n",
    });
    const noDefault = makeSim({ queues: [{ name: "batch" }] });
    assert.deepEqual(noDefault.run(["qsub", "exit0.sh"]), {
      exitCode: 189,
      stdout: "",
      stderr: "qsub: No default queue specified\n",
    });
  });

  it("qdel -x of a finished subjob exits 55", async () => {
    const sim = makeSim();
    sim.run(["qsub", "-J", "1-2", "exit0.sh"]);
    for (const i of [1, 2]) sim.server.setOutcome(`1[${i}]`, { runtimeMs: 1000, exitStatus: 0 });
    await sim.at(T0 + 5);
    assert.deepEqual(sim.run(["qdel", "-x", "1[1]"]), {
      exitCode: 55,
      stdout: "",
      stderr: "qdel: Request invalid for finished array subjob 1[1].vm\n",
    });
  });

  it("a script operand together with -- prints the usage, exit 2", () => {
    const r = makeSim().run(["qsub", "exit0.sh", "--", "/bin/true"]);
    assert.equal(r.exitCode, 2);
    assert.ok(r.stderr.startsWith("usage: qsub [-a date_time]"));
  });

  it("-w widens the table header", () => {
    const sim = makeSim();
    sim.run(["qsub", "sleep60.sh"]);
    const lines = sim.run(["qstat", "-w"]).stdout.split("\n");
    assert.match(lines[0], /^Job id {25}Name {12}User {13}Time Use S Queue/);
  });
});

describe("qstat -u with -f -F json (v23 bug, #2676)", () => {
  it("v23 prints the alternate table, then a JSON header without Jobs", () => {
    const sim = makeSim();
    sim.run(["qsub", "sleep60.sh"]);
    const r = sim.run(["qstat", "-u", "alice", "-f", "-F", "json"]);
    assert.ok(r.stdout.startsWith("\nvm: \n"));
    assert.ok(r.stdout.endsWith(`"pbs_server":"vm"\n}`));
    assert.doesNotMatch(r.stdout, /"Jobs"/);
  });
  it("the cJSON build refuses the combination", () => {
    const sim = makeSim({ jsonEncoder: "cjson" });
    const r = sim.run(["qstat", "-u", "alice", "-f", "-F", "json"]);
    assert.equal(r.exitCode, 2);
    assert.ok(r.stderr.startsWith("qstat: conflicting options.\n"));
  });
});
