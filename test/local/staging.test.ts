import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Job, JobState, StageOutFlags } from "../../src/core/index.ts";
import { LocalJobExecutor } from "../../src/executors/local.ts";
import { eventually, runJob, SLOW, tempDir, WAIT_MS } from "./helpers.ts";

describe("local executor: staging and cleanup (scenario 22, 25)", () => {
  let dir: ReturnType<typeof tempDir>;
  let n = 0;
  /** A fresh job directory and an outside area with a file and a folder to stage. */
  const fixture = () => {
    const root = join(dir.path, `case-${++n}`);
    const job = join(root, "job"), outside = join(root, "outside");
    mkdirSync(job, { recursive: true });
    mkdirSync(join(outside, "folder", "sub"), { recursive: true });
    writeFileSync(join(outside, "file.txt"), "file-content");
    writeFileSync(join(outside, "folder", "sub", "deep.txt"), "deep-content");
    return { root, job, outside };
  };
  before(() => {
    dir = tempDir();
  });
  after(() => dir.remove());

  for (const mode of ["COPY", "LINK", "MOVE"] as const) {
    it(`scenario 22: stage-in ${mode} of a file and a folder`, SLOW, async () => {
      const { job, outside } = fixture();
      const { final } = await runJob({
        executable: "/bin/sh",
        arguments: ["-c", "cat in/file.txt in/folder/sub/deep.txt > seen.txt"],
        directory: job,
        stageIn: [
          { source: join(outside, "file.txt"), target: "in/file.txt", mode },
          { source: `file://${join(outside, "folder")}`, target: "in/folder", mode },
        ],
      });
      assert.equal(final.state, JobState.COMPLETED, final.message);
      assert.equal(readFileSync(join(job, "seen.txt"), "utf8"), "file-contentdeep-content");
      const isLink = lstatSync(join(job, "in/file.txt")).isSymbolicLink();
      assert.equal(isLink, mode === "LINK");
      if (mode === "LINK") {
        assert.equal(readlinkSync(join(job, "in/folder")), join(outside, "folder"));
      }
      assert.equal(existsSync(join(outside, "file.txt")), mode !== "MOVE");
      assert.equal(existsSync(join(outside, "folder")), mode !== "MOVE");
    });

    it(`scenario 22: stage-out ${mode} of a file and a folder`, SLOW, async () => {
      const { job, outside } = fixture();
      const { final } = await runJob({
        executable: "/bin/sh",
        arguments: ["-c", "mkdir -p res/a && echo r > res/a/r.txt && echo o > out.txt"],
        directory: job,
        stageOut: [
          { source: "out.txt", target: join(outside, "got/out.txt"), mode },
          { source: "res", target: join(outside, "got/res"), mode },
        ],
      });
      assert.equal(final.state, JobState.COMPLETED, final.message);
      assert.equal(readFileSync(join(outside, "got/out.txt"), "utf8"), "o\n");
      assert.equal(readFileSync(join(outside, "got/res/a/r.txt"), "utf8"), "r\n");
      assert.equal(existsSync(join(job, "out.txt")), mode !== "MOVE");
    });
  }

  it(
    "scenario 22: a missing stage-in source fails the job before it runs, naming the entry",
    SLOW,
    async () => {
      const { job, outside } = fixture();
      const { final, states } = await runJob({
        executable: "/bin/sh",
        arguments: ["-c", "touch ran"],
        directory: job,
        stageIn: [{ source: join(outside, "absent"), target: "x" }],
      });
      assert.equal(final.state, JobState.FAILED);
      assert.match(final.message ?? "", /stageIn\[0\].*does not exist/);
      assert.ok(!states.includes("ACTIVE"));
      assert.ok(!existsSync(join(job, "ran")));
    },
  );

  it("scenario 22: stage-out flags follow the outcome", SLOW, async () => {
    const cases: Array<[string, number, "ok" | "fail" | "cancel", boolean]> = [
      ["success-on-success", StageOutFlags.ON_SUCCESS, "ok", true],
      ["error-on-success", StageOutFlags.ON_ERROR, "ok", false],
      ["error-on-error", StageOutFlags.ON_ERROR, "fail", true],
      ["success-on-error", StageOutFlags.ON_SUCCESS, "fail", false],
      ["cancel-on-cancel", StageOutFlags.ON_CANCEL, "cancel", true],
      ["success-on-cancel", StageOutFlags.ON_SUCCESS, "cancel", false],
      ["always-on-error", StageOutFlags.ALWAYS, "fail", true],
      ["always-on-cancel", StageOutFlags.ALWAYS, "cancel", true],
    ];
    for (const [name, flags, outcome, expected] of cases) {
      const { job, outside } = fixture();
      const target = join(outside, `${name}.txt`);
      const body = outcome === "ok" ? "exit 0" : outcome === "fail" ? "exit 2" : "sleep 30";
      const j = new Job({
        executable: "/bin/sh",
        arguments: ["-c", `echo data > result.txt; ${body}`],
        directory: job,
        stageOut: [{ source: "result.txt", target, flags }],
      });
      await new LocalJobExecutor().submit(j);
      if (outcome === "cancel") {
        await j.wait({ targetStates: [JobState.ACTIVE], timeout: WAIT_MS });
        // the file is written before the sleep: wait for it, then cancel
        assert.ok(await eventually(() => existsSync(join(job, "result.txt"))));
        await j.cancel();
      }
      const final = await j.wait({ timeout: WAIT_MS });
      const want = outcome === "ok" ? "COMPLETED" : outcome === "fail" ? "FAILED" : "CANCELED";
      assert.equal(final?.state, want, `${name}: ${final?.message}`);
      assert.equal(existsSync(target), expected, name);
      if (outcome === "cancel") {
        assert.ok(!j.history.some((s) => s.state === "STAGE_OUT"), `${name}: no STAGE_OUT`);
      }
    }
  });

  it("scenario 22: IF_PRESENT skips a missing source; without it the job fails", SLOW, async () => {
    const { job, outside } = fixture();
    const spec = (flags: number) => ({
      executable: "/bin/true",
      directory: job,
      stageOut: [{ source: "never-written.txt", target: join(outside, "x.txt"), flags }],
    });
    const lenient = await runJob(spec(StageOutFlags.IF_PRESENT | StageOutFlags.ON_SUCCESS));
    assert.equal(lenient.final.state, JobState.COMPLETED);
    const strict = await runJob(spec(StageOutFlags.ON_SUCCESS));
    assert.equal(strict.final.state, JobState.FAILED);
    assert.match(strict.final.message ?? "", /stage-out failed: stageOut\[0\].*does not exist/);
    assert.equal(strict.final.exitCode, 0, "the program itself succeeded");
  });

  it("scenario 22: cleanup removes paths inside the job directory", SLOW, async () => {
    const { job } = fixture();
    const { final } = await runJob({
      executable: "/bin/sh",
      arguments: ["-c", "mkdir -p scratch/x && echo t > scratch/x/t && echo k > keep.txt"],
      directory: job,
      cleanup: ["scratch"],
    });
    assert.equal(final.state, JobState.COMPLETED, final.message);
    assert.ok(!existsSync(join(job, "scratch")));
    assert.ok(existsSync(join(job, "keep.txt")));
  });

  it("scenario 22: cleanup flags: ON_ERROR cleanup is skipped on success", SLOW, async () => {
    const { job } = fixture();
    await runJob({
      executable: "/bin/sh",
      arguments: ["-c", "echo t > tmp.txt"],
      directory: job,
      cleanup: ["tmp.txt"],
      cleanupFlags: StageOutFlags.ON_ERROR,
    });
    assert.ok(existsSync(join(job, "tmp.txt")));
  });

  it("scenario 22: cleanup outside the job directory is refused at submit (.., absolute)", async () => {
    const { job } = fixture();
    for (const p of ["../outside", "/etc", ".", "a/../../x"]) {
      const j = new Job({ executable: "/bin/true", directory: job, cleanup: [p] });
      await assert.rejects(
        new LocalJobExecutor().submit(j),
        /cleanup\[0\].*not inside the job directory/,
      );
      assert.equal(j.status.state, JobState.NEW);
    }
  });

  it(
    "scenario 22: cleanup through a symlink that leaves the job directory is refused",
    SLOW,
    async () => {
      const { job, outside } = fixture();
      symlinkSync(outside, join(job, "escape"));
      symlinkSync(join(outside, "file.txt"), join(job, "link-to-file"));
      const { final } = await runJob({
        executable: "/bin/true",
        directory: job,
        cleanup: ["escape/file.txt", "escape/folder", "link-to-file"],
      });
      assert.equal(final.state, JobState.COMPLETED);
      assert.match(final.message ?? "", /cleanup\[0\]: cleanup refused/);
      assert.match(final.message ?? "", /cleanup\[1\]: cleanup refused/);
      assert.equal(readFileSync(join(outside, "file.txt"), "utf8"), "file-content");
      assert.ok(existsSync(join(outside, "folder/sub/deep.txt")));
      // a symlink inside the directory is itself removed; its target is not
      assert.ok(!existsSync(join(job, "link-to-file")) && !lstatExists(join(job, "link-to-file")));
    },
  );

  it(
    "scenario 25: no files of the executor are left in the job directory after final states",
    SLOW,
    async () => {
      const { job } = fixture();
      const specs = [
        { executable: "/bin/true" },
        { executable: "/bin/false" },
        { executable: "/bin/true", preLaunch: "/dev/null", postLaunch: "/dev/null" },
        { executable: "/bin/true", launcher: "multiple", resources: { processCount: 2 } },
        { executable: "/no/such/program" },
      ];
      for (const s of specs) await runJob({ ...s, directory: job });
      const cancelled = new Job({ executable: "/bin/sleep", arguments: ["30"], directory: job });
      await new LocalJobExecutor().submit(cancelled);
      await cancelled.cancel();
      await cancelled.wait({ timeout: WAIT_MS });
      assert.deepEqual(readdirSync(job), []);
    },
  );

  it(
    "scenario 25: the shared nodefile directory does not grow with the number of jobs",
    SLOW,
    async () => {
      const { job } = fixture();
      const where = async () => {
        await runJob({
          executable: "/bin/sh",
          arguments: ["-c", 'printf %s "$PSIJ_NODEFILE" > nf.txt'],
          directory: job,
        });
        return dirname(readFileSync(join(job, "nf.txt"), "utf8"));
      };
      const nodefileDir = await where();
      const before = readdirSync(nodefileDir).length;
      for (let i = 0; i < 5; i++) await where();
      assert.equal(readdirSync(nodefileDir).length, before);
    },
  );
});

function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
