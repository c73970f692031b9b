// Differential fidelity: every scenario of differential/scenarios.ts is
// played against the real PBS and a fresh simulator (execute mode, through
// its shims); stdout, stderr and exit codes are compared byte for byte after
// normalising only what must differ (differential/play.ts). A difference is
// either recorded with its reason in differential/known-differences.json or a
// failure; so is a recorded difference that is gone (the list stays honest).
// The normalised transcripts are left in .tmp/differential/ for inspection.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { knownDifferences, runDifferential } from "./differential/run.ts";
import { SCENARIOS } from "./differential/scenarios.ts";
import { OPT, scratch } from "./rig.ts";
import { needPbs } from "./support.ts";

const OUT = fileURLToPath(new URL("../../.tmp/differential", import.meta.url));

describe("differential fidelity: the simulator against the real PBS", () => {
  it("every scenario is identical or a known difference with its reason", OPT, async () => {
    needPbs();
    const { base } = scratch("psij-pbs-diff-");
    const results = await runDifferential(base, OUT);
    const identical = results.filter((r) => r.verdict === "identical");
    const known = results.filter((r) => r.verdict === "known");
    const fresh = results.filter((r) => r.verdict === "new");
    console.log(
      `${results.length} scenarios, ${identical.length} identical, ${known.length} known differences`,
    );
    for (const r of known) console.log(`  known: ${r.name}: ${r.reason}`);
    for (const r of fresh) {
      console.log(`  NEW DIFFERENCE: ${r.name} (see ${OUT}/${r.name}.{real,sim}.txt)`);
    }
    const stale = identical.filter((r) => knownDifferences()[r.name]).map((r) => r.name);
    const unknown = Object.keys(knownDifferences()).filter((n) =>
      !SCENARIOS.some((s) => s.name === n)
    );
    assert.deepEqual(fresh.map((r) => r.name), [], "differences neither fixed nor known");
    assert.deepEqual(stale, [], "known differences that are gone: remove them from the file");
    assert.deepEqual(unknown, [], "known differences naming no scenario");
  });
});
