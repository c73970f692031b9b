/**
 * The execute-mode spool holds a job's files (its script, with the job's
 * environment values in it; its spooled output; its node file) only while the
 * job runs, readable by its owner alone. The simulator's state files too.
 */
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { realClock } from "../../src/core/clock.ts";
import { createSimExecutor } from "../../src/agent/sim-executor.ts";
import { attachMom } from "../../simulator/mom.ts";
import { runCommand } from "../../simulator/runner.ts";
import { SimServer } from "../../simulator/server/server.ts";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function until(pred: () => boolean, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; !pred();) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe("the execute-mode spool", () => {
  it("keeps a job's script and files 0600 while it runs, and nothing once it has ended", {
    timeout: 60_000,
  }, async () => {
    const home = mkdtempSync(join(tmpdir(), "sim-spool-"));
    dirs.push(home);
    const spool = join(home, ".spool");
    const server = new SimServer({
      name: "vm",
      clock: realClock,
      mode: "execute",
      nodes: [{ name: "vm", ncpus: 4, memBytes: 2 ** 33, ngpus: 0 }],
      spoolDir: spool,
    });
    attachMom(server);
    server.start();
    const env = { HOME: home, USER: "alice", PATH: process.env.PATH ?? "/usr/bin:/bin" };
    // The script reports the modes of its own spool files: itself, its stdout, its node file.
    const script = 'export SECRET=s3cr3t\nstat -L -c %a "$0" /proc/$$/fd/1 "$PBS_NODEFILE"\n';
    for (let i = 1; i <= 3; i++) {
      assert.equal(
        runCommand(server, ["qsub", "-N", "m"], { cwd: home, env, stdin: script }).stdout,
        `${i}.vm\n`,
      );
    }
    await until(() => [1, 2, 3].every((i) => server.find(String(i))?.state === "F"));
    server.stop();
    for (let i = 1; i <= 3; i++) {
      assert.equal(readFileSync(join(home, `m.o${i}`), "utf8"), "600\n600\n600\n", `job ${i}`);
    }
    const left = readdirSync(spool).filter((n) => n !== "aux" && n !== "tmp");
    assert.deepEqual(left, [], "no job files left in the spool");
    assert.deepEqual(readdirSync(join(spool, "aux")), []);
    assert.equal(mode(spool), "700");
  });

  it(
    "the agent's simulator clears scripts of jobs that are not running, and keeps its state 0600",
    {
      timeout: 60_000,
    },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "sim-spool-agent-"));
      dirs.push(dir);
      // A spool as an older simulator left it: a script for every job it ever ran.
      const spool = join(dir, "spool");
      mkdirSync(join(spool, "aux"), { recursive: true });
      for (let i = 1; i <= 110; i++) {
        writeFileSync(join(spool, `${i}.pbs-sim.SC`), `export TOKEN=t${i}\n`, { mode: 0o700 });
      }
      writeFileSync(join(spool, "aux", "7.pbs-sim"), "node\n");
      mkdirSync(join(spool, "tmp", "pbs.200.pbs-sim"), { recursive: true });
      const sim = createSimExecutor(dir, { mode: "execute" });
      try {
        assert.deepEqual(readdirSync(spool).filter((n) => n.endsWith(".SC")), []);
        assert.deepEqual(readdirSync(join(spool, "aux")), []);
        assert.deepEqual(readdirSync(join(spool, "tmp")), []);
        for (const f of ["server.json", "server.json.journal"]) {
          assert.ok(existsSync(join(dir, f)), f);
          assert.equal(mode(join(dir, f)), "600", f);
        }
      } finally {
        await sim.executor.close();
      }
    },
  );
});
