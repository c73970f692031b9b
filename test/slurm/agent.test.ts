// The agent end to end with `--executor slurm` against the real Slurm
// (scripts/slurm/up.sh), driven only through the CLI. Skipped with the reason
// when no Slurm answers; failing instead when REQUIRE_SLURM=1. Robust on a
// loaded 2-core host: generous timeouts, no assertion on time.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exited, runCli, startServe } from "../agent/fixtures/cli.ts";
import { needSlurm, slurmOptions } from "./support.ts";

const SLOW = slurmOptions(300_000);
const WAIT_S = 240; // seconds a job may take to end on a busy host (other suites share Slurm)
const FINAL = ["COMPLETED", "FAILED", "CANCELED"];
const SIX = ["QUEUED", "STAGE_IN", "ACTIVE", "STAGE_OUT", "CLEANUP"];

describe("agent --executor slurm against a real Slurm, through the CLI", () => {
  let home = "";
  let server: ChildProcess | undefined;
  const nativeIds = new Set<string>();
  const ids: Record<string, string> = {};

  const cli = (args: string[]) => runCli([args[0], "--home", home, ...args.slice(1)]);
  async function json(args: string[], code = 0) {
    const r = await cli([args[0], "--json", ...args.slice(1)]);
    assert.equal(r.code, code, `${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }
  async function submit(exeAndArgs: string[]): Promise<string> {
    const job = await json(["run", "--dir", home, "--", ...exeAndArgs]);
    assert.equal(job.executor, "slurm");
    if (job.nativeId) nativeIds.add(job.nativeId);
    return job.id;
  }
  async function status(id: string) {
    const job = await json(["status", id]);
    if (job.nativeId) nativeIds.add(job.nativeId);
    return job;
  }
  /** Asserts seq runs 0.., 1.. without a hole and event ids only grow. */
  function assertGapFree(history: { seq: number; eventId: number }[]) {
    const seqs = history.map((h) => h.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), `seq has a gap: ${seqs}`);
    const events = history.map((h) => h.eventId);
    assert.deepEqual(events, [...events].sort((a, b) => a - b));
  }

  before(async () => {
    if (SLOW.skip) return;
    needSlurm();
    home = mkdtempSync(join(tmpdir(), "psij-slurm-agent-"));
    ({ child: server } = await startServe(
      ["--home", home, "--executor", "slurm"],
      join(home, "agent.sock"),
    ));
  });

  after(async () => {
    if (!home) return;
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill("SIGTERM");
      await exited(server);
    }
    // Whatever failed above, no job of this test stays in Slurm (scancel of an ended job is a no-op).
    if (nativeIds.size) spawnSync("scancel", [...nativeIds], { timeout: 60_000 });
    rmSync(home, { recursive: true, force: true });
  });

  it("run /bin/echo hi, wait → COMPLETED exit 0, full gap-free history", SLOW, async () => {
    needSlurm();
    const id = ids.echo = await submit(["/bin/echo", "hi"]);
    const waited = await json(["wait", id, "--timeout", String(WAIT_S)]);
    assert.equal(waited.state, "COMPLETED");
    assert.equal(waited.exitCode, 0);
    const job = await status(id);
    assert.match(job.nativeId, /^\d+$/);
    assert.deepEqual(job.history.map((h: any) => h.state), [...SIX, "COMPLETED"]);
    assertGapFree(job.history);
  });

  it("run /bin/false, wait exits 1 → FAILED exit 1", SLOW, async () => {
    needSlurm();
    const id = ids.false = await submit(["/bin/false"]);
    const waited = await json(["wait", id, "--timeout", String(WAIT_S)], 1);
    assert.equal(waited.state, "FAILED");
    assert.equal(waited.exitCode, 1);
    const job = await status(id);
    // A job this short may end between two polls: QUEUED → FAILED is a valid history too.
    assert.equal(job.history[0].state, "QUEUED");
    assert.equal(job.history.at(-1).state, "FAILED");
    assert.equal(job.history.at(-1).exitCode, 1);
    assertGapFree(job.history);
  });

  it("events shows those transitions, in order, matching each job's history", SLOW, async () => {
    needSlurm();
    assert.ok(ids.echo && ids.false, "the two jobs above were submitted");
    const r = await cli(["events", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const all = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const eventIds = all.map((e) => e.eventId);
    assert.deepEqual(eventIds, [...eventIds].sort((a, b) => a - b));
    assert.equal(new Set(eventIds).size, eventIds.length, "no event twice");
    for (const id of [ids.echo, ids.false]) {
      const mine = all.filter((e) => e.jobId === id);
      const history = (await status(id)).history;
      assert.deepEqual(mine.map((e) => e.state), history.map((h: any) => h.state));
      assert.deepEqual(mine.map((e) => e.eventId), history.map((h: any) => h.eventId));
    }
    const echo = all.filter((e) => e.jobId === ids.echo).map((e) => e.state);
    assert.deepEqual(echo, [...SIX, "COMPLETED"]);
  });

  it("run /bin/sleep 300, ACTIVE; cancel → CANCELED and wait exits 2", SLOW, async () => {
    needSlurm();
    const id = await submit(["/bin/sleep", "300"]);
    let job = await status(id);
    const deadline = Date.now() + WAIT_S * 1000;
    while (job.state !== "ACTIVE") {
      assert.ok(!FINAL.includes(job.state), `ended ${job.state} before running: ${job.message}`);
      assert.ok(Date.now() < deadline, `not ACTIVE after ${WAIT_S} s (state ${job.state})`);
      await new Promise((r) => setTimeout(r, 500));
      job = await status(id);
    }
    const c = await cli(["cancel", id]);
    assert.equal(c.code, 0, c.stderr);
    const waited = await json(["wait", id, "--timeout", String(WAIT_S)], 2);
    assert.equal(waited.state, "CANCELED");
    const states = (await status(id)).history.map((h: any) => h.state);
    assert.equal(states.at(-1), "CANCELED");
    assert.ok(!states.includes("STAGE_OUT"), `no STAGE_OUT after a cancel: ${states}`);
    const squeue = spawnSync("squeue", [
      "--noheader",
      "-t",
      "all",
      "-o",
      "%T",
      "-j",
      job
        .nativeId,
    ], { encoding: "utf8" });
    assert.match(squeue.stdout, /CANCELLED|^$/, "Slurm has the job cancelled (or forgot it)");
  });

  it("stop ends the agent: the process exits and the socket is gone", SLOW, async () => {
    needSlurm();
    const pid = (await json(["health"])).pid;
    const stop = await json(["stop"]);
    assert.deepEqual(stop, { stopped: true, pid });
    const code = await exited(server!);
    assert.equal(code, 0);
    assert.equal(existsSync(join(home, "agent.sock")), false);
    assert.throws(() => process.kill(pid, 0), /ESRCH/, "no process with the agent's pid");
  });
});
