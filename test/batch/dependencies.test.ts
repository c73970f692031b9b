/**
 * `dependsOn` and `hold` as the PBS and Slurm executors write them (issue 13,
 * items 2, 3): one dependency clause with the native ids, grouped by type,
 * the hold flag, and an id the scheduler would not print refused by field.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidJobException } from "../../src/core/errors.ts";
import type { JobSpec } from "../../src/core/job-spec.ts";
import { renderPbsScript } from "../../src/executors/pbs/script.ts";
import { buildDirectives, directiveLines } from "../../src/executors/slurm/directives.ts";
import { parsedDirectives } from "../pbs/helpers.ts";

const SPEC: JobSpec = {
  executable: "/bin/true",
  dependsOn: [
    { job: "12.srv", when: "ok" },
    { job: "13.srv", when: "any" },
    { job: "14.srv" },
    { job: "15[].srv", when: "notok" },
  ],
  hold: true,
};

const pbs = (spec: JobSpec) =>
  parsedDirectives(renderPbsScript(spec, { workDir: "/w", stamp: "st" }).text);
const slurm = (spec: JobSpec) =>
  directiveLines(buildDirectives(spec, { slurmOutputPath: "/w/o", stamp: "st" }));

describe("dependsOn and hold in batch directives", () => {
  it("PBS: one -W depend= with the native ids by type, and -h", () => {
    const d = pbs(SPEC);
    assert.deepEqual(d.filter((x) => x[0] === "-W"), [
      ["-W", "depend=afterok:12.srv:14.srv,afterany:13.srv,afternotok:15[].srv"],
    ]);
    assert.deepEqual(d.filter((x) => x[0] === "-h"), [["-h"]]);
    const plain = pbs({ executable: "/bin/true" });
    assert.ok(!plain.some((x) => x[0] === "-W" || x[0] === "-h"), "none without the fields");
  });

  it("Slurm: --dependency= with the native ids by type, and --hold", () => {
    const l = slurm({ ...SPEC, dependsOn: [{ job: "7" }, { job: "8", when: "notok" }] });
    assert.ok(l.includes("--dependency=afterok:7,afternotok:8"), l.join("\n"));
    assert.ok(l.includes("--hold"));
    assert.ok(!slurm({ executable: "/bin/true" }).some((x) => /dependency|hold/.test(x)));
  });

  it("an id the scheduler never prints is refused naming dependsOn[i].job", () => {
    for (const [render, bad] of [[pbs, "12.srv,afterany:99"], [slurm, "7:8"]] as const) {
      assert.throws(
        () => render({ executable: "/bin/true", dependsOn: [{ job: "1" }, { job: bad }] }),
        (err: unknown) =>
          err instanceof InvalidJobException && err.field === "dependsOn[1].job" &&
          err.message.includes(bad),
      );
    }
  });
});
