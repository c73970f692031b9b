import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCommand, runSpec } from "../../src/agent/cli/submit-cmds.ts";
import { parseCommandLine, UsageError } from "../../src/agent/cli/command.ts";
import { parseJobSpecDocument } from "../../src/core/json/index.ts";
import { expandEnvironment } from "../../src/core/expand.ts";

describe("run's options as a JobSpec", () => {
  it("maps every option to its JobSpec field, paths from the caller's directory", () => {
    const spec = runSpec(
      {
        nodes: "2",
        ppn: "4",
        walltime: "01:30:00",
        queue: "debug",
        account: "proj42",
        name: "hello",
        env: ["A=1", "B=x=y"],
        dir: "work",
        stdout: "out.txt",
        stderr: "/abs/err.txt",
      },
      ["./a.out", "--flag", "arg two"],
      "/home/u",
    );
    assert.deepEqual(spec, {
      version: 1,
      executable: "./a.out",
      arguments: ["--flag", "arg two"],
      name: "hello",
      directory: "/home/u/work",
      stdoutPath: "/home/u/out.txt",
      stderrPath: "/abs/err.txt",
      environment: { A: "1", B: "x=y" },
      resources: { nodeCount: 2, processesPerNode: 4 },
      attributes: { duration: 5400, queueName: "debug", account: "proj42" },
    });
    const parsed = parseJobSpecDocument(spec);
    assert.equal(parsed.attributes?.duration, 5400);
  });

  it("refuses what it cannot map, saying which option", () => {
    assert.throws(() => runSpec({}, []), UsageError);
    assert.throws(() => runSpec({ nodes: "0" }, ["x"]), /--nodes/);
    assert.throws(() => runSpec({ ppn: "two" }, ["x"]), /--ppn/);
    assert.throws(() => runSpec({ env: ["NOVALUE"] }, ["x"]), /--env wants NAME=VALUE/);
    assert.throws(() => runSpec({ walltime: "soon" }, ["x"]), /--walltime/);
  });
});

describe("run's command line: options before the executable, the program's after it", () => {
  const parse = (argv: string[]) => parseCommandLine(runCommand, argv);

  it("options after the executable belong to the program (run /bin/echo --nodes 2 hi)", () => {
    const { values, positionals } = parse(["/bin/echo", "--nodes", "2", "hi"]);
    assert.equal(values.nodes, undefined, "no 2-node job");
    assert.deepEqual(positionals, ["/bin/echo", "--nodes", "2", "hi"]);
    const spec = runSpec(values, positionals, "/w");
    assert.equal(spec.resources, undefined);
    assert.deepEqual(spec.arguments, ["--nodes", "2", "hi"]);
  });

  it("run's own options come before it, with or without --; a later -- is the program's", () => {
    const a = parse(["--nodes", "2", "-q", "--name=x", "hostname", "-f", "--", "--json"]);
    assert.equal(a.values.nodes, "2");
    assert.equal(a.values.parsable, true);
    assert.equal(a.values.name, "x");
    assert.equal(a.values.json, undefined, "--json after the executable is the program's");
    assert.deepEqual(a.positionals, ["hostname", "-f", "--", "--json"]);
    const b = parse(["--wait", "--", "echo", "--wait"]);
    assert.equal(b.values.wait, true);
    assert.deepEqual(b.positionals, ["echo", "--wait"]);
    const c = parse(["--env", "A=1", "--env", "B=2", "env"]);
    assert.deepEqual(c.values.env, ["A=1", "B=2"]);
    assert.deepEqual(c.positionals, ["env"]);
  });

  it("an unknown option before the executable is still refused, naming it", () => {
    assert.throws(() => parse(["--nodez", "2", "hostname"]), /nodez/);
  });
});

describe("run -V: the caller's environment in the spec", () => {
  it("keeps the caller's variables literal and leaves out the agent's, a job's and the session's", () => {
    const spec = runSpec({ "export-all": true, env: ["A=over"] }, ["x"], "/w", {
      PATH: "/caller/bin",
      A: "caller",
      LITERAL: "a${B} $${C} $HOME",
      PSIJ_AGENT_TOKEN: "secret",
      PSIJ_AGENT_HOME: "/h",
      PBS_JOBID: "1.server",
      SLURM_JOB_ID: "7",
      SSH_AUTH_SOCK: "/tmp/ssh",
      PWD: "/caller",
      SHLVL: "2",
      "BASH_FUNC_module%%": "() { eval x; }",
    });
    assert.deepEqual(spec.environment, {
      PATH: "/caller/bin",
      LITERAL: "a$${B} $$$${C} $HOME",
      A: "over",
    });
    const job = expandEnvironment(parseJobSpecDocument(spec), { B: "b", C: "c", HOME: "/h" });
    assert.equal(job.LITERAL, "a${B} $${C} $HOME", "the job gets the caller's value unexpanded");
  });
});
