// Faults on the real OpenPBS: pbs_server stopped for 30 s while jobs run.
// No job may be finalised while the server is away (a failing qstat changes
// no job), the executor reports itself degraded, and once the server is back
// every job ends in its true state. What this server does with jobs across a
// restart varies (it may discard and requeue a running one, which then runs
// again), so the assertions hold for either. Needs root (qterm, pbs_server);
// the server is restarted in `finally` whatever happens.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { Job } from "../../src/core/job.ts";
import { isFinal, JobState } from "../../src/core/job-state.ts";
import { OPT, realExecutor, scratch, sleep, until, WAIT } from "./rig.ts";
import { needPbs } from "./support.ts";

const OUTAGE_MS = 30_000;
const isRoot = process.getuid?.() === 0;

function serverUp(): boolean {
  return spawnSync("qstat", ["-B"], { timeout: 10_000 }).status === 0;
}

/**
 * Starts pbs_server (it daemonizes; its first process exits), detached: under Deno a child
 * spawned otherwise (spawnSync, or spawn without `detached`) starts with signals 32 and 33
 * ignored (glibc's SIGCANCEL and SIGSETXID), and a pbs_server started so lost its MoM for
 * good (the node stayed state-unknown,down and every later job waited).
 */
function startServer(sbin: string): Promise<void> {
  const child = spawn(join(sbin, "pbs_server"), [], { stdio: "ignore", detached: true });
  return new Promise((resolve) => {
    child.on("exit", () => resolve());
    child.on("error", () => resolve());
  });
}

describe("faults on a real OpenPBS", () => {
  it(
    "pbs_server stopped 30 s while jobs run: none finalised, degraded; back: each ends true",
    isRoot ? { ...OPT, timeout: 600_000 } : { ...OPT, skip: "needs root (qterm, pbs_server)" },
    async () => {
      needPbs();
      const qstat = spawnSync("sh", ["-c", "command -v qstat"], { encoding: "utf8" }).stdout.trim();
      const sbin = join(dirname(dirname(qstat)), "sbin");
      const { base } = scratch("psij-pbs-faults-");
      const ex = realExecutor(join(base, "work"), { pollFloorMs: 500, pollCeilingMs: 2000 });
      // One job ends while the server is away, one outlasts the outage.
      const jobs = [10, 45].map((s) => new Job({ executable: "/bin/sleep", arguments: [`${s}`] }));
      try {
        for (const j of jobs) await ex.submit(j);
        for (const j of jobs) await j.wait({ targetStates: [JobState.ACTIVE], timeout: WAIT });
        const r = spawnSync("qterm", ["-t", "quick"], { encoding: "utf8" });
        assert.equal(r.status, 0, `qterm: ${r.stderr}`);
        const downAt = Date.now();
        await until(
          "the executor to report itself degraded",
          () => ex.health().status === "degraded",
        );
        while (Date.now() - downAt < OUTAGE_MS) {
          for (const j of jobs) {
            assert.ok(
              !isFinal(j.status.state),
              `${j.nativeId} ended ${j.status.state} while PBS was away`,
            );
          }
          await sleep(500);
        }
        assert.match(ex.health().lastError ?? "", /qstat/);
        await startServer(sbin);
        await until("pbs_server to answer again", serverUp, 120_000);
        // A job the restarted server requeued waits for a scheduling cycle: ask for one now and
        // then (the server's own comes every scheduler_iteration, 10 minutes).
        for (const end = Date.now() + WAIT; !jobs.every((j) => isFinal(j.status.state));) {
          assert.ok(
            Date.now() < end,
            `not final: ${jobs.map((j) => `${j.nativeId} ${j.status.state}`)}`,
          );
          spawnSync("qmgr", ["-c", "set server scheduling = true"]);
          await sleep(3000);
        }
        for (const j of jobs) {
          assert.equal(j.status.state, JobState.COMPLETED, `${j.nativeId}: ${j.status.message}`);
          assert.equal(j.status.exitCode, 0);
        }
        await until("health ok again", () => ex.health().status === "ok");
        const runs = jobs.map((j) => {
          const out = spawnSync("qstat", ["-x", "-f", j.nativeId!], { encoding: "utf8" }).stdout;
          return `${j.nativeId} run_count ${/run_count = (\d+)/.exec(out)?.[1] ?? "?"}`;
        });
        console.log(`after the outage PBS shows: ${runs.join(", ")} (2: discarded and run again)`);
      } finally {
        if (!serverUp()) await startServer(sbin);
        for (const j of jobs) if (!isFinal(j.status.state)) await j.cancel().catch(() => {});
        await ex.close();
      }
    },
  );
});
