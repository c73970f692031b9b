// Job arrays through the agent's service against the real OpenPBS
// (scripts/pbs/up.sh): one qsub -J with the %limit, each subjob its own job
// with its own end, the summary, and cancels of one subjob and of the whole
// array. 30 elements, not 100: the CI host has 2 cores (the simulator test,
// test/agent/arrays-sim.test.ts, runs 100 with %10). Skipped with the reason
// when no PBS answers; failing when REQUIRE_PBS=1.
import { after, describe, it } from "node:test";
import { join } from "node:path";
import type { JobService } from "../../src/agent/service.ts";
import { agentOver } from "../helpers/depends-scenarios.ts";
import { arrayWithFailures, cancelOneThenAll } from "../helpers/array-scenarios.ts";
import { OPT, realExecutor, scratch } from "./rig.ts";
import { needPbs } from "./support.ts";

describe("job arrays on a real OpenPBS (agent service)", () => {
  const { base, dir } = scratch("psij-pbs-arrays-");
  let service: JobService | undefined;
  const agent = () => service ??= agentOver("pbs", realExecutor(join(base, "work")));

  after(async () => {
    await service?.close();
  });

  it(
    "30 elements with %10 where four fail: their own FAILED, the others COMPLETED, the summary right, never more than 10 running",
    OPT,
    () => {
      needPbs();
      return arrayWithFailures(agent(), dir(), 30, 10);
    },
  );

  it("cancels one subjob, then the whole array", OPT, () => {
    needPbs();
    return cancelOneThenAll(agent(), dir());
  });
});
