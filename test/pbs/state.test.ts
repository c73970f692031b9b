import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { JobState } from "../../src/core/job-state.ts";
import { finalUpdate, liveUpdate, neverRunnable } from "../../src/executors/pbs/outcome.ts";
import { parseQstatJson } from "../../src/executors/pbs/parse/index.ts";
import type { PbsJobRecord } from "../../src/executors/pbs/parse/types.ts";
import { exitStatusMeaning } from "../../src/executors/pbs/state.ts";
import { interpretStatus } from "../../src/executors/pbs/status.ts";
import { loadCapture } from "../format/capture-loader.ts";

/** A record as the parser makes it from qstat JSON in the v23 layout (`"key":value`). */
function rec(attrs: Record<string, unknown>): PbsJobRecord {
  const doc = JSON.stringify(
    { timestamp: 1, pbs_version: "23.06.06", pbs_server: "s", Jobs: { "1.s": attrs } },
    null,
    4,
  ).replaceAll('": ', '":');
  return parseQstatJson(doc).jobs.get("1.s")!;
}

describe("scenario 15: PBS states and Exit_status", () => {
  const live: Array<[string, JobState]> = [
    ["Q", JobState.QUEUED],
    ["H", JobState.QUEUED],
    ["W", JobState.QUEUED],
    ["T", JobState.QUEUED],
    ["M", JobState.QUEUED],
    ["R", JobState.ACTIVE],
    ["E", JobState.ACTIVE],
    ["B", JobState.ACTIVE],
    ["S", JobState.ACTIVE],
    ["U", JobState.ACTIVE],
  ];
  for (const [letter, state] of live) {
    it(`${letter} → ${state}, comment as message`, () => {
      const u = liveUpdate(rec({ job_state: letter, comment: `c-${letter}` }))!;
      assert.equal(u.state, state);
      assert.equal(u.message, `c-${letter}`);
    });
  }

  it("a missing comment is no message; an unknown letter changes nothing", () => {
    assert.equal(liveUpdate(rec({ job_state: "R" }))!.message, undefined);
    assert.equal(liveUpdate(rec({ job_state: "Z" })), undefined);
    assert.equal(liveUpdate(rec({ Job_Name: "x" })), undefined);
  });

  const finals: Array<[number | undefined, JobState, number | undefined, RegExp | undefined]> = [
    [0, JobState.COMPLETED, 0, undefined],
    [1, JobState.FAILED, 1, /exit code 1/],
    [255, JobState.FAILED, 255, /exit code 255/],
    [265, JobState.FAILED, 137, /killed by signal 9 \(SIGKILL\)/],
    [271, JobState.FAILED, 143, /killed by signal 15 \(SIGTERM\)/],
    [-29, JobState.FAILED, undefined, /walltime exceeded/],
    [-11, JobState.FAILED, undefined, /rerun/],
    [-99, JobState.FAILED, undefined, /Exit_status -99/],
    [undefined, JobState.FAILED, undefined, /without running/],
  ];
  for (const [es, state, code, msg] of finals) {
    for (const letter of ["F", "X"]) {
      it(`${letter} with Exit_status ${es} → ${state}`, () => {
        const u = finalUpdate(
          rec({ job_state: letter, Exit_status: es, comment: "and finished" }),
          undefined,
          false,
        )!;
        assert.equal(u.state, state);
        assert.equal(u.exitCode, code);
        assert.equal(u.evidence, "history");
        if (msg) assert.match(u.message!, msg);
      });
    }
  }

  it("a user's cancel ends CANCELED whatever Exit_status says (271, 265, none)", () => {
    for (const es of [271, 265, undefined, 0]) {
      const u = finalUpdate(rec({ job_state: "F", Exit_status: es }), undefined, true)!;
      assert.equal(u.state, JobState.CANCELED);
      assert.equal(u.evidence, "user-cancel");
    }
  });

  it("the exit-code file decides the exit code; without the marker the output is the message", () => {
    const r = rec({ job_state: "F", Exit_status: 0 });
    const ok = finalUpdate(r, { exitCode: 0, markerSeen: true, output: "" }, false)!;
    assert.deepEqual([ok.state, ok.exitCode, ok.evidence], [
      JobState.COMPLETED,
      0,
      "exit-code-file",
    ]);
    const bad = finalUpdate(
      r,
      { exitCode: 1, markerSeen: false, output: "stage-in failed: x" },
      false,
    )!;
    assert.equal(bad.state, JobState.FAILED);
    assert.match(bad.message!, /^script output: stage-in failed: x/);
    const noRecord = finalUpdate(undefined, { exitCode: 3, markerSeen: true }, false)!;
    assert.deepEqual([noRecord.state, noRecord.exitCode], [JobState.FAILED, 3]);
  });

  it("a live record is never final, and no record with no file is no update", () => {
    assert.equal(finalUpdate(rec({ job_state: "R" }), undefined, false), undefined);
    assert.equal(finalUpdate(undefined, { markerSeen: false }, false), undefined);
  });

  it("Can Never Run is recognised on queued and held jobs only", () => {
    assert.ok(
      neverRunnable(
        rec({
          job_state: "Q",
          comment: "Can Never Run: Insufficient amount of resource: ncpus (R: 4 A: 2 T: 2)",
        }),
      ),
    );
    assert.ok(
      !neverRunnable(
        rec({ job_state: "Q", comment: "Not Running: Insufficient amount of resource" }),
      ),
    );
    assert.ok(!neverRunnable(rec({ job_state: "R", comment: "Can Never Run: x" })));
  });

  it("exitStatusMeaning covers the JOB_EXEC range", () => {
    for (let es = -30; es <= -1; es++) assert.equal(exitStatusMeaning(es).state, JobState.FAILED);
  });
});

describe("status output from real OpenPBS 23.06.06 (captures)", () => {
  it("a finished job (exit 0) → COMPLETED from history", () => {
    const c = loadCapture("06_qstat_-x_-f_-F_json_FINISHED_exit0.txt");
    const report = interpretStatus(["1.vm"], c);
    assert.equal(report.error, undefined);
    const u = finalUpdate(report.seen.get("1.vm"), undefined, false)!;
    assert.equal(u.state, JobState.COMPLETED);
  });

  it("exit 3 → FAILED 3; qdel of a running job (271) → CANCELED when the user asked, else FAILED", () => {
    const three = loadCapture("13_qstat_-x_-f_-F_json_EXIT3.txt");
    const id3 = [...parseQstatJson(three.stdout).jobs.keys()][0];
    const u3 = finalUpdate(interpretStatus([id3], three).seen.get(id3), undefined, false)!;
    assert.deepEqual([u3.state, u3.exitCode], [JobState.FAILED, 3]);
    const del = loadCapture("12_qstat_-x_-f_-F_json_QDEL_RUNNING.txt");
    const idd = [...parseQstatJson(del.stdout).jobs.keys()][0];
    const r = interpretStatus([idd], del).seen.get(idd)!;
    assert.equal(finalUpdate(r, undefined, true)!.state, JobState.CANCELED);
    assert.equal(finalUpdate(r, undefined, false)!.state, JobState.FAILED);
  });

  it("an unknown id (exit 153, header-only JSON) is missing, not an error", () => {
    const c = loadCapture("08_qstat_-f_-F_json_unknown_id.txt");
    const report = interpretStatus(["9999.vm"], c);
    assert.equal(report.error, undefined);
    assert.deepEqual(report.missing, ["9999.vm"]);
  });

  it("running and held jobs map to ACTIVE and QUEUED", () => {
    const run = loadCapture("05b_qstat_-f_-F_json_RUNNING_steady.txt");
    const idr = [...parseQstatJson(run.stdout).jobs.keys()][0];
    assert.equal(liveUpdate(interpretStatus([idr], run).seen.get(idr)!)!.state, JobState.ACTIVE);
    const held = loadCapture("04_qstat_-f_-F_json_HELD.txt");
    const idh = [...parseQstatJson(held.stdout).jobs.keys()][0];
    assert.equal(liveUpdate(interpretStatus([idh], held).seen.get(idh)!)!.state, JobState.QUEUED);
  });

  it("a connection failure is a failed command: nothing missing, an error to report", () => {
    const report = interpretStatus(["1.vm", "2.vm"], {
      exitCode: 255,
      stdout: "",
      stderr: "Connection refused\nqstat: cannot connect to server vm (errno=15010)\n",
    });
    assert.match(report.error!, /qstat exited 255: Connection refused/);
    assert.deepEqual(report.missing, []);
  });

  it("a timed-out command is a failed command", () => {
    const report = interpretStatus(["1.vm"], {
      exitCode: 124,
      stdout: "",
      stderr: "",
      timedOut: true,
    });
    assert.match(report.error!, /timed out/);
  });

  it("ids are matched by sequence number when the server suffix differs", () => {
    const c = loadCapture("06_qstat_-x_-f_-F_json_FINISHED_exit0.txt");
    const report = interpretStatus(["1.vm.example.org"], c);
    assert.ok(report.seen.has("1.vm.example.org"));
  });
});
