/**
 * `submit --script` over the CLI, against a served agent on the embedded
 * PBS simulator: the user's script runs as written from the caller's
 * directory, with its arguments and its #PBS lines, its exit code is the
 * job's (`status` shows it); a directive that would break tracking
 * prints the line and exits 1; `list --name` finds the job by the file's name.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { exited, runCli, startServe } from "./fixtures/cli.ts";

const SLOW = { timeout: 120_000 };

describe("CLI: submit --script (sim executor)", SLOW, () => {
  let home: string;
  let server: ChildProcess;
  const cli = (args: string[], cwd?: string) =>
    runCli([args[0], "--home", home, ...args.slice(1)], cwd ? { cwd } : {});

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "psij-cli-script-"));
    ({ child: server } = await startServe(
      ["--home", home, "--executor", "sim"],
      join(home, "agent.sock"),
    ));
  });

  after(async () => {
    server.kill("SIGTERM");
    await exited(server);
    rmSync(home, { recursive: true, force: true });
  });

  it(
    "runs the script as written where it was submitted; its exit code is the job's",
    SLOW,
    async () => {
      const dir = join(home, "project");
      mkdirSync(dir);
      writeFileSync(
        join(dir, "analyse.pbs"),
        "#!/bin/bash\n#PBS -l walltime=00:02:00\n#PBS -o analyse.log\n#PBS -j oe\n" +
          'echo "args: $1 $2"\necho "dir: $(pwd)"\nexit 6\n',
      );
      const r = await cli(["submit", "--script", "analyse.pbs", "-q", "--wait", "one", "two"], dir);
      assert.equal(r.code, 1, `wait's code for FAILED: ${r.stderr}|${r.stdout}`);
      const id = r.stdout.trim();
      const log = readFileSync(join(dir, "analyse.log"), "utf8");
      assert.equal(log, `args: one two\ndir: ${dir}\n`);
      const st = await cli(["status", id]);
      assert.match(st.stdout, /^state {6}FAILED \(exit 6\)/m);
      assert.match(st.stdout, /^script {5}analyse\.pbs \(\d+ lines\) one two$/m);
      const logs = await cli(["logs", id]);
      assert.equal(logs.code, 1);
      assert.match(
        logs.stderr,
        /is your own batch script: its stdout goes where its directives say/,
      );
      const listed = await cli(["list", "--name", "analyse*", "--json"]);
      const jobs = JSON.parse(listed.stdout);
      assert.deepEqual((Array.isArray(jobs) ? jobs : jobs.jobs).map((j: any) => j.id), [id]);
    },
  );

  it("a directive that would break tracking prints the line and exits 1", SLOW, async () => {
    const file = join(home, "array.pbs");
    writeFileSync(file, "#!/bin/bash\n#PBS -J 1-10\necho $PBS_ARRAY_INDEX\n");
    const r = await cli(["submit", "--script", file]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /422: \$\.batchScript: line 2 \(#PBS -J 1-10\) has -J/);
  });
});
