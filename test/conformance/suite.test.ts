/**
 * `psij-agent conformance --executor NAME` (src/conformance/): the PSI/J
 * conformance scenarios against the built-in executors that need no cluster
 * (local, sim), through the CLI of this runtime; and a broken executor is
 * caught by the scenario it breaks. PBS, Slurm and Grid Engine run it in
 * test/pbs-real/, test/slurm/ and test/sge/ when their scheduler is up.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { LocalJobExecutor } from "../../src/executors/local.ts";
import { runConformance } from "../../src/conformance/run.ts";
import { SCENARIOS } from "../../src/conformance/scenarios.ts";
import { runCli } from "../agent/fixtures/cli.ts";

const SLOW = { timeout: 600_000 };

/** The scenario numbers a run printed for each verdict. */
function verdicts(stdout: string): Record<string, number[]> {
  const out: Record<string, number[]> = { ok: [], FAIL: [], skip: [] };
  for (const m of stdout.matchAll(/^(ok|FAIL|skip) +(\d+) /gm)) out[m[1]].push(Number(m[2]));
  return out;
}

describe("psij-agent conformance", () => {
  for (const name of ["local", "sim"]) {
    it(`--executor ${name}: a line per scenario, every applicable one passes`, SLOW, async () => {
      const r = await runCli(["conformance", "--executor", name, "--home", "/dev/null/no-home"]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const v = verdicts(r.stdout);
      assert.deepEqual(
        [...v.ok, ...v.FAIL, ...v.skip].sort((a, b) => a - b),
        SCENARIOS.map((s) => s.number),
      );
      assert.deepEqual(v.FAIL, []);
      assert.ok(v.ok.length >= 17, r.stdout);
      // Each skip says why.
      for (const line of r.stdout.split("\n").filter((l) => l.startsWith("skip"))) {
        assert.match(line, /: \S/, line);
      }
      assert.match(
        r.stdout,
        new RegExp(`^${v.ok.length} passed, 0 failed, ${v.skip.length} skipped$`, "m"),
      );
    });
  }

  it(
    "an executor whose list() forgets its jobs fails scenario 12, and only that one",
    SLOW,
    async () => {
      class Forgetful extends LocalJobExecutor {
        override list(): Promise<string[]> {
          return Promise.resolve([]);
        }
      }
      const ex = new Forgetful();
      const lines: string[] = [];
      const report = await runConformance(ex, { only: [2, 12], out: (l) => lines.push(l) });
      await ex.close();
      assert.equal(report.failed, 1, lines.join("\n"));
      assert.equal(report.passed, 1);
      assert.match(
        lines.join("\n"),
        /^FAIL 12 list\(\) includes a just-submitted native id: list\(\) gave nothing/m,
      );
      assert.equal(lines.at(-1), "1 passed, 1 failed, 0 skipped");
    },
  );

  it("--executor is required, and an unknown one is refused naming the known ones", async () => {
    const none = await runCli(["conformance", "--home", "/dev/null/no-home"]);
    assert.equal(none.code, 64);
    const unknown = await runCli([
      "conformance",
      "--executor",
      "nosuch",
      "--home",
      "/dev/null/no-home",
    ]);
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /unknown executor "nosuch"; known executors: .*local/);
  });
});
