// The truth rules for the Slurm executor, replayed deterministically: a
// scripted CommandRunner answers with text in the exact format of the
// recorded squeue/sbatch/scancel output (test/slurm/fixtures/), on a virtual
// clock. No Slurm needed.
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtualClock } from "../../src/core/clock.ts";
import type { CommandResult, CommandRunner } from "../../src/core/command-runner.ts";
import { SubmitException } from "../../src/core/errors.ts";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import { COMPLETION_MARKER } from "../../src/batch/protocol.ts";
import { SlurmExecutor } from "../../src/executors/slurm.ts";

const fixtures = new URL("./fixtures/", import.meta.url);
const fx = (name: string) => readFileSync(new URL(name, fixtures), "utf8");

type Answer = CommandResult | ((argv: readonly string[]) => CommandResult);
const ok = (stdout: string): CommandResult => ({ exitCode: 0, stdout, stderr: "" });
const row = (id: string, state: string, reason = "None", exit = "0") =>
  [id, state, reason, exit, "2026-11-25T10:00:00", "2026-11-25T10:00:05", "job"].join("\x1f") +
  "\n";
const CONTROLLER_DOWN: CommandResult = {
  exitCode: 1,
  stdout: "",
  stderr: fx("controller-down.err"),
};
const ALL_UNKNOWN: CommandResult = { exitCode: 1, stdout: "", stderr: fx("all-unknown.err") };

/** Answers each command from a per-command handler; records every argv. */
class ScriptedRunner implements CommandRunner {
  calls: string[][] = [];
  handlers: Record<string, Answer> = {};
  nextId = 7;
  constructor() {
    this.handlers.sbatch = () => ok(`${this.nextId++}\n`);
    this.handlers.scancel = ok("");
  }
  run(argv: readonly string[]): Promise<CommandResult> {
    this.calls.push([...argv]);
    const h = this.handlers[argv[0]];
    if (!h) return Promise.resolve({ exitCode: 127, stdout: "", stderr: "not scripted" });
    return Promise.resolve(typeof h === "function" ? h(argv) : h);
  }
  count(cmd: string): number {
    return this.calls.filter((c) => c[0] === cmd).length;
  }
}

/** squeue answering from a table of rows by id (ids absent from it are unknown). */
function squeueFrom(rows: Map<string, string>): (argv: readonly string[]) => CommandResult {
  return (argv) => {
    const ids = argv[argv.indexOf("-j") + 1].split(",");
    const out = ids.filter((id) => rows.has(id)).map((id) => rows.get(id)!).join("");
    return out ? ok(out) : ALL_UNKNOWN;
  };
}

describe("Slurm truth rules (scripted runner, virtual clock)", () => {
  let dir = "", clock: VirtualClock, runner: ScriptedRunner, ex: SlurmExecutor;
  const rows = new Map<string, string>();
  const leave = (id: string, ec: number, marker = true) => {
    writeFileSync(join(dir, `${id}.ec`), `${ec}\n`);
    writeFileSync(join(dir, `${id}.out`), marker ? `${COMPLETION_MARKER}\n` : "boom\n");
  };
  const tick = async (ms = 1000, n = 1) => {
    for (let i = 0; i < n; i++) await clock.advance(ms);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "psij-slurm-truth-"));
    clock = new VirtualClock();
    runner = new ScriptedRunner();
    rows.clear();
    runner.handlers.squeue = squeueFrom(rows);
    ex = new SlurmExecutor({ runner, clock, workDir: dir, graceMs: 10_000, env: {}, home: dir });
  });
  afterEach(async () => {
    await ex.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a failing squeue changes no job and marks the executor degraded; it recovers", async () => {
    const job = new Job({ executable: "/bin/true" });
    await ex.submit(job);
    runner.handlers.squeue = CONTROLLER_DOWN;
    await tick(1000, 30);
    assert.equal(job.status.state, JobState.QUEUED);
    assert.equal(ex.health().status, "degraded");
    assert.match(ex.health().lastError!, /Unable to contact slurm controller/);
    runner.handlers.squeue = squeueFrom(rows);
    rows.set("7", row("7", "RUNNING"));
    await tick(1000, 40);
    assert.equal(job.status.state, JobState.ACTIVE);
    assert.equal(ex.health().status, "ok");
  });

  it("one squeue per cycle for all tracked jobs; no polling while nothing is tracked", async () => {
    const jobs = Array.from({ length: 5 }, () => new Job({ executable: "/bin/true" }));
    for (const j of jobs) await ex.submit(j);
    for (let id = 7; id < 12; id++) rows.set(String(id), row(String(id), "PENDING", "Priority"));
    await tick(1000, 3);
    const squeues = runner.calls.filter((c) => c[0] === "squeue");
    assert.ok(squeues.length >= 1);
    for (const c of squeues) assert.equal(c[c.indexOf("-j") + 1], "7,8,9,10,11");
    for (let id = 7; id < 12; id++) {
      rows.set(String(id), row(String(id), "COMPLETED"));
      leave(String(id), 0);
    }
    await tick(1000, 40);
    assert.ok(jobs.every((j) => j.status.state === JobState.COMPLETED));
    const before = runner.count("squeue");
    await tick(10_000, 10);
    assert.equal(runner.count("squeue"), before);
  });

  it("one unknown id among many leaves the others updating; the unknown one ends FAILED only after the grace period", async () => {
    const a = new Job({ executable: "/bin/true" }), b = new Job({ executable: "/bin/true" });
    await ex.submit(a);
    await ex.submit(b); // 8: Slurm never reports it
    rows.set("7", row("7", "COMPLETED"));
    leave("7", 0);
    await tick(1000, 3);
    assert.equal(a.status.state, JobState.COMPLETED);
    assert.equal(b.status.state, JobState.QUEUED);
    await tick(1000, 30);
    assert.equal(b.status.state, JobState.FAILED);
    assert.equal(b.status.metadata?.evidence, "no-evidence");
    assert.match(b.status.message!, /no evidence of how Slurm job 8 ended.*8\.ec/);
  });

  it("a quick failure Slurm never showed RUNNING passes ACTIVE, stamped when seen, Slurm's End kept beside", async () => {
    const failed = new Job({ executable: "/bin/false" });
    const pending = new Job({ executable: "/bin/true" });
    await ex.submit(failed);
    await ex.submit(pending);
    rows.set("7", row("7", "FAILED", "NonZeroExitCode", "256"));
    rows.set("8", row("8", "CANCELLED")); // cancelled while pending: it never ran
    await tick(1000, 3);
    assert.equal(failed.status.state, JobState.FAILED);
    assert.equal(failed.status.exitCode, 1);
    assert.deepEqual(failed.history.map((s) => s.state), [
      "QUEUED",
      "STAGE_IN",
      "ACTIVE",
      "FAILED",
    ]);
    assert.deepEqual(pending.history.map((s) => s.state), ["QUEUED", "CANCELED"]);
    // The row's End is 2026-11-25T10:00:05 (local time); the clock is months earlier.
    assert.ok(failed.status.time <= clock.now(), "a transition is stamped when it was seen");
    assert.equal(failed.status.schedulerTime, new Date("2026-11-25T10:00:05").getTime());
  });

  it("a job gone from squeue with an exit-code file ends by the file: 0 → COMPLETED, 3 → FAILED 3", async () => {
    const a = new Job({ executable: "/bin/true" }), b = new Job({ executable: "/bin/false" });
    await ex.submit(a);
    await ex.submit(b);
    leave("7", 0);
    leave("8", 3);
    await tick(1000, 5);
    assert.equal(a.status.state, JobState.COMPLETED);
    assert.equal(a.status.metadata?.evidence, "exit-code-file");
    assert.equal(b.status.state, JobState.FAILED);
    assert.equal(b.status.exitCode, 3);
  });

  it("COMPLETED in Slurm but exit-code file 2 → FAILED 2; no file → Slurm's exit code", async () => {
    const a = new Job({ executable: "x" }), b = new Job({ executable: "y" });
    await ex.submit(a);
    await ex.submit(b);
    rows.set("7", row("7", "COMPLETED"));
    leave("7", 2);
    rows.set("8", row("8", "FAILED", "NonZeroExitCode", "1280"));
    await tick(1000, 3);
    assert.equal(a.status.state, JobState.FAILED);
    assert.equal(a.status.exitCode, 2);
    assert.equal(b.status.state, JobState.FAILED);
    assert.equal(b.status.exitCode, 5);
    assert.equal(b.status.metadata?.evidence, "history");
  });

  it("a failure before the marker reports the script's output", async () => {
    const job = new Job({ executable: "x" });
    await ex.submit(job);
    rows.set("7", row("7", "FAILED", "NonZeroExitCode", "256"));
    leave("7", 1, false);
    await tick(1000, 3);
    assert.equal(job.status.state, JobState.FAILED);
    assert.match(job.status.message!, /boom/);
  });

  it("TIMEOUT → FAILED with the walltime reason, whatever the file says", async () => {
    const job = new Job({ executable: "x" });
    await ex.submit(job);
    rows.set("7", row("7", "TIMEOUT", "TimeLimit", "15"));
    leave("7", 143, false);
    await tick(1000, 3);
    assert.equal(job.status.state, JobState.FAILED);
    assert.match(job.status.message!, /walltime exceeded.*TimeLimit/);
    assert.equal(job.status.exitCode, 143);
  });

  it("cancel: CANCELLED → CANCELED at once; a second cancel runs no second scancel", async () => {
    const job = new Job({ executable: "x" });
    await ex.submit(job);
    runner.handlers.scancel = () => {
      rows.set("7", row("7", "CANCELLED", "None", "9"));
      return ok("");
    };
    await job.cancel();
    assert.equal(job.status.state, JobState.CANCELED);
    await job.cancel();
    assert.equal(runner.count("scancel"), 1);
  });

  it("cancel racing completion: the job had run to its end → its real outcome, no error", async () => {
    const job = new Job({ executable: "x" });
    await ex.submit(job);
    rows.set("7", row("7", "COMPLETED"));
    leave("7", 0);
    await job.cancel(); // scancel exits 0 for a finished job
    assert.equal(job.status.state, JobState.COMPLETED);
  });

  it("cancel of a live job Slurm then forgets → CANCELED (the user's cancel is the evidence)", async () => {
    const job = new Job({ executable: "x" });
    await ex.submit(job);
    rows.set("7", row("7", "RUNNING"));
    await job.cancel();
    rows.delete("7");
    await tick(1000, 5);
    assert.equal(job.status.state, JobState.CANCELED);
    assert.equal(job.status.metadata?.evidence, "user-cancel");
  });

  it("scancel failing is an error and may be retried", async () => {
    const job = new Job({ executable: "x" });
    await ex.submit(job);
    runner.handlers.scancel = CONTROLLER_DOWN;
    await assert.rejects(job.cancel(), /scancel 7 failed/);
    runner.handlers.scancel = ok("");
    rows.set("7", row("7", "CANCELLED"));
    await job.cancel();
    assert.equal(job.status.state, JobState.CANCELED);
  });

  it("sbatch refused → SubmitException with the output; the job stays NEW and can be resubmitted", async () => {
    runner.handlers.sbatch = {
      exitCode: 1,
      stdout: "",
      stderr: fx("sbatch-bad-partition.err"),
    };
    const job = new Job({ executable: "x", attributes: { queueName: "nosuchpartition" } });
    await assert.rejects(ex.submit(job), (e: unknown) => {
      assert.ok(e instanceof SubmitException);
      assert.equal(e.transient, false);
      assert.match(e.message, /Invalid partition name/);
      return true;
    });
    assert.equal(job.status.state, JobState.NEW);
    runner.handlers.sbatch = CONTROLLER_DOWN;
    await assert.rejects(ex.submit(job), (e: unknown) => (e as SubmitException).transient);
    runner.handlers.sbatch = ok("42\n");
    await ex.submit(job);
    assert.equal(job.nativeId, "42");
  });

  it("attach: no callback before it returns; an unknown id ends FAILED; a failing squeue throws", async () => {
    const job = new Job();
    let calls = 0;
    job.setStatusCallback(() => calls++);
    await ex.attach(job, "555");
    assert.equal(calls, 0);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(job.status.state, JobState.FAILED);
    assert.match(job.status.message!, /Slurm does not know job 555/);
    runner.handlers.squeue = CONTROLLER_DOWN;
    const other = new Job();
    await assert.rejects(ex.attach(other, "556"), SubmitException);
    assert.equal(other.status.state, JobState.NEW);
    await assert.rejects(ex.attach(new Job(), "not-an-id"), /not a Slurm job id/);
  });

  it("a job squeue forgot: sacct's record ends it (history); CANCELLED by 0 → CANCELED", async () => {
    const a = new Job({ executable: "x" }), b = new Job({ executable: "y" });
    await ex.submit(a);
    await ex.submit(b);
    runner.handlers.sacct = (argv) => {
      const id = argv[argv.indexOf("-j") + 1];
      return ok(
        id === "7"
          ? "7|FAILED|4:0|2026-11-25T10:56:16\n"
          : "8|CANCELLED by 0|0:15|2026-11-25T10:56:16\n",
      );
    };
    await tick(1000, 5);
    assert.equal(a.status.state, JobState.FAILED);
    assert.equal(a.status.exitCode, 4);
    assert.equal(a.status.metadata?.evidence, "history");
    assert.equal(b.status.state, JobState.CANCELED);
  });

  it("attach to a job only sacct still knows (squeue forgot it): its accounting record ends it", async () => {
    runner.handlers.sacct = ok("556|FAILED|4:0|2026-11-25T10:56:16\n");
    assert.deepEqual(await ex.lookupNativeId("556"), { known: true });
    const job = new Job();
    await ex.attach(job, "556");
    // The verdict comes from a fresh task (no callback before attach returns).
    for (const end = Date.now() + 30_000; job.status.state === JobState.NEW && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.equal(job.status.state, JobState.FAILED);
    assert.equal(job.status.exitCode, 4);
    assert.equal(job.status.metadata?.evidence, "history");
  });

  it("lookupNativeId: an id neither squeue nor sacct knows is unknown; a failing sacct throws and attach changes nothing", async () => {
    runner.handlers.sacct = ok("");
    const unknown = await ex.lookupNativeId("557");
    assert.equal(unknown.known, false);
    assert.match(
      (unknown as { reason: string }).reason,
      /Slurm does not know job 557.*nor in sacct/,
    );
    runner.handlers.sacct = { exitCode: 1, stdout: "", stderr: "sacct: error: slurmdbd down" };
    await assert.rejects(ex.lookupNativeId("557"), /cannot look up Slurm job 557: sacct failed/);
    const job = new Job();
    await assert.rejects(ex.attach(job, "557"), SubmitException);
    assert.equal(job.status.state, JobState.NEW);
    assert.equal(job.executor, undefined);
  });

  it("no accounting (recorded sacct answer): asked once, then the grace period decides", async () => {
    const job = new Job({ executable: "x" });
    await ex.submit(job);
    runner.handlers.sacct = {
      exitCode: 1,
      stdout: "",
      stderr: fx("sacct-disabled.err"),
    };
    await tick(1000, 30);
    assert.equal(runner.count("sacct"), 1);
    assert.equal(job.status.state, JobState.FAILED);
    assert.equal(job.status.metadata?.evidence, "no-evidence");
  });
});
