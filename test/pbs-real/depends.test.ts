// Dependencies and holds through the agent's service against the real
// OpenPBS (scripts/pbs/up.sh): -W depend=afterok with the native ids, a chain
// whose head fails (PBS deletes the dependents itself; the agent ends them
// FAILED naming the dependency, not CANCELED), and qsub -h then qrls.
// Skipped with the reason when no PBS answers; failing when REQUIRE_PBS=1.
import { after, describe, it } from "node:test";
import { join } from "node:path";
import type { JobService } from "../../src/agent/service.ts";
import {
  agentOver,
  chainWhereFirstFails,
  heldThenReleased,
  holdQueuedThenRelease,
} from "../helpers/depends-scenarios.ts";
import { OPT, realExecutor, scratch } from "./rig.ts";
import { needPbs } from "./support.ts";

describe("dependencies and holds on a real OpenPBS (agent service)", () => {
  const { base, dir } = scratch("psij-pbs-deps-");
  let service: JobService | undefined;
  const agent = () => service ??= agentOver("pbs", realExecutor(join(base, "work")));

  after(async () => {
    await service?.close();
  });

  it("a chain a → b → c (afterok) where a fails ends b and c FAILED with the reason", OPT, () => {
    needPbs();
    return chainWhereFirstFails(agent(), dir());
  });

  it("a job submitted held (qsub -h) runs once released (qrls)", OPT, () => {
    needPbs();
    return heldThenReleased(agent(), dir());
  });

  it(
    "a queued job held through the agent (qhold) stays held, then runs once released (qrls)",
    OPT,
    () => {
      needPbs();
      return holdQueuedThenRelease(agent(), dir());
    },
  );
});
