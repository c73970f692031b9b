import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ProcessRunner } from "../../src/batch/process-runner.ts";
import type { CommandRunner } from "../../src/core/command-runner.ts";
import { Job } from "../../src/core/job.ts";
import { JobState } from "../../src/core/job-state.ts";
import { PbsExecutor } from "../../src/executors/pbs.ts";
import { selfCommand } from "../../simulator/runtime.ts";

const SHIMS = fileURLToPath(new URL("../../simulator/shims/", import.meta.url));
const available = existsSync(join(SHIMS, "qsub"));

describe("PBS executor through the spawned CLI shims (real processes)", {
  skip: available ? undefined : "simulator/shims not present",
  timeout: 60000,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "psij-pbs-shims-"));
  const sock = join(dir, "sim.sock");
  let server: ChildProcess | undefined;
  let executor: PbsExecutor;
  // close() does not wait for a command already running, and a shim that finds the server
  // gone starts one of its own (recreating the removed directory): wait for them all.
  const inFlight = new Set<Promise<unknown>>();
  const shimRunner = (env: Record<string, string>): CommandRunner => {
    const processes = new ProcessRunner();
    return {
      run: (argv, o) => {
        const p = processes.run(argv, { ...o, env });
        const done = () => void inFlight.delete(p);
        inFlight.add(p);
        p.then(done, done);
        return p;
      },
    };
  };

  before(async () => {
    const [cmd, ...args] = selfCommand();
    server = spawn(cmd, [...args, "serve", "--socket", sock, "--mode", "execute"], {
      stdio: "ignore",
    });
    for (const end = Date.now() + 30_000; !existsSync(sock) && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 100));
    }
    // Else the first shim would auto-start a simulator of its own on the same socket path.
    assert.ok(existsSync(sock), "sim serve did not listen within 30 s");
    const env = {
      ...process.env as Record<string, string>,
      PATH: `${SHIMS}:${process.env.PATH}`,
      PSIJ_SIM_SOCKET: sock,
    };
    executor = new PbsExecutor({
      // Real qsub/qstat/qdel processes, found on PATH like on a cluster.
      runner: shimRunner(env),
      workDir: join(dir, "work"),
      pollFloorMs: 300,
      pollCeilingMs: 1000,
    });
  });

  after(async () => {
    await executor?.close();
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    if (server && server.exitCode === null && server.signalCode === null) {
      // It writes its state and spool under dir until it exits: removing dir first races it.
      const gone = new Promise((r) => server!.once("exit", r));
      server.kill("SIGTERM");
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("a job runs to COMPLETED with its output, and list() shows it", async () => {
    assert.ok(existsSync(sock), "the simulator server started");
    const out = join(dir, "out.txt");
    const job = new Job({
      executable: "/bin/bash",
      arguments: ["-c", "sleep 1; echo -n via shims"],
      stdoutPath: out,
    });
    await executor.submit(job);
    assert.ok((await executor.list()).includes(job.nativeId!)); // live jobs: qselect -u
    const s = await job.wait({ timeout: 30_000 });
    assert.equal(s?.state, JobState.COMPLETED);
    assert.equal(readFileSync(out, "utf8"), "via shims");
  });

  it("scenario 10: another executor (as after a restart) attaches to a running id and sees it end", async () => {
    const job = new Job({ executable: "/bin/sleep", arguments: ["2"] });
    await executor.submit(job);
    await job.wait({ targetStates: [JobState.ACTIVE], timeout: 30_000 });
    const env = {
      ...process.env as Record<string, string>,
      PATH: `${SHIMS}:${process.env.PATH}`,
      PSIJ_SIM_SOCKET: sock,
    };
    const restarted = new PbsExecutor({
      runner: shimRunner(env),
      workDir: join(dir, "work"),
      pollFloorMs: 300,
      pollCeilingMs: 1000,
    });
    const again = new Job();
    await restarted.attach(again, job.nativeId!);
    assert.equal(again.status.state, JobState.ACTIVE);
    const s = await again.wait({ timeout: 30_000 });
    assert.equal(s?.state, JobState.COMPLETED);
    await restarted.close();
  });

  it("a failing job is FAILED with its exit code; a cancelled one CANCELED", async () => {
    const bad = new Job({ executable: "/bin/bash", arguments: ["-c", "exit 4"] });
    const slow = new Job({ executable: "/bin/sleep", arguments: ["30"] });
    await executor.submit(bad);
    await executor.submit(slow);
    await slow.wait({ targetStates: [JobState.ACTIVE], timeout: 30_000 });
    await slow.cancel();
    const s = await bad.wait({ timeout: 30_000 });
    assert.deepEqual([s?.state, s?.exitCode], [JobState.FAILED, 4]);
    assert.equal(slow.status.state, JobState.CANCELED);
  });
});
