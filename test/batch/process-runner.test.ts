import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EXIT_NOT_FOUND, EXIT_TIMED_OUT, ProcessRunner } from "../../src/batch/process-runner.ts";

describe("ProcessRunner", () => {
  const runner = new ProcessRunner();

  it("returns exit code, stdout and stderr of a real command, stdin fed", async () => {
    const r = await runner.run(["bash", "-c", "cat; echo err >&2; exit 3"], { stdin: "in\n" });
    assert.deepEqual(
      { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut },
      { exitCode: 3, stdout: "in\n", stderr: "err\n", timedOut: false },
    );
  });

  it("honours cwd and env", async () => {
    const r = await runner.run(["bash", "-c", 'echo "$PWD $X"'], {
      cwd: "/tmp",
      env: { X: "y", PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    assert.equal(r.stdout.trim(), "/tmp y");
  });

  it("kills a command that outlives its timeout and says so", { timeout: 20000 }, async () => {
    const r = await runner.run(["sleep", "30"], { timeoutMs: 200 });
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, EXIT_TIMED_OUT);
  });

  it("caps captured output and notes what was dropped", async () => {
    const small = new ProcessRunner({ maxOutputBytes: 1000 });
    const r = await small.run(["bash", "-c", "head -c 100000 /dev/zero | tr '\\0' x"]);
    assert.equal(r.exitCode, 0);
    assert.ok(r.stdout.startsWith("x".repeat(1000)));
    assert.match(r.stdout, /output truncated: 99000 bytes dropped/);
  });

  it("reports a missing command as exit 127 with a message, without throwing", async () => {
    const r = await runner.run(["/no/such/qstat-binary"]);
    assert.equal(r.exitCode, EXIT_NOT_FOUND);
    assert.match(r.stderr, /no\/such\/qstat-binary/);
  });
});
