// A PBS history shorter than the agent's downtime, on the real OpenPBS: the
// executor that submitted two jobs goes away, both jobs end and PBS forgets
// them (`job_history_duration` set to 5 s), and a new executor attaches them
// by their ids, as the agent's recovery does. PBS knows neither any more, so
// the exit-code file decides: the job that left one ends COMPLETED with its
// code; the one whose file is gone ends FAILED saying what was looked at and
// not found. Needs root (qmgr); the server's setting is put back in `finally`.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Job } from "../../src/core/job.ts";
import { isFinal, JobState } from "../../src/core/job-state.ts";
import { OPT, realExecutor, scratch, until } from "./rig.ts";
import { needPbs } from "./support.ts";

const isRoot = process.getuid?.() === 0;

function qmgr(command: string): void {
  const r = spawnSync("qmgr", ["-c", command], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, `qmgr -c '${command}': ${r.stderr}`);
}

/** The server's job_history_duration as qstat -Bf prints it, or undefined when unset. */
function historyDuration(): string | undefined {
  const out = spawnSync("qstat", ["-B", "-f"], { encoding: "utf8" }).stdout ?? "";
  return /^\s*job_history_duration = (\S+)/m.exec(out)?.[1];
}

function pbsKnows(id: string): boolean {
  return spawnSync("qstat", ["-x", id], { timeout: 30_000 }).status === 0;
}

describe("a PBS history shorter than the agent's downtime", () => {
  it(
    "PBS forgot both jobs: the exit-code file decides, and with none FAILED saying what was seen",
    isRoot ? { ...OPT, timeout: 400_000 } : { ...OPT, skip: "needs root (qmgr)" },
    async () => {
      needPbs();
      const { base } = scratch("psij-pbs-history-");
      const work = join(base, "work");
      const before = historyDuration();
      const first = realExecutor(work);
      const later = realExecutor(work);
      try {
        qmgr("set server job_history_duration = 00:00:05");
        const jobs = [new Job({ executable: "/bin/true" }), new Job({ executable: "/bin/true" })];
        for (const j of jobs) await first.submit(j);
        const ids = jobs.map((j) => j.nativeId!);
        await first.close(); // the agent is down from here
        await until("PBS to end and forget both jobs", () => ids.every((id) => !pbsKnows(id)));
        const ec = (id: string) => join(work, `${id}.ec`);
        for (const id of ids) assert.ok(existsSync(ec(id)), `${id} left ${ec(id)}`);
        rmSync(ec(ids[1])); // the second job's file is lost too

        const again = ids.map(() => new Job());
        for (const [i, j] of again.entries()) await later.attach(j, ids[i]);
        await until("both attached jobs to end", () => again.every((j) => isFinal(j.status.state)));

        assert.equal(again[0].status.state, JobState.COMPLETED, again[0].status.message);
        assert.equal(again[0].status.exitCode, 0);
        assert.equal(again[0].status.metadata?.evidence, "exit-code-file");

        const lost = again[1].status;
        assert.equal(lost.state, JobState.FAILED);
        assert.equal(lost.metadata?.evidence, "no-evidence");
        assert.match(lost.message ?? "", new RegExp(`PBS does not know job ${ids[1]}`));
        assert.match(lost.message ?? "", /Unknown Job Id/);
        assert.match(lost.message ?? "", /no exit-code file/);
        assert.ok(lost.message!.includes(work), `names where it looked: ${lost.message}`);
      } finally {
        if (before === undefined) qmgr("unset server job_history_duration");
        else qmgr(`set server job_history_duration = ${before}`);
        await first.close();
        await later.close();
      }
    },
  );
});
