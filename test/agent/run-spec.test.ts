import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runSpec } from "../../src/agent/cli/submit-cmds.ts";
import { UsageError } from "../../src/agent/cli/command.ts";
import { parseJobSpecDocument } from "../../src/core/json/index.ts";

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
