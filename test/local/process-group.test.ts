import assert from "node:assert/strict";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Job, JobState } from "../../src/core/index.ts";
import { LocalJobExecutor } from "../../src/executors/local.ts";
import { findOnPath } from "../../src/launchers/index.ts";
import { alive, eventually, runJob, SLOW, tempDir, WAIT_MS } from "./helpers.ts";

const hasSetsid = findOnPath("setsid", "/usr/bin:/bin:/usr/sbin:/sbin") !== undefined;

for (const method of ["detached", "setsid"] as const) {
  const skip = method === "setsid" && !hasSetsid ? "util-linux setsid is not installed" : undefined;
  describe(`local executor: process groups via ${method}`, { skip }, () => {
    let dir: ReturnType<typeof tempDir>;
    const ex = () => new LocalJobExecutor({ processGroup: method });
    before(() => {
      dir = tempDir();
    });
    after(() => dir.remove());

    it("a job runs with its arguments, by path and by name on PATH", SLOW, async () => {
      for (const exe of ["/bin/echo", "echo"]) {
        const { final } = await runJob(
          { executable: exe, arguments: ["a b", "c"], directory: dir.path, stdoutPath: "o.txt" },
          ex(),
        );
        assert.equal(final.state, JobState.COMPLETED);
        assert.equal(readFileSync(join(dir.path, "o.txt"), "utf8"), "a b c\n");
      }
    });

    it("a relative executable is found from the job directory", SLOW, async () => {
      writeFileSync(join(dir.path, "hello.sh"), "#!/bin/sh\nprintf hello\n");
      chmodSync(join(dir.path, "hello.sh"), 0o755);
      const { final } = await runJob(
        { executable: "./hello.sh", directory: dir.path, stdoutPath: "h.txt" },
        ex(),
      );
      assert.equal(final.state, JobState.COMPLETED, final.message);
      assert.equal(readFileSync(join(dir.path, "h.txt"), "utf8"), "hello");
    });

    it("scenario 3: missing (127) and non-executable (126) programs are named", SLOW, async () => {
      const missing = await runJob({ executable: "no-such-program-abc" }, ex());
      assert.equal(missing.final.exitCode, 127);
      assert.match(missing.final.message ?? "", /no-such-program-abc: not found/);
      writeFileSync(join(dir.path, "plain.txt"), "not a program");
      const plain = await runJob({ executable: join(dir.path, "plain.txt") }, ex());
      assert.equal(plain.final.state, JobState.FAILED);
      assert.equal(plain.final.exitCode, 126);
      assert.match(plain.final.message ?? "", /plain\.txt: permission denied/);
    });

    it("scenario 4: cancel kills the job's whole process group", SLOW, async () => {
      const pidFile = join(dir.path, `${method}.pid`);
      const job = new Job({
        executable: "/bin/sh",
        arguments: ["-c", `sleep 300 & echo $! > '${pidFile}'; wait`],
      });
      await ex().submit(job);
      let child = 0;
      assert.ok(
        await eventually(() => {
          try {
            child = Number(readFileSync(pidFile, "utf8").trim());
          } catch {
            return false;
          }
          return child > 0;
        }),
      );
      await job.cancel();
      assert.equal((await job.wait({ timeout: WAIT_MS }))?.state, JobState.CANCELED);
      assert.ok(await eventually(() => !alive(child)));
    });
  });
}

describe("local executor: what a job inherits of signal dispositions", () => {
  let dir: ReturnType<typeof tempDir>;
  before(() => {
    dir = tempDir();
  });
  after(() => dir.remove());

  // Under Deno a child spawned without `detached` starts with signals 32 and 33 ignored
  // (glibc's SIGCANCEL and SIGSETXID): SIGEV_THREAD timers and threads of such a job break.
  it("a job (default process group) starts with no signal ignored", SLOW, async () => {
    const { final } = await runJob({
      executable: "/bin/sh",
      arguments: ["-c", "grep SigIgn /proc/self/status"],
      directory: dir.path,
      stdoutPath: "sig.txt",
    }, new LocalJobExecutor());
    assert.equal(final.state, JobState.COMPLETED, final.message);
    const mask = /SigIgn:\s*([0-9a-f]+)/.exec(readFileSync(join(dir.path, "sig.txt"), "utf8"));
    assert.ok(mask, "the job printed its SigIgn line");
    assert.equal(BigInt(`0x${mask[1]}`), 0n, `SigIgn ${mask[1]}`);
  });
});
