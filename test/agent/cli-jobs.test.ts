/**
 * The commands a person types to make jobs (`run`, `submit`, `logs`), end to
 * end against a served agent: what they print, where the job runs, what it
 * gets from the caller, where its output goes.
 * @module
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { exited, runCli, startServe } from "./fixtures/cli.ts";

const SLOW = { timeout: 60_000 };

describe("run and submit against a served agent (local executor)", SLOW, () => {
  let home: string;
  let server: ChildProcess;
  const cli = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
    runCli([args[0], "--home", home, ...args.slice(1)], options);

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "psij-cli-jobs-"));
    ({ child: server } = await startServe(
      ["--home", home, "--executor", "local"],
      join(home, "agent.sock"),
    ));
  });

  after(async () => {
    server.kill("SIGTERM");
    await exited(server);
    rmSync(home, { recursive: true, force: true });
  });

  it("run -q / submit --parsable print the job id alone, so ID=$(...) works", SLOW, async () => {
    const r = await cli(["run", "-q", "/bin/true"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^j[0-9a-z]+\n$/);
    const id = r.stdout.trim();
    const st = await cli(["status", id, "--json"]);
    assert.equal(st.code, 0, st.stderr);
    assert.equal(JSON.parse(st.stdout).id, id);

    const file = join(home, "parsable.json");
    writeFileSync(file, JSON.stringify({ version: 1, executable: "/bin/true" }));
    const s = await cli(["submit", "--parsable", file]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /^j[0-9a-z]+\n$/);
    assert.notEqual(s.stdout, r.stdout);
  });

  it("run -q --wait prints the id alone and exits as the job did", SLOW, async () => {
    const r = await cli(["run", "-q", "--wait", "sh", "-c", "exit 3"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^j[0-9a-z]+\n$/);
    const job = JSON.parse((await cli(["status", r.stdout.trim(), "--json"])).stdout);
    assert.equal(job.state, "FAILED");
    assert.equal(job.exitCode, 3);
  });

  it("--parsable with --json is a bad command line; help says what each prints", SLOW, async () => {
    const both = await cli(["run", "-q", "--json", "true"]);
    assert.equal(both.code, 64);
    assert.match(both.stderr, /--parsable and --json/);
    for (const cmd of ["run", "submit"]) {
      const help = (await cli([cmd, "--help"])).stdout;
      assert.match(help, /-q, --parsable/);
      assert.ok(help.includes(`Prints "<id>  <state>  <native id>"`), help);
    }
  });
});
