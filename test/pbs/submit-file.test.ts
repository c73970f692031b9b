/**
 * Submission through a script file (`qsub <workDir>/<stamp>.job`, written
 * whole and renamed into place first), and the rule that a script which did
 * not run to its end is never COMPLETED on PBS's Exit_status 0 alone.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type {
  CommandOptions,
  CommandResult,
  CommandRunner,
} from "../../src/core/command-runner.ts";
import { SubmitException } from "../../src/core/errors.ts";
import { Job } from "../../src/core/job.ts";
import { isFinal, JobState } from "../../src/core/job-state.ts";
import { COMPLETION_MARKER } from "../../src/batch/protocol.ts";
import { findByStamp } from "../../src/executors/pbs.ts";
import { advance, rig, untilFinal } from "./helpers.ts";

interface QsubCall {
  argv: string[];
  stdin?: string;
  /** The script file as it was when qsub started (undefined: no such file). */
  file?: string;
  /** The work directory's entries when qsub started. */
  dir: string[];
}

/** Notes what qsub was handed at the instant it started; everything runs on the real simulator. */
class QsubWatcher implements CommandRunner {
  readonly calls: QsubCall[] = [];
  constructor(readonly inner: CommandRunner, readonly workDir: string) {}
  run(argv: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    if (argv[0] === "qsub") {
      const path = argv[1];
      this.calls.push({
        argv: [...argv],
        stdin: options?.stdin,
        file: path && existsSync(path) ? readFileSync(path, "utf8") : undefined,
        dir: readdirSync(this.workDir),
      });
    }
    return this.inner.run(argv, options);
  }
}

const simJobState = (r: ReturnType<typeof rig>, id: string) => r.server.jobs.get(id)?.state;

describe("PBS submission through a script file", () => {
  it("qsub is started on the complete script, already renamed to <workDir>/<stamp>.job; nothing on stdin", async () => {
    const r = rig();
    const watcher = new QsubWatcher(r.runner, r.workDir);
    const executor = r.newExecutor({ runner: watcher });
    const job = new Job({ executable: "/bin/date", name: "r5" });
    await executor.submit(job);
    assert.equal(watcher.calls.length, 1);
    const call = watcher.calls[0];
    const path = join(r.workDir, `${job.id}.job`);
    assert.deepEqual(call.argv, ["qsub", path]);
    assert.equal(call.stdin, undefined);
    assert.deepEqual(call.dir, [`${job.id}.job`]); // no temporary file left beside it
    assert.ok(call.file!.startsWith("#!/bin/bash\n"));
    assert.ok(call.file!.endsWith('exit "$_psij_job_ec"\n'), "the script is whole");
    assert.match(call.file!, new RegExp(`^export PSIJ_AGENT_STAMP=${job.id}$`, "m"));
    await untilFinal(r.clock, job);
    assert.equal(job.status.state, JobState.COMPLETED);
    assert.deepEqual(readdirSync(r.workDir), []);
  });

  it("PBS's record names the script: findByStamp matches Submit_arguments alone, and no other stamp", async () => {
    const { executor, runner } = rig();
    const job = new Job({ executable: "/bin/date", name: "r100" });
    await executor.submit(job);
    const out = await runner.run(["qstat", "-f", "-F", "json", "-x", job.nativeId!]);
    const doc = JSON.parse(out.stdout);
    const rec = doc.Jobs[job.nativeId!];
    assert.match(rec.Submit_arguments, new RegExp(`/${job.id}\\.job`));
    rec.Variable_List = { PBS_O_HOME: "/home/u" }; // the stamp variable gone: the path still says it
    const text = JSON.stringify(doc);
    assert.deepEqual(findByStamp(text, job.id), [job.nativeId]);
    assert.deepEqual(findByStamp(text, job.id.slice(1)), []);
    assert.deepEqual(findByStamp(text, job.id.slice(0, -1)), []);
  });

  it("a refused qsub leaves no script file behind, and the job can be submitted again", async () => {
    const { executor, faults, workDir } = rig();
    faults.inject({ kind: "qsub-refuse", text: "Unknown queue", code: 15018 });
    const job = new Job({ executable: "/bin/date" });
    await assert.rejects(executor.submit(job), SubmitException);
    assert.deepEqual(readdirSync(workDir), []);
    await executor.submit(job);
    assert.deepEqual(readdirSync(workDir), [`${job.id}.job`]);
  });

  it("a script file that cannot be put in place: SubmitException naming the work directory, nothing left", async () => {
    const { executor, workDir } = rig();
    const job = new Job({ executable: "/bin/date" });
    mkdirSync(join(workDir, `${job.id}.job`, "in-the-way"), { recursive: true });
    await assert.rejects(executor.submit(job), (e: unknown) => {
      assert.ok(e instanceof SubmitException);
      assert.equal(e.transient, false);
      assert.match(e.message, new RegExp(`cannot write the job script to ${workDir}`));
      return true;
    });
    assert.equal(job.status.state, JobState.NEW);
    assert.deepEqual(readdirSync(workDir), [`${job.id}.job`]); // no temporary file left
  });
});

describe("Exit_status 0 alone is not a completed script", () => {
  it("output without the completion marker and no .ec → FAILED 'did not run to its end' after the grace period, never COMPLETED", async () => {
    const r = rig(); // graceMs 30 s
    const job = new Job({ executable: "/bin/date", name: "r5" });
    await r.executor.submit(job);
    const id = job.nativeId!;
    writeFileSync(join(r.workDir, `${id}.out`), "pre-launch: half done\n");
    await advance(r.clock, 10_000);
    assert.equal(simJobState(r, id), "F");
    assert.equal(r.server.jobs.get(id)?.exitStatus, 0);
    assert.ok(!isFinal(job.status.state), `still waiting for the .ec, not ${job.status.state}`);
    await untilFinal(r.clock, job);
    assert.equal(job.status.state, JobState.FAILED);
    assert.equal(job.status.exitCode, undefined);
    assert.match(job.status.message!, /did not run to its end/);
    assert.match(job.status.message!, /Exit_status 0/);
    assert.match(job.status.message!, /pre-launch: half done/);
    assert.equal(job.status.metadata?.evidence, "history");
    assert.ok(!job.history.some((s) => s.state === JobState.COMPLETED));
    assert.deepEqual(readdirSync(r.workDir), []);
  });

  it("an .ec file the shared filesystem shows late still decides: COMPLETED from it", async () => {
    const r = rig();
    const job = new Job({ executable: "/bin/date", name: "r5" });
    await r.executor.submit(job);
    const id = job.nativeId!;
    writeFileSync(join(r.workDir, `${id}.out`), "hello\n");
    await advance(r.clock, 10_000);
    assert.ok(!isFinal(job.status.state));
    writeFileSync(join(r.workDir, `${id}.ec`), "0\n");
    appendFileSync(join(r.workDir, `${id}.out`), `${COMPLETION_MARKER}\n`);
    await untilFinal(r.clock, job);
    assert.equal(job.status.state, JobState.COMPLETED);
    assert.equal(job.status.exitCode, 0);
    assert.equal(job.status.metadata?.evidence, "exit-code-file");
  });

  it("the completion marker without an .ec file: the script ran to its end, COMPLETED from PBS history", async () => {
    const r = rig();
    const job = new Job({ executable: "/bin/date", name: "r5" });
    await r.executor.submit(job);
    writeFileSync(join(r.workDir, `${job.nativeId}.out`), `hello\n${COMPLETION_MARKER}\n`);
    await advance(r.clock, 10_000);
    assert.equal(job.status.state, JobState.COMPLETED);
    assert.equal(job.status.metadata?.evidence, "history");
  });

  it("a non-zero Exit_status with output and no .ec ends FAILED at once (no wait)", async () => {
    const r = rig();
    const job = new Job({ executable: "/bin/date", name: "r5x2" });
    await r.executor.submit(job);
    writeFileSync(join(r.workDir, `${job.nativeId}.out`), "oops\n");
    await advance(r.clock, 10_000);
    assert.equal(job.status.state, JobState.FAILED);
    assert.equal(job.status.exitCode, 2);
    assert.match(job.status.message!, /oops/);
  });
});
