/**
 * Audit of how the PBS executor reads qstat and qdel answers, against the
 * simulator's commands and the real OpenPBS captures: partial output with
 * per-id errors (153, 35, the last failure's code), history off, a qdel of a
 * finished, vanished or exiting job, and PBS's record of a deletion.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Job } from "../../src/core/job.ts";
import { isFinal, JobState } from "../../src/core/job-state.ts";
import { deletedRecord } from "../../src/executors/pbs/cancel.ts";
import { finalUpdate } from "../../src/executors/pbs/outcome.ts";
import { parseQstatJson } from "../../src/executors/pbs/parse/index.ts";
import { interpretStatus } from "../../src/executors/pbs/status.ts";
import { runCommand } from "../../simulator/runner.ts";
import { loadCapture } from "../format/capture-loader.ts";
import { advance, rig, untilFinal } from "./helpers.ts";

function finals(job: Job): string[] {
  return job.history.filter((s) => isFinal(s.state)).map((s) => s.state);
}

/** A simulator with one running, one finished (in history) job and one id it never had. */
async function threeJobs() {
  const r = rig();
  const running = new Job({ executable: "/bin/sleep", name: "r300" });
  const done = new Job({ executable: "/bin/date", name: "r1" });
  await r.executor.submit(running);
  await r.executor.submit(done);
  await untilFinal(r.clock, done);
  await r.executor.close();
  return { ...r, live: running.nativeId!, finished: done.nativeId!, unknown: "999.pbs-sim" };
}

describe("audit: qstat's per-id errors leave the other ids' records usable", () => {
  it("exit 153 (an unknown id among known ones, -x): the others seen, the unknown one missing, no error", async () => {
    const { server, live, finished, unknown } = await threeJobs();
    const r = runCommand(server, ["qstat", "-f", "-F", "json", "-x", live, unknown, finished]);
    assert.equal(r.exitCode, 153);
    const rep = interpretStatus([live, unknown, finished], r);
    assert.equal(rep.error, undefined);
    assert.deepEqual([...rep.seen.keys()].sort(), [finished, live].sort());
    assert.deepEqual(rep.missing, [unknown]);
  });

  it("exit 35 (a finished job asked for without -x): the live one seen, the finished one missing, no error", async () => {
    const { server, live, finished } = await threeJobs();
    const r = runCommand(server, ["qstat", "-f", "-F", "json", live, finished]);
    assert.equal(r.exitCode, 35);
    assert.match(r.stderr, /Job has finished, use -x/);
    const rep = interpretStatus([live, finished], r);
    assert.equal(rep.error, undefined);
    assert.deepEqual([...rep.seen.keys()], [live]);
    assert.deepEqual(rep.missing, [finished]);
  });

  it("the exit code is the last failure's (153 then 35 → 35): both ids missing, the good one seen", async () => {
    const { server, live, finished, unknown } = await threeJobs();
    const r = runCommand(server, ["qstat", "-f", "-F", "json", unknown, live, finished]);
    assert.equal(r.exitCode, 35);
    const rep = interpretStatus([unknown, live, finished], r);
    assert.equal(rep.error, undefined);
    assert.deepEqual([...rep.seen.keys()], [live]);
    assert.deepEqual(rep.missing.sort(), [finished, unknown].sort());
  });

  it("an unexplained line on stderr makes the command a failure: records used, nobody missing", async () => {
    const { server, live, unknown } = await threeJobs();
    const r = runCommand(server, ["qstat", "-f", "-F", "json", "-x", live, unknown]);
    const rep = interpretStatus([live, unknown], {
      ...r,
      stderr: `${r.stderr}qstat: Error (15010) returning Server attribute\n`,
    });
    assert.match(rep.error!, /qstat exited 153/);
    assert.deepEqual([...rep.seen.keys()], [live]);
    assert.deepEqual(rep.missing, []);
  });
});

describe("audit: job history off on the server", () => {
  it("the refused -x (exit 0, 'not configured') is retried without -x in the same cycle; nothing degrades", async () => {
    const { clock, executor, runner } = rig({ server: { historyEnabled: false } });
    const job = new Job({ executable: "/bin/sleep", name: "r60" });
    await executor.submit(job);
    await advance(clock, 1500);
    const qstats = runner.calls.filter((c) => c[0] === "qstat");
    assert.deepEqual(qstats.map((c) => c.includes("-x")), [true, false]);
    assert.equal(job.status.state, JobState.ACTIVE);
    assert.equal(executor.health().status, "ok");
  });

  it("qdel of a job PBS already forgot (153) is no error; its exit-code file then gives its own end", async () => {
    const { clock, executor, server, workDir } = rig({ server: { historyEnabled: false } });
    const job = new Job({ executable: "/bin/date", name: "r1" });
    await executor.submit(job);
    await advance(clock, 4000); // ended and forgotten; the poller is looking for evidence
    assert.equal(isFinal(job.status.state), false);
    assert.equal(runCommand(server, ["qdel", job.nativeId!]).exitCode, 153);
    await job.cancel();
    writeFileSync(join(workDir, `${job.nativeId}.ec`), "0\n");
    const s = await untilFinal(clock, job);
    assert.deepEqual([s.state, s.metadata?.evidence], [JobState.COMPLETED, "exit-code-file"]);
    assert.deepEqual(finals(job), ["COMPLETED"]);
  });

  it("qdel of a job PBS already forgot (153) with no exit-code file: the user's cancel is the end", async () => {
    const { clock, executor } = rig({ server: { historyEnabled: false } });
    const job = new Job({ executable: "/bin/date", name: "r1" });
    await executor.submit(job);
    await advance(clock, 4000);
    await job.cancel();
    const s = await untilFinal(clock, job);
    assert.deepEqual([s.state, s.metadata?.evidence], [JobState.CANCELED, "user-cancel"]);
    assert.match(s.message!, /no longer knows the job/);
  });
});

describe("audit: qdel answers", () => {
  it("qdel of a job in E (168, 'Request invalid for state'): no error, the job's own end is reported", async () => {
    const { clock, executor, server, runner } = rig();
    const job = new Job({ executable: "/bin/date", name: "r5" });
    await executor.submit(job);
    await advance(clock, 2000);
    assert.equal(job.status.state, JobState.ACTIVE);
    server.lingerInE(job.nativeId!, 20_000);
    for (let t = 0; t < 30_000 && server.jobs.get(job.nativeId!)?.state !== "E"; t += 500) {
      await clock.advance(500);
    }
    assert.equal(server.jobs.get(job.nativeId!)?.state, "E");
    assert.equal(runCommand(server, ["qdel", job.nativeId!]).exitCode, 168);
    await job.cancel();
    assert.equal(runner.count("qdel"), 1);
    const s = await untilFinal(clock, job);
    assert.equal(s.state, JobState.COMPLETED);
    assert.deepEqual(finals(job), ["COMPLETED"]);
  });

  it("a job deleted by someone else (qdel -W force: Exit_status 265) is FAILED, killed by SIGKILL, not CANCELED", async () => {
    const { clock, executor, server } = rig();
    const job = new Job({ executable: "/bin/sleep", name: "r300" });
    await executor.submit(job);
    await advance(clock, 2000);
    assert.equal(runCommand(server, ["qdel", "-W", "force", job.nativeId!]).exitCode, 0);
    const s = await untilFinal(clock, job);
    assert.equal(s.state, JobState.FAILED);
    assert.equal(s.exitCode, 137);
    assert.match(s.message!, /killed by signal 9 \(SIGKILL\)/);
    assert.equal(s.metadata?.exitStatus, 265);
  });
});

describe("audit: PBS's record of a deletion (real OpenPBS 23.06.06 captures)", () => {
  const rec = (file: string) => [...parseQstatJson(loadCapture(file).stdout).jobs.values()][0];

  it("qdel of a running job: substate 91 and Exit_status 271 is a deletion; exit 3 (substate 93) is not", () => {
    assert.equal(deletedRecord(rec("12_qstat_-x_-f_-F_json_QDEL_RUNNING.txt")), true);
    assert.equal(deletedRecord(rec("13_qstat_-x_-f_-F_json_EXIT3.txt")), false);
    assert.equal(deletedRecord(rec("06_qstat_-x_-f_-F_json_FINISHED_exit0.txt")), false);
  });

  it("substate 91 with Exit_status 143 (our script's TERM trap exits by itself) is a deletion too", () => {
    const r = { ...rec("12_qstat_-x_-f_-F_json_QDEL_RUNNING.txt"), exitStatus: 143 };
    assert.equal(deletedRecord(r), true);
    assert.equal(deletedRecord({ ...r, substate: 93 }), false);
  });

  it("an exit-code file of 143 with PBS's -29 keeps PBS's reason in the message", () => {
    const r = { ...rec("13_qstat_-x_-f_-F_json_EXIT3.txt"), exitStatus: -29 };
    const u = finalUpdate(r, { exitCode: 143, markerSeen: false, output: "Terminated" }, false)!;
    assert.equal(u.state, JobState.FAILED);
    assert.equal(u.exitCode, 143);
    assert.equal(u.evidence, "exit-code-file");
    assert.match(u.message!, /walltime exceeded \(Exit_status -29\)/);
    const same = finalUpdate({ ...r, exitStatus: 3 }, { exitCode: 3, markerSeen: true }, false)!;
    assert.doesNotMatch(same.message!, /Exit_status/);
  });
});

describe("audit: job history turned back on", () => {
  it("plain qstat's 'Job has finished, use -x' (35) switches back to -x: the end comes from history, not the grace period", async () => {
    const { clock, executor, server, runner } = rig({ server: { historyEnabled: false } });
    const job = new Job({ executable: "/bin/date", name: "r20" });
    await executor.submit(job);
    await advance(clock, 2000);
    assert.equal(job.status.state, JobState.ACTIVE);
    assert.ok(!runner.calls.filter((c) => c[0] === "qstat").at(-1)!.includes("-x"));
    server.historyEnabled = true;
    const s = await untilFinal(clock, job, 40_000);
    assert.deepEqual([s.state, s.metadata?.evidence], [JobState.COMPLETED, "history"]);
    assert.ok(runner.calls.filter((c) => c[0] === "qstat").at(-1)!.includes("-x"));
  });
});

describe("audit: both qstat JSON encoders, through the executor", () => {
  const quirks: Record<string, string>[] = [
    { "pbs.N": "123" }, // v23: a bare number; cJSON: a string
    { "pbs.N": "007" }, // v23: the string "007"; cJSON (unpatched) would type it
    { "pbs.v": "WIN=C:\\dir\\bin" }, // v23: the invalid escape \d
    { "pbs.v": 'Q="starts with a quote' }, // v23: an unescaped leading quote
    { "pbs.v": "E=,F=1" }, // v19-v23: the Variable_List splitter bug
    { "pbs.v": "T=inf" }, // v23: a bare inf
  ];
  for (const encoder of ["v23", "cjson"] as const) {
    it(`${encoder}${encoder === "cjson" ? " with the multi-id bug #2672" : ""}: quirky values never hide a job's end or its exit code`, async () => {
      const { clock, executor } = rig({
        server: { jsonEncoder: encoder, cjsonMultiIdBug: encoder === "cjson" },
      });
      const jobs = quirks.map((customAttributes, i) =>
        new Job({
          executable: "/bin/date",
          name: `r${5 + i}x${i}`,
          attributes: { customAttributes },
        })
      );
      // pbs.N replaces the name that carries the model's outcome; those end 0.
      for (const j of jobs) await executor.submit(j);
      for (const j of jobs) await untilFinal(clock, j);
      jobs.forEach((j, i) => {
        const code = "pbs.N" in quirks[i] ? 0 : i;
        assert.equal(j.status.exitCode, code, `${JSON.stringify(quirks[i])}: ${j.status.message}`);
        assert.equal(j.status.state, code === 0 ? JobState.COMPLETED : JobState.FAILED);
        assert.equal(j.status.metadata?.evidence, "history");
      });
      assert.equal(executor.health().status, "ok");
    });
  }
});
