/**
 * Execute mode: scripts really run under bash with the MoM environment, their
 * output lands in the PBS-named files, and qdel / walltime end them the PBS way.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { realClock } from "../../src/core/clock.ts";
import { attachMom } from "../../simulator/mom.ts";
import { runCommand } from "../../simulator/runner.ts";
import { SimServer } from "../../simulator/server/server.ts";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(extra: { killDelayMs?: number } = {}) {
  const home = mkdtempSync(join(tmpdir(), "sim-exec-"));
  dirs.push(home);
  const server = new SimServer({
    name: "vm",
    clock: realClock,
    mode: "execute",
    nodes: [{ name: "vm", ncpus: 4, memBytes: 2 ** 33, ngpus: 0 }],
    spoolDir: join(home, ".spool"),
    ...extra,
  });
  attachMom(server);
  server.start();
  const env = {
    HOME: home,
    USER: "alice",
    LOGNAME: "alice",
    PATH: process.env.PATH ?? "/usr/bin:/bin",
  };
  const run = (argv: string[], stdin?: string) =>
    runCommand(server, argv, { cwd: home, env, stdin });
  return { home, server, run };
}

async function until(pred: () => boolean, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("execute mode", () => {
  it(
    "runs the script with the MoM environment and writes name.o<seq>",
    { timeout: 30000 },
    async () => {
      const { home, server, run } = setup();
      const script = "#PBS -N envjob\n#PBS -l select=1:ncpus=2:mpiprocs=2\n" +
        'echo "id=$PBS_JOBID name=$PBS_JOBNAME wd=$PBS_O_WORKDIR ncpus=$NCPUS env=$PBS_ENVIRONMENT"\n' +
        'echo "pwd=$(pwd)"\ncat "$PBS_NODEFILE"\ntest -d "$TMPDIR" && echo tmp-ok\necho oops >&2\nexit 4\n';
      const r = run(["qsub"], script);
      assert.equal(r.stdout, "1.vm\n");
      await until(() => server.find("1")?.state === "F");
      const out = readFileSync(join(home, "envjob.o1"), "utf8");
      assert.equal(
        out,
        `id=1.vm name=envjob wd=${home} ncpus=2 env=PBS_BATCH\npwd=${home}\nvm\nvm\ntmp-ok\n`,
      );
      assert.equal(readFileSync(join(home, "envjob.e1"), "utf8"), "oops\n");
      const f = run(["qstat", "-x", "-f", "1"]).stdout;
      assert.match(f, /Exit_status = 4\n/);
      assert.match(f, /and failed\n/);
      server.stop();
    },
  );

  it("qdel sends SIGTERM to the process group: Exit_status 271", { timeout: 30000 }, async () => {
    const { server, run } = setup();
    run(["qsub", "-N", "sleeper"], "sleep 30 & wait\n");
    await until(() => server.find("1")?.state === "R");
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(run(["qdel", "1"]), { exitCode: 0, stdout: "", stderr: "" });
    await until(() => server.find("1")?.state === "F");
    const f = run(["qstat", "-x", "-f", "1"]).stdout;
    assert.match(f, /Exit_status = 271\n/);
    assert.match(f, /substate = 91\n/);
    assert.match(server.find("1")!.comment!, / and terminated by alice@vm$/);
    server.stop();
  });

  it("a job that ignores SIGTERM is killed after kill_delay: 265", { timeout: 30000 }, async () => {
    const { home, server, run } = setup({ killDelayMs: 300 });
    // The marker proves the trap is set: a SIGTERM before it would end the job as 271.
    run(["qsub", "-N", "stubborn"], "trap '' TERM\ntouch trapped\nsleep 30 & wait; sleep 30\n");
    await until(() => existsSync(join(home, "trapped")));
    run(["qdel", "1"]);
    await until(() => server.find("1")?.state === "F");
    assert.equal(server.find("1")?.exitStatus, 265);
    server.stop();
  });

  it("walltime kill: -29 and the MoM line on stderr", { timeout: 30000 }, async () => {
    const { home, server, run } = setup({ killDelayMs: 200 });
    run(["qsub", "-N", "wt", "-l", "walltime=1"], "sleep 30\n");
    await until(() => server.find("1")?.state === "F");
    assert.equal(server.find("1")?.exitStatus, -29);
    assert.match(
      readFileSync(join(home, "wt.e1"), "utf8"),
      /^=>> PBS: job killed: walltime \d+ exceeded limit 1\n$/,
    );
    assert.match(server.find("1")!.comment!, / and exceeded resource walltime$/);
    server.stop();
  });

  it(
    "array subjobs see PBS_ARRAY_INDEX and write name.o<seq>.<index>",
    { timeout: 30000 },
    async () => {
      const { home, server, run } = setup();
      run(["qsub", "-N", "arr", "-J", "1-3"], 'echo "i=$PBS_ARRAY_INDEX of $PBS_ARRAY_ID"\n');
      await until(() => server.find("1[]")?.state === "F");
      for (const i of [1, 2, 3]) {
        assert.equal(readFileSync(join(home, `arr.o1.${i}`), "utf8"), `i=${i} of 1[].vm\n`);
      }
      assert.equal(server.find("1[]")?.exitStatus, 0);
      server.stop();
    },
  );

  it(
    "-j oe joins stderr into the -o file; -e names the error file",
    { timeout: 30000 },
    async () => {
      const { home, server, run } = setup();
      run(["qsub", "-j", "oe", "-o", "out/joined.txt"], "echo out; echo err >&2\n");
      run(["qsub", "-e", `${home}/errs.txt`, "-N", "sep"], "echo out2; echo err2 >&2\n");
      await until(() => server.find("1")?.state === "F" && server.find("2")?.state === "F");
      assert.equal(readFileSync(join(home, "out", "joined.txt"), "utf8"), "out\nerr\n");
      assert.equal(readFileSync(join(home, "errs.txt"), "utf8"), "err2\n");
      assert.equal(readFileSync(join(home, "sep.o2"), "utf8"), "out2\n");
      server.stop();
    },
  );
});
