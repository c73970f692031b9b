// Parsers over squeue/sbatch/scancel output recorded from a real Slurm 22.05
// (test/slurm/fixtures/README.md). No Slurm needed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  decodeWaitStatus,
  interpretScancel,
  interpretSqueue,
  parseHostnames,
  parseSbatchId,
  parseSlurmTime,
  parseSqueue,
  type SlurmJobRow,
  squeueArgv,
  squeueMineArgv,
} from "../../src/executors/slurm/parse.ts";
import { interpretSacct, parseSacctExitCode } from "../../src/executors/slurm/sacct.ts";

const dir = new URL("./fixtures/", import.meta.url);
function fixture(name: string) {
  const read = (ext: string) => {
    try {
      return readFileSync(new URL(`${name}.${ext}`, dir), "utf8");
    } catch {
      return "";
    }
  };
  return { stdout: read("out"), stderr: read("err"), exitCode: Number(read("rc").trim() || 0) };
}
function rows(name: string): Map<string, SlurmJobRow> {
  const outcome = interpretSqueue(fixture(name));
  assert.equal(outcome.kind, "rows", `${name} should parse as rows`);
  return new Map((outcome as { rows: SlurmJobRow[] }).rows.map((r) => [r.nativeId, r]));
}

describe("squeue status rows (recorded)", () => {
  it("mixed states: every row parsed, states and reasons mapped", () => {
    const m = rows("mixed-states");
    assert.equal(m.size, 23);
    const ok = m.get("17")!;
    assert.equal(ok.slurmState, "COMPLETED");
    assert.equal(ok.state, "COMPLETED");
    assert.equal(ok.final, true);
    assert.equal(ok.exitCode, 0);
    assert.equal(ok.name, "completed");
    assert.equal(ok.reason, undefined);
    const bad = m.get("18")!;
    assert.equal(bad.state, "FAILED");
    assert.equal(bad.exitCode, 3); // raw wait status 768
    assert.equal(bad.reason, "NonZeroExitCode");
    const running = m.get("19")!;
    assert.equal(running.state, "ACTIVE");
    assert.equal(running.final, false);
    assert.ok(running.startTime! > 0);
    assert.equal(running.endTime, undefined);
    const held = m.get("21")!;
    assert.equal(held.state, "QUEUED");
    assert.equal(held.reason, "JobHeldUser");
    assert.match(held.message!, /held/);
    const later = m.get("22")!;
    assert.equal(later.reason, "BeginTime");
    assert.equal(later.startTime, undefined, "a pending job's StartTime is only an estimate");
  });

  it("a job name holding the separator and pipes stays whole", () => {
    const m = rows("mixed-states");
    assert.equal(m.get("23")!.name, "odd name | with \x1f sep");
    assert.equal(m.get("23")!.state, "QUEUED");
    assert.equal(
      m.get("6")!.name,
      "a very long job name with spaces and | pipes and more more more more",
    );
  });

  it("SUSPENDED is ACTIVE with a message", () => {
    const r = rows("suspended").get("19")!;
    assert.equal(r.slurmState, "SUSPENDED");
    assert.equal(r.state, "ACTIVE");
    assert.match(r.message!, /suspended/);
  });

  it("CANCELLED pending and running → CANCELED, final", () => {
    const p = rows("cancelled-pending").get("22")!;
    assert.equal(p.state, "CANCELED");
    assert.equal(p.final, true);
    const r = rows("cancelled-running").get("19")!;
    assert.equal(r.state, "CANCELED");
    assert.equal(r.signal, 9);
    assert.equal(r.exitCode, 137);
  });

  it("TIMEOUT → FAILED with a walltime message and the TERM signal", () => {
    const r = rows("timeout").get("27")!;
    assert.equal(r.state, "FAILED");
    assert.equal(r.final, true);
    assert.equal(r.reason, "TimeLimit");
    assert.match(r.message!, /walltime exceeded.*TimeLimit/);
    assert.equal(r.signal, 15);
    assert.ok(r.endTime! > r.startTime!);
  });

  it("DEADLINE → FAILED", () => {
    const r = rows("deadline").get("26")!;
    assert.equal(r.state, "FAILED");
    assert.match(r.message!, /deadline/);
  });

  it("NODE_FAIL → FAILED; a node going down requeues a requeueable job (QUEUED)", () => {
    const nf = rows("node-fail").get("43")!;
    assert.equal(nf.slurmState, "NODE_FAIL");
    assert.equal(nf.state, "FAILED");
    assert.match(nf.message!, /node.*failed.*NodeDown/);
    const rq = rows("node-down-requeued").get("42")!;
    assert.equal(rq.state, "QUEUED");
    assert.equal(rq.final, false);
  });

  it("requeue passes through COMPLETING (ACTIVE) to PENDING (QUEUED, not final)", () => {
    assert.equal(rows("requeued").get("24")!.slurmState, "COMPLETING");
    assert.equal(rows("requeued").get("24")!.state, "ACTIVE");
    const later = rows("requeued-later").get("24")!;
    assert.equal(later.state, "QUEUED");
    assert.equal(later.final, false);
  });

  it("SPECIAL_EXIT is held, not final, with a reason containing spaces", () => {
    const r = rows("special-exit").get("25")!;
    assert.equal(r.state, "QUEUED");
    assert.equal(r.final, false);
    assert.equal(r.reason, "job requeued in held state");
    assert.match(r.message!, /SPECIAL_EXIT/);
  });

  it("partial output: one unknown id among known ones leaves the known one", () => {
    const m = rows("one-unknown-id");
    assert.deepEqual([...m.keys()], ["17"]);
  });

  it("--me lists every job of the user", () => {
    assert.equal(rows("me").size, 23);
  });
});

describe("squeue outcomes", () => {
  it("all ids unknown (exit 1, Invalid job id) means none known, not an error", () => {
    assert.deepEqual(interpretSqueue(fixture("all-unknown")), { kind: "none-known" });
  });

  it("controller down is an error that judges no job", () => {
    const o = interpretSqueue(fixture("controller-down"));
    assert.equal(o.kind, "error");
    assert.match((o as { message: string }).message, /Unable to contact slurm controller/);
  });

  it("a timed-out squeue is an error", () => {
    const o = interpretSqueue({ exitCode: 124, stdout: "", stderr: "", timedOut: true });
    assert.equal(o.kind, "error");
  });

  it("argv asks for all states, no header, one command for all ids", () => {
    const argv = squeueArgv(["1", "2", "3"]);
    assert.deepEqual(argv.slice(0, 4), ["squeue", "--noheader", "-t", "all"]);
    assert.deepEqual(argv.slice(-2), ["-j", "1,2,3"]);
    assert.ok(squeueMineArgv().includes("--me"));
  });
});

describe("every Slurm state maps", () => {
  const expected: Record<string, [string | undefined, boolean]> = {
    "901": ["QUEUED", false], // CONFIGURING
    "902": ["QUEUED", false], // REQUEUE_HOLD
    "903": ["QUEUED", false], // REQUEUE_FED
    "904": ["QUEUED", false], // RESV_DEL_HOLD
    "905": ["ACTIVE", false], // STOPPED
    "906": ["ACTIVE", false], // SIGNALING
    "907": ["ACTIVE", false], // STAGE_OUT
    "908": ["ACTIVE", false], // RESIZING
    "909": ["FAILED", true], // PREEMPTED
    "910": ["FAILED", true], // OUT_OF_MEMORY
    "911": ["FAILED", true], // BOOT_FAIL
    "912": ["FAILED", true], // REVOKED
    "913": ["CANCELED", true], // CANCELLED by 0
    "914": [undefined, false], // a state this table does not know
  };
  const synthetic = new Map(
    parseSqueue(fixture("synthetic-states").stdout).map((r) => [r.nativeId, r]),
  );
  for (const [id, [state, final]] of Object.entries(expected)) {
    it(`${id} ${synthetic.get(id)?.slurmState} → ${state ?? "unknown"}`, () => {
      const r = synthetic.get(id)!;
      assert.equal(r.state, state);
      assert.equal(r.final, final);
      if (state === undefined) assert.match(r.message!, /not known/);
    });
  }
  it("CANCELLED by 0 keeps the long name only", () => {
    assert.equal(synthetic.get("913")!.slurmState, "CANCELLED");
  });
  it("compact codes (squeue %t) map like long names", () => {
    const line = (id: string, code: string) =>
      [id, code, "None", "0", "N/A", "N/A", "x"].join("\x1f");
    const out = parseSqueue(
      ["PD", "R", "CG", "CD", "CA", "F", "TO", "OOM"].map((c, i) => line(String(i + 1), c)).join(
        "\n",
      ),
    );
    assert.deepEqual(out.map((r) => r.state), [
      "QUEUED",
      "ACTIVE",
      "ACTIVE",
      "COMPLETED",
      "CANCELED",
      "FAILED",
      "FAILED",
      "FAILED",
    ]);
  });
});

describe("small parsers", () => {
  it("wait status: exit code in the high byte, signal in the low bits", () => {
    assert.deepEqual(decodeWaitStatus("0"), { exitCode: 0 });
    assert.deepEqual(decodeWaitStatus("256"), { exitCode: 1 });
    assert.deepEqual(decodeWaitStatus("36608"), { exitCode: 143 });
    assert.deepEqual(decodeWaitStatus("9"), { exitCode: 137, signal: 9 });
    assert.deepEqual(decodeWaitStatus("N/A"), {});
  });
  it("times: Slurm's zone-less local times; N/A, NONE, Unknown are none", () => {
    assert.equal(
      parseSlurmTime("2026-11-25T10:52:49"),
      new Date(2026, 10, 25, 10, 52, 49).getTime(),
    );
    for (const t of ["N/A", "NONE", "Unknown", ""]) assert.equal(parseSlurmTime(t), undefined);
  });
  it("sbatch --parsable: id, id;cluster, notices before it", () => {
    assert.equal(parseSbatchId("7\n"), "7");
    assert.equal(parseSbatchId("123;cluster\n"), "123");
    assert.equal(parseSbatchId("notice: x\n45\n"), "45");
    assert.equal(parseSbatchId(fixture("sbatch-bad-partition").stdout), undefined);
  });
  it("scancel: a finished job is not an error", () => {
    assert.equal(interpretScancel(fixture("scancel-finished")), "ok");
    const old = {
      exitCode: 1,
      stdout: "",
      stderr: "scancel: error: Kill job error on job id 5: Job/step already completing or " +
        "completed\n",
    };
    assert.equal(interpretScancel(old), "already-finished");
    assert.equal(
      interpretScancel({ exitCode: 1, stdout: "", stderr: "Unable to contact slurm controller" }),
      "error",
    );
  });
  it("scontrol show hostnames", () => {
    assert.deepEqual(parseHostnames("n1\nn2\n\n"), ["n1", "n2"]);
  });
});

describe("sacct", () => {
  it("no accounting (recorded): disabled, not an error", () => {
    assert.deepEqual(interpretSacct("1", fixture("sacct-disabled")), { kind: "disabled" });
  });
  it("records: state (CANCELLED by N), exit:signal, end time", () => {
    const out = "5|COMPLETED|0:0|2026-11-25T10:56:16\n6|CANCELLED by 0|0:15|Unknown\n";
    const five = interpretSacct("5", { exitCode: 0, stdout: out, stderr: "" });
    assert.equal(five.kind, "found");
    const row = (five as { row: { state?: string; exitCode?: number; endTime?: number } }).row;
    assert.equal(row.state, "COMPLETED");
    assert.equal(row.exitCode, 0);
    assert.ok(row.endTime! > 0);
    const six = interpretSacct("6", { exitCode: 0, stdout: out, stderr: "" });
    assert.equal((six as { row: { state?: string } }).row.state, "CANCELED");
    assert.deepEqual(interpretSacct("9", { exitCode: 0, stdout: out, stderr: "" }), {
      kind: "unknown",
    });
    assert.deepEqual(parseSacctExitCode("3:0"), { exitCode: 3 });
    assert.deepEqual(parseSacctExitCode("0:9"), { exitCode: 137, signal: 9 });
  });
});
