// Dependencies and holds through the agent's service against the real Slurm
// (scripts/slurm/up.sh): --dependency=afterok with the native ids, a chain
// whose head fails (Slurm keeps the dependents pending as
// DependencyNeverSatisfied; the agent ends them FAILED naming why), and
// sbatch --hold then scontrol release. Skipped with the reason when no Slurm
// answers; failing instead when REQUIRE_SLURM=1.
import { after, before, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobService } from "../../src/agent/service.ts";
import { SlurmExecutor } from "../../src/executors/slurm.ts";
import {
  agentOver,
  chainWhereFirstFails,
  heldThenReleased,
  holdQueuedThenRelease,
} from "../helpers/depends-scenarios.ts";
import { needSlurm, slurmOptions } from "./support.ts";

const SLOW = slurmOptions(300_000);

describe("dependencies and holds on a real Slurm (agent service)", () => {
  let dir = "";
  let service: JobService;

  before(() => {
    if (SLOW.skip) return;
    needSlurm();
    dir = mkdtempSync(join(tmpdir(), "psij-slurm-deps-"));
    const ex = new SlurmExecutor({
      workDir: join(dir, "work"),
      pollFloorMs: 500,
      pollCeilingMs: 3000,
    });
    service = agentOver("slurm", ex);
  });

  after(async () => {
    await service?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a chain a → b → c (afterok) where a fails ends b and c FAILED with the reason", SLOW, () => {
    needSlurm();
    return chainWhereFirstFails(service, dir);
  });

  it("a job submitted held (sbatch --hold) runs once released (scontrol release)", SLOW, () => {
    needSlurm();
    return heldThenReleased(service, dir);
  });

  it(
    "a queued job held through the agent (scontrol hold) stays held, then runs once released",
    SLOW,
    () => {
      needSlurm();
      return holdQueuedThenRelease(service, dir);
    },
  );
});
