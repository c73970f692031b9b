/** `run --after` and `run --hold`, `submit --hold` (issue 13, item 6): the JobSpec they make. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { callerDefaults, runCommand, runSpec } from "../../src/agent/cli/submit-cmds.ts";
import { parseCommandLine, UsageError } from "../../src/agent/cli/command.ts";
import { parseJobSpecDocument } from "../../src/core/json/index.ts";

describe("run --after and --hold", () => {
  it("--after ok:<id> (repeatable, qsub's afterok: too) becomes dependsOn; --hold becomes hold", () => {
    const { values, positionals } = parseCommandLine(runCommand, [
      "--after",
      "ok:ja",
      "--after",
      "afternotok:jb:jc",
      "--after",
      "any:jd",
      "--hold",
      "/bin/true",
    ]);
    const spec = runSpec(values, positionals, "/home/u");
    assert.deepEqual(spec.dependsOn, [
      { job: "ja", when: "ok" },
      { job: "jb", when: "notok" },
      { job: "jc", when: "notok" },
      { job: "jd", when: "any" },
    ]);
    assert.equal(spec.hold, true);
    // The agent reads what run writes.
    assert.deepEqual(parseJobSpecDocument(spec).dependsOn, spec.dependsOn);
  });

  it("a malformed --after is a usage error saying what it wants", () => {
    for (const bad of ["ja", "ok:", "later:ja", "ok::jb"]) {
      assert.throws(
        () => runSpec({ after: [bad] }, ["/bin/true"], "/home/u"),
        (err: unknown) => err instanceof UsageError && /--after wants ok:<id>/.test(err.message),
        bad,
      );
    }
  });

  it("submit --hold sets hold in the document", () => {
    const doc = callerDefaults({ version: 1, executable: "/bin/true" }, {
      values: { hold: true },
      io: { env: {} } as any,
    }, "/home/u") as Record<string, unknown>;
    assert.equal(doc.hold, true);
  });
});
