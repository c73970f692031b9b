/**
 * `psij-agent conformance` against the built-in executors of real schedulers,
 * when they are up (.ci/run brings up OpenPBS and Slurm; REQUIRE_PBS=1 /
 * REQUIRE_SLURM=1 make a missing one fail instead of skip). Grid Engine's
 * run is in test/sge/real.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../agent/fixtures/cli.ts";
import { needPbs, pbsOptions } from "../pbs-real/support.ts";
import { needSlurm, slurmOptions } from "../slurm/support.ts";

describe("psij-agent conformance against real schedulers", () => {
  for (
    const [name, options, need] of [
      ["pbs", pbsOptions(900_000), needPbs],
      ["slurm", slurmOptions(900_000), needSlurm],
    ] as const
  ) {
    it(`--executor ${name}: every applicable scenario passes`, options, async () => {
      need();
      const r = await runCli(["conformance", "--executor", name, "--home", "/dev/null/no-home"]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /^FAIL/m);
      assert.match(r.stdout, /^\d+ passed, 0 failed, \d+ skipped$/m);
    });
  }
});
