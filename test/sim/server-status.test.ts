/** `qstat -B` and `qstat -Bf`: the server's own status, as display_statserver prints it. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeSim } from "./helpers.ts";

describe("qstat -B (server status)", () => {
  it("-B prints the one-row table with the live job counts", () => {
    const sim = makeSim();
    for (let i = 0; i < 3; i++) sim.run(["qsub", "--", "/bin/sleep", "100"]);
    sim.run(["qhold", "3"]);
    const r = sim.run(["qstat", "-B"]);
    assert.equal(r.exitCode, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.equal(
      lines[0],
      "Server             Max   Tot   Que   Run   Hld   Wat   Trn   Ext Status",
    );
    assert.equal(
      lines[1],
      "---------------- ----- ----- ----- ----- ----- ----- ----- ----- -----------",
    );
    // Two cpus: two jobs run, the held one waits; Max is 0 (no max_running set).
    assert.equal(
      lines[2],
      "vm                   0     3     0     2     1     0     0     0 Active    ",
    );
  });

  it("-Bf lists the attributes; history settings appear only when not PBS's defaults", () => {
    const plain = makeSim({ historyEnabled: false }).run(["qstat", "-Bf"]);
    assert.equal(plain.exitCode, 0, plain.stderr);
    assert.match(plain.stdout, /^Server: vm\n {4}server_state = Active\n/);
    assert.match(plain.stdout, /\n {4}pbs_version = 23\.06\.06\n/);
    assert.doesNotMatch(plain.stdout, /job_history/);
    assert.ok(plain.stdout.endsWith("\n\n"), "a blank line ends the block");

    const twoWeeks = makeSim({ historyEnabled: true }).run(["qstat", "-B", "-f"]).stdout;
    assert.match(twoWeeks, /\n {4}job_history_enable = True\n/);
    assert.doesNotMatch(twoWeeks, /job_history_duration/);

    const short = makeSim({ historyEnabled: true, historyRetentionMs: 90 * 60_000 + 5_000 });
    assert.match(short.run(["qstat", "-Bf"]).stdout, /\n {4}job_history_duration = 01:30:05\n/);
    const long = makeSim({ historyEnabled: true, historyRetentionMs: 30 * 24 * 3_600_000 });
    assert.match(long.run(["qstat", "-Bf"]).stdout, /\n {4}job_history_duration = 720:00:00\n/);
  });

  it("-B with -F json is refused as not simulated; another server name cannot be reached", () => {
    const sim = makeSim();
    const json = sim.run(["qstat", "-B", "-f", "-F", "json"]);
    assert.equal(json.exitCode, 1);
    assert.match(json.stderr, /-B with -F is not simulated/);
    const other = sim.run(["qstat", "-B", "elsewhere"]);
    assert.equal(other.exitCode, 1);
    assert.match(other.stderr, /cannot connect to server elsewhere/);
  });
});
