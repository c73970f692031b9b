/**
 * The backend's parsers on the real captures: concrete fields of every record,
 * the error lines, qsub ids, qselect lists and ctime strings.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadCapture } from "./capture-loader.ts";
import {
  parseCtime,
  parseQdelErrors,
  parseQselect,
  parseQstatErrors,
  parseQstatFull,
  parseQstatJson,
  parseQsubId,
  type PbsJobRecord,
} from "../../src/executors/pbs/parse/index.ts";
import { ctimeString } from "../../simulator/format/index.ts";

function only(file: string, parse: (s: string) => ReturnType<typeof parseQstatJson>): PbsJobRecord {
  const r = parse(loadCapture(file).stdout);
  assert.deepEqual(r.problems, []);
  assert.equal(r.jobs.size, 1);
  return [...r.jobs.values()][0];
}

const PBS_O_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games:/opt/pbs/bin";

describe("parseQstatJson on captures", () => {
  it("04 held job: H/20, no Exit_status", () => {
    const j = only("04_qstat_-f_-F_json_HELD.txt", parseQstatJson);
    assert.equal(j.id, "11.vm");
    assert.equal(j.state, "H");
    assert.equal(j.substate, 20);
    assert.equal(j.exitStatus, undefined);
    assert.equal(j.name, "held");
    assert.equal(j.owner, "alice@vm");
    assert.equal(j.queue, "workq");
    assert.equal(j.comment, undefined);
    assert.equal(j.variables.PBS_O_PATH, PBS_O_PATH);
    assert.equal(j.variables.PBS_O_HOST, "vm");
    assert.deepEqual(j.resources, { ncpus: "1", nodect: "1", place: "pack", select: "1:ncpus=1" });
    assert.equal(j.times.ctime, "Wed Nov 25 09:55:48 2026");
    assert.equal(j.attrs.Hold_Types, "u");
    assert.equal(j.attrs.Priority, 0);
  });
  it("05b running job: R/42 with its run comment", () => {
    const j = only("05b_qstat_-f_-F_json_RUNNING_steady.txt", parseQstatJson);
    assert.equal(j.state, "R");
    assert.equal(j.substate, 42);
    assert.equal(j.comment, "Job run at Wed Nov 25 at 09:55 on (vm:ncpus=1)");
    assert.equal(j.times.stime, "Wed Nov 25 09:55:48 2026");
    assert.equal(j.attrs.session_id, 20447);
    assert.deepEqual(j.attrs.resources_used, {
      cpupercent: 0,
      cput: "00:00:00",
      mem: "0kb",
      ncpus: 1,
      vmem: "0kb",
      walltime: "00:00:00",
    });
  });
  const finished: [string, number, number, string][] = [
    ["06_qstat_-x_-f_-F_json_FINISHED_exit0.txt", 92, 0, " and finished"],
    ["12_qstat_-x_-f_-F_json_QDEL_RUNNING.txt", 91, 271, " and terminated by alice@vm"],
    ["13_qstat_-x_-f_-F_json_EXIT3.txt", 93, 3, " and failed"],
  ];
  for (const [file, substate, exit, tail] of finished) {
    it(`${file.slice(0, 2)} finished job: F/${substate}, Exit_status ${exit}`, () => {
      const j = only(file, parseQstatJson);
      assert.equal(j.state, "F");
      assert.equal(j.substate, substate);
      assert.equal(j.exitStatus, exit);
      assert.ok(j.comment?.endsWith(tail), j.comment);
      assert.ok(j.times.obittime);
      assert.equal(typeof j.attrs.history_timestamp, "number");
    });
  }
  it("08 unknown id: the header object alone gives no jobs and no problems", () => {
    const r = parseQstatJson(loadCapture("08_qstat_-f_-F_json_unknown_id.txt").stdout);
    assert.equal(r.jobs.size, 0);
    assert.deepEqual(r.problems, []);
  });
});

describe("parseQstatFull on captures", () => {
  it("05b running job, with the wrapped Variable_List joined", () => {
    const j = only("05b_qstat_-f_RUNNING_steady.txt", parseQstatFull);
    assert.equal(j.state, "R");
    assert.equal(j.substate, 42);
    assert.equal(j.name, "running");
    assert.equal(j.variables.PBS_O_PATH, PBS_O_PATH);
    assert.equal(j.variables.PBS_O_WORKDIR, "/home/alice/jobs");
    assert.equal(Object.keys(j.variables).length, 9);
    assert.equal(j.resources.select, "1:ncpus=1");
  });
  it("06 finished job", () => {
    const j = only("06_qstat_-x_-f_FINISHED_exit0.txt", parseQstatFull);
    assert.equal(j.state, "F");
    assert.equal(j.substate, 92);
    assert.equal(j.exitStatus, 0);
    assert.equal(j.comment, "Job run at Wed Nov 25 at 09:55 on (vm:ncpus=1) and finished");
    assert.equal(j.attrs.history_timestamp, "1795600536");
  });
});

describe("parseQstatErrors / parseQdelErrors", () => {
  it("reads qstat's unknown-id and finished-job lines", () => {
    assert.deepEqual(parseQstatErrors(loadCapture("08_qstat_unknown_id.txt").stderr), {
      unknown: ["9999.vm"],
      finished: [],
      other: [],
    });
    assert.deepEqual(parseQstatErrors(loadCapture("10_qstat_finished_no_x.txt").stderr), {
      unknown: [],
      finished: ["1.vm"],
      other: [],
    });
  });
  it("keeps other qstat lines verbatim", () => {
    const r = parseQstatErrors(
      "qstat: illegally formed job identifier: x\nqstat: Unknown Job Id 5.vm\n",
    );
    assert.deepEqual(r, {
      unknown: ["5.vm"],
      finished: [],
      other: ["qstat: illegally formed job identifier: x"],
    });
  });
  it("reads qdel's unknown and finished lines (v22+ form with the id last)", () => {
    assert.deepEqual(parseQdelErrors(loadCapture("11_qdel_unknown.txt").stderr).unknown, [
      "9999.vm",
    ]);
    assert.deepEqual(parseQdelErrors(loadCapture("11_qdel_finished.txt").stderr).finished, [
      "1.vm",
    ]);
    assert.deepEqual(parseQdelErrors(loadCapture("11_qdel_running_success.txt").stderr), {
      unknown: [],
      finished: [],
      other: [],
    });
  });
  it("attributes v20's id-less 'Job has finished' to the one requested id, else to ''", () => {
    assert.deepEqual(parseQdelErrors("qdel: Job has finished\n", ["5.vm"]).finished, ["5.vm"]);
    assert.deepEqual(parseQdelErrors("qdel: Job has finished\n", ["5.vm", "6.vm"]).finished, [""]);
  });
  it("puts other qdel lines in other", () => {
    const line = "qdel: Request invalid for state of job 7.vm";
    assert.deepEqual(parseQdelErrors(line).other, [line]);
  });
});

describe("parseQsubId / parseQselect", () => {
  it("reads the id qsub printed", () => {
    assert.equal(parseQsubId(loadCapture("01_qsub_success_script.txt").stdout), "1.vm");
    assert.equal(parseQsubId(loadCapture("01_qsub_success_dashdash.txt").stdout), "3.vm");
    assert.equal(parseQsubId("1235[].pbsserver\n"), "1235[].pbsserver");
  });
  it("returns undefined when qsub printed no id", () => {
    assert.equal(parseQsubId(""), undefined);
    assert.equal(parseQsubId("Job script will be read from standard input.\n"), undefined);
  });
  it("lists qselect's ids", () => {
    assert.deepEqual(parseQselect("1.vm\n2.vm\n3[].vm\n\n"), ["1.vm", "2.vm", "3[].vm"]);
    assert.deepEqual(parseQselect(""), []);
  });
});

describe("parseCtime", () => {
  it("reads a ctime string as UTC epoch ms", () => {
    assert.equal(parseCtime("Wed Nov 25 09:55:48 2026"), Date.UTC(2026, 10, 25, 9, 55, 48));
    assert.equal(parseCtime("Tue Jan  9 10:05:00 2024"), Date.UTC(2024, 0, 9, 10, 5, 0));
  });
  it("inverts ctimeString", () => {
    for (const t of [0, 1704794700, 1795600548, 4102444799]) {
      assert.equal(parseCtime(ctimeString(t)), t * 1000);
    }
    assert.equal(ctimeString(1704794700), "Tue Jan  9 10:05:00 2024");
  });
  it("returns undefined for anything else", () => {
    for (const s of ["", "yesterday", "Wed Foo 25 09:55:48 2026", "Wed Nov 25 25:55:48 2026"]) {
      assert.equal(parseCtime(s), undefined);
    }
  });
});
