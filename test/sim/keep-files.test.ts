/**
 * Execute mode honours qsub -k (Keep_Files): n spools and delivers at the end,
 * o/e keep the stream in $HOME as <name>.o<seq> / .e<seq> and deliver nothing
 * for it, d writes straight to Output_Path/Error_Path while the job runs.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

function setup() {
  const home = mkdtempSync(join(tmpdir(), "sim-keep-"));
  dirs.push(home);
  const dest = join(home, "dest");
  mkdirSync(dest);
  const server = new SimServer({
    name: "vm",
    clock: realClock,
    mode: "execute",
    nodes: [{ name: "vm", ncpus: 4, memBytes: 2 ** 33, ngpus: 0 }],
    spoolDir: join(home, ".spool"),
  });
  attachMom(server);
  server.start();
  const env = { HOME: home, USER: "alice", LOGNAME: "alice", PATH: process.env.PATH ?? "/bin" };
  const run = (argv: string[], stdin?: string) =>
    runCommand(server, argv, { cwd: home, env, stdin });
  const qsub = (keep: string, script = "echo out\necho err >&2\n") =>
    run(
      ["qsub", "-N", "kj", "-k", keep, "-o", join(dest, "o.txt"), "-e", join(dest, "e.txt")],
      script,
    );
  return { home, dest, server, run, qsub };
}

async function until(pred: () => boolean, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const read = (p: string) => existsSync(p) ? readFileSync(p, "utf8") : null;

describe("qsub -k in execute mode", () => {
  const cases: [string, { o: boolean; e: boolean }][] = [
    ["n", { o: false, e: false }],
    ["o", { o: true, e: false }],
    ["e", { o: false, e: true }],
    ["oe", { o: true, e: true }],
  ];
  for (const [keep, kept] of cases) {
    it(`-k ${keep}: kept streams stay in $HOME, the others are delivered`, {
      timeout: 30000,
    }, async () => {
      const { home, dest, server, qsub } = setup();
      assert.equal(qsub(keep).stdout, "1.vm\n");
      await until(() => server.find("1")?.state === "F");
      assert.equal(read(join(home, "kj.o1")), kept.o ? "out\n" : null);
      assert.equal(read(join(dest, "o.txt")), kept.o ? null : "out\n");
      assert.equal(read(join(home, "kj.e1")), kept.e ? "err\n" : null);
      assert.equal(read(join(dest, "e.txt")), kept.e ? null : "err\n");
      server.stop();
    });
  }

  it(
    "-k oed: output is visible at Output_Path while the job runs",
    { timeout: 30000 },
    async () => {
      const { home, dest, server, qsub } = setup();
      const go = join(home, "go");
      qsub(
        "oed",
        `echo out\necho err >&2\nwhile [ ! -e '${go}' ]; do sleep 0.05; done\necho end\n`,
      );
      await until(() =>
        read(join(dest, "o.txt")) === "out\n" && read(join(dest, "e.txt")) === "err\n"
      );
      assert.equal(server.find("1")?.state, "R");
      writeFileSync(go, "");
      await until(() => server.find("1")?.state === "F");
      assert.equal(read(join(dest, "o.txt")), "out\nend\n");
      assert.equal(read(join(home, "kj.o1")), null);
      server.stop();
    },
  );

  it("-k od: stdout written in place, stderr spooled and delivered at the end", {
    timeout: 30000,
  }, async () => {
    const { home, dest, server, qsub } = setup();
    const go = join(home, "go");
    qsub("od", `echo out\necho err >&2\nwhile [ ! -e '${go}' ]; do sleep 0.05; done\n`);
    await until(() => read(join(dest, "o.txt")) === "out\n");
    assert.equal(read(join(dest, "e.txt")), null);
    writeFileSync(go, "");
    await until(() => server.find("1")?.state === "F");
    assert.equal(read(join(dest, "e.txt")), "err\n");
    assert.equal(read(join(home, "kj.e1")), null);
    server.stop();
  });

  for (const bad of ["x", "d", "on", "ne"]) {
    it(`-k ${bad} is refused: illegal -k value, usage, exit 2`, () => {
      const { server, qsub } = setup();
      const r = qsub(bad);
      assert.equal(r.exitCode, 2);
      assert.match(r.stderr, /^qsub: illegal -k value\nusage: qsub/);
      server.stop();
    });
  }

  it("-k nd is accepted and behaves as n", { timeout: 30000 }, async () => {
    const { home, dest, server, qsub } = setup();
    assert.equal(qsub("nd").stdout, "1.vm\n");
    await until(() => server.find("1")?.state === "F");
    assert.equal(read(join(dest, "o.txt")), "out\n");
    assert.equal(read(join(home, "kj.o1")), null);
    server.stop();
  });
});
