// The Grid Engine example (examples/executors/sge/), loaded by discovery,
// against the real Grid Engine of ../shared/sge/up.sh: the conformance kit
// through the CLI, Eqw with its reason, h_rt, and the agent end to end with
// --executor sge (submit, events, cancel, kill -9 and restart). Skipped with
// the reason when no Grid Engine answers; failing instead when REQUIRE_SGE=1.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as kit from "../../src/kit.ts";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import type { JobExecutor } from "../../src/core/executor.ts";
import sge from "../../examples/executors/sge/sge.executor.ts";
import { exited, runCli, startServe } from "../agent/fixtures/cli.ts";
import { EXAMPLES, needSge, sgeOptions } from "./support.ts";

const SLOW = sgeOptions(600_000);
const WAIT_MS = 240_000;
const ENV = { PSIJ_AGENT_EXECUTOR_PATH: EXAMPLES };

describe("Grid Engine example against a real Grid Engine", () => {
  const base = mkdtempSync(join(tmpdir(), "psij-sge-real-"));
  let ex: JobExecutor;
  before(() => {
    ex = sge(kit).create({ workDir: join(base, "work") });
  });
  after(async () => {
    await ex.close();
    rmSync(base, { recursive: true, force: true });
  });

  it(
    "psij-agent conformance --executor sge (found by discovery) passes every applicable scenario",
    SLOW,
    async () => {
      needSge();
      const r = await runCli(["conformance", "--executor", "sge", "--home", join(base, "home")], {
        env: ENV,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^executor sge \S+ from .*sge\.executor\.ts/m);
      assert.match(r.stdout, /^\d+ passed, 0 failed, \d+ skipped$/m);
      assert.doesNotMatch(r.stdout, /^FAIL/m);
    },
  );

  it(
    "a job Grid Engine holds in Eqw stays where it was (QUEUED, or ACTIVE if seen running), its reason told; qdel ends it CANCELED",
    SLOW,
    async () => {
      needSge();
      const notes: string[] = [];
      ex.addJobNoteListener((_j, s) => notes.push(s.message ?? ""));
      const job = new Job({
        executable: "/bin/true",
        attributes: { customAttributes: { "sge.o": "/nonexistent/psij-dir/out" } },
      });
      await ex.submit(job);
      const deadline = Date.now() + WAIT_MS;
      while (!notes.some((n) => n.includes("error state (Eqw)")) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      const note = notes.find((n) => n.includes("error state"));
      assert.ok(note, `no Eqw note; state ${job.status.state}, notes ${notes.join(" | ")}`);
      assert.match(note, /can't open output file "\/nonexistent\/psij-dir\/out"/);
      // Grid Engine may show the job `r` for a moment before the shepherd fails and puts it in
      // Eqw: a poll that saw that made it ACTIVE, and a state never goes back (seen in CI).
      assert.ok(
        ([JobState.QUEUED, JobState.ACTIVE] as string[]).includes(job.status.state),
        job.status.state,
      );
      await job.cancel();
      const end = await job.wait({ timeout: WAIT_MS });
      assert.equal(end?.state, JobState.CANCELED);
    },
  );

  it("a job past its h_rt ends FAILED saying the walltime was exceeded", SLOW, async () => {
    needSge();
    const job = new Job({
      executable: "/bin/sleep",
      arguments: ["60"],
      attributes: { duration: 2 },
    });
    await ex.submit(job);
    const end = await job.wait({ timeout: WAIT_MS });
    assert.equal(end?.state, JobState.FAILED, end?.message);
    assert.match(end!.message ?? "", /walltime exceeded/);
    assert.equal(end!.exitCode, 137);
  });
});

describe("agent --executor sge through the CLI", () => {
  let home = "";
  let server: ChildProcess | undefined;
  const cli = (args: string[]) => runCli([args[0], "--home", home, ...args.slice(1)], { env: ENV });
  async function json(args: string[], code = 0) {
    const r = await cli([args[0], "--json", ...args.slice(1)]);
    assert.equal(r.code, code, `${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }
  const serve = async () => ({ child: server } = await startServe(
    ["--home", home, "--executor", "sge"],
    join(home, "agent.sock"),
    ENV,
  ));

  before(async () => {
    if (SLOW.skip) return;
    home = mkdtempSync(join(tmpdir(), "psij-sge-agent-"));
    await serve();
  });
  after(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill("SIGTERM");
      await exited(server);
    }
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it(
    "run, events, cancel, then kill -9 and restart: the job is followed to its end",
    SLOW,
    async () => {
      needSge();
      const ex = await json(["executors"]);
      assert.equal(ex.executors[0].name, "sge");
      assert.ok(ex.executors[0].serving);
      assert.match(ex.executors[0].origin, /sge\.executor\.ts$/);

      const echo = await json(["run", "--dir", home, "--", "/bin/echo", "hi"]);
      assert.equal(echo.executor, "sge");
      const done = await json(["wait", echo.id, "--timeout", "240"]);
      assert.equal(done.state, "COMPLETED");
      const events = await cli(["events", "--job", echo.id]);
      for (const s of ["QUEUED", "ACTIVE", "COMPLETED"]) assert.match(events.stdout, new RegExp(s));
      const logs = await cli(["logs", echo.id]);
      assert.equal(logs.stdout.trim(), "hi");

      const sleeper = await json(["run", "--dir", home, "--", "/bin/sleep", "120"]);
      assert.equal((await cli(["cancel", sleeper.id])).code, 0);
      assert.equal((await json(["wait", sleeper.id, "--timeout", "240"], 2)).state, "CANCELED");

      const survivor = await json(["run", "--dir", home, "--", "/bin/sleep", "6"]);
      assert.match(survivor.nativeId, /^\d+$/);
      server!.kill("SIGKILL");
      await exited(server!);
      await serve();
      const end = await json(["wait", survivor.id, "--timeout", "240"]);
      assert.equal(end.state, "COMPLETED", end.message);
      assert.equal(end.nativeId, survivor.nativeId);
    },
  );
});
