/**
 * The README's JobSpec document runs as written on the default set-up (no
 * PBS here: the embedded simulator, executing for real), submitted the way
 * the README says, from a fresh directory; and its note on `mpirun` holds.
 * @module
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildProcess } from "node:child_process";
import { exited, runCli, startServe } from "../agent/fixtures/cli.ts";

const SLOW = { timeout: 90_000 };
const README = fileURLToPath(new URL("../../README.md", import.meta.url));

function readmeJobSpec(): Record<string, unknown> {
  const m = /## A JobSpec document\n+```json\n([\s\S]*?)```/.exec(readFileSync(README, "utf8"));
  assert.ok(m, "README.md has a JSON block under 'A JobSpec document'");
  return JSON.parse(m[1]);
}

/** PATH without the directories holding `tool`; undefined when that would drop /bin or /usr/bin. */
function pathWithout(tool: string): string | undefined {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  const kept = dirs.filter((d) => !existsSync(join(d, tool)));
  const lost = dirs.filter((d) => !kept.includes(d));
  return lost.some((d) => /^\/(usr\/)?bin\/?$/.test(d)) ? undefined : kept.join(delimiter);
}

describe("the README's JobSpec document on the embedded simulator", SLOW, () => {
  let home: string;
  let caller: string;
  let server: ChildProcess;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "psij-readme-"));
    caller = realpathSync(mkdtempSync(join(home, "caller-")));
    // The agent's PATH has no mpirun, whatever this machine has (for the launcher case below).
    const path = pathWithout("mpirun");
    ({ child: server } = await startServe(
      ["--home", home, "--executor", "sim"],
      join(home, "agent.sock"),
      path === undefined ? {} : { PATH: path },
    ));
  });

  after(async () => {
    server.kill("SIGTERM");
    await exited(server);
    rmSync(home, { recursive: true, force: true });
  });

  it(
    "submit --wait my-job.json completes and writes its stdoutPath where it was submitted",
    SLOW,
    async () => {
      const doc = readmeJobSpec();
      writeFileSync(join(caller, "my-job.json"), JSON.stringify(doc, null, 2));
      const r = await runCli(["submit", "--home", home, "--wait", "--json", "my-job.json"], {
        cwd: caller,
      });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const job = JSON.parse(r.stdout);
      assert.equal(job.state, "COMPLETED", job.message);
      assert.equal(job.executor, "sim");
      const out = join(caller, String(doc.stdoutPath));
      assert.match(readFileSync(out, "utf8"), /^hello\b/);
      const logs = await runCli(["logs", "--home", home, job.id]);
      assert.equal(logs.stdout, readFileSync(out, "utf8"));
      // stderr, named by no field, is the agent's to keep: the simulated PBS job wrote it there.
      assert.equal(job.spec.stderrPath, join(home, "output", `${job.id}.err`));
      assert.ok(existsSync(job.spec.stderrPath));
      const err = await runCli(["logs", "--home", home, "--stderr", job.id]);
      assert.equal(err.code, 0, err.stderr);
      assert.equal(err.stdout, "");
    },
  );

  it(
    'with "launcher": "mpirun" and no mpirun, the job fails naming the launcher',
    SLOW,
    async (t) => {
      if (pathWithout("mpirun") === undefined) {
        t.skip("mpirun is in /bin or /usr/bin here: no PATH without it");
        return;
      }
      writeFileSync(
        join(caller, "mpi.json"),
        JSON.stringify({ ...readmeJobSpec(), launcher: "mpirun" }),
      );
      const r = await runCli(["submit", "--home", home, "--wait", "--json", "mpi.json"], {
        cwd: caller,
      });
      assert.equal(r.code, 1, r.stderr + r.stdout);
      const job = JSON.parse(r.stdout);
      assert.equal(job.state, "FAILED");
      assert.equal(job.exitCode, 127);
      assert.match(job.message, /launcher mpirun is not installed: no mpirun on PATH/);
    },
  );
});
