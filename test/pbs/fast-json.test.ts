import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseStatusJson } from "../../src/executors/pbs/fast-json.ts";
import { parseQstatJson } from "../../src/executors/pbs/parse/index.ts";
import { qstatJsonArgv } from "../../src/executors/pbs/status.ts";
import { loadCapture } from "../format/capture-loader.ts";
import { rig } from "./helpers.ts";

/** Submits scripts straight to the simulator (the directives make the quirks). */
async function qstatOf(encoder: "v23" | "cjson", directives: string[][]): Promise<string> {
  const { runner, workDir, clock } = rig({ server: { jsonEncoder: encoder } });
  const ids: string[] = [];
  for (const [i, lines] of directives.entries()) {
    const path = join(workDir, `s${i}.sh`);
    writeFileSync(path, `#!/bin/bash\n${lines.map((l) => `#PBS ${l}\n`).join("")}true\n`);
    const r = await runner.run(["qsub", path], { cwd: workDir });
    assert.equal(r.exitCode, 0, r.stderr);
    ids.push(r.stdout.trim());
  }
  await clock.advance(2000);
  return (await runner.run(qstatJsonArgv(ids))).stdout;
}

const PLAIN = [["-N", "plain"], ["-v", "A=1"]];
const QUIRKY = [
  ["-N 123"],
  ["-v 'WIN=C:\\dir\\bin'"],
  [`-v 'Q="starts with a quote'`],
  ["-v 'E=,F=1'"],
  ["-v 'N=007'"],
];

describe("status JSON fast path", () => {
  for (const encoder of ["v23", "cjson"] as const) {
    it(`${encoder}: gives the same records as the repairing parser, quirks included`, async () => {
      const text = await qstatOf(encoder, [
        ...Array.from({ length: 5 }, () => PLAIN.map((d) => d.join(" "))),
        ...QUIRKY,
      ]);
      if (encoder === "v23") assert.throws(() => JSON.parse(text)); // the per-job path runs
      const fast = parseStatusJson(text), slow = parseQstatJson(text);
      assert.equal(fast.jobs.size, 10);
      assert.deepEqual([...fast.jobs.entries()], [...slow.jobs.entries()]);
    });
  }

  it("real captures parse the same on both paths", () => {
    for (
      const f of [
        "04_qstat_-f_-F_json_HELD.txt",
        "05b_qstat_-f_-F_json_RUNNING_steady.txt",
        "06_qstat_-x_-f_-F_json_FINISHED_exit0.txt",
        "08_qstat_-f_-F_json_unknown_id.txt",
        "12_qstat_-x_-f_-F_json_QDEL_RUNNING.txt",
        "13_qstat_-x_-f_-F_json_EXIT3.txt",
      ]
    ) {
      const c = loadCapture(f);
      assert.deepEqual(
        [...parseStatusJson(c.stdout).jobs.entries()],
        [...parseQstatJson(c.stdout).jobs.entries()],
        f,
      );
    }
  });

  it("never throws on garbage", () => {
    for (const s of ["", "{", "null", "[]", '{"Jobs":3}', '{"Jobs":{"1.s":4}}', "\u0000"]) {
      assert.doesNotThrow(() => parseStatusJson(s));
    }
  });
});
