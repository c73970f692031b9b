/** The CLI reach: a socket server shared by processes, auto-start, shims, the state file. */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { simMain } from "../../simulator/cli.ts";
import { callSocket } from "../../simulator/ipc.ts";
import { selfCommand } from "../../simulator/runtime.ts";

const dir = mkdtempSync(join(tmpdir(), "sim-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const io = {
    stdout: "",
    stderr: "",
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  };
  return io;
}

const env = { USER: "alice", HOME: dir, PATH: process.env.PATH ?? "/usr/bin:/bin" };

describe("sim CLI", () => {
  it(
    "serve answers commands over the socket and keeps state across a restart",
    { timeout: 30000 },
    async () => {
      const socket = join(dir, "a.sock");
      const state = join(dir, "state.json");
      const args = ["--socket", socket, "--mode", "model", "--name", "simx", "--state", state];
      const served = simMain(["serve", ...args], capture());
      await new Promise((r) => setTimeout(r, 200));
      const r = await callSocket(socket, {
        argv: ["qsub", "-N", "held", "-h", "--", "/bin/true"],
        cwd: dir,
        env,
      });
      assert.deepEqual(r, { exitCode: 0, stdout: "1.simx\n", stderr: "" });
      assert.equal(
        (await callSocket(socket, { argv: ["qselect", "-s", "H"], cwd: dir, env })).stdout,
        "1.simx\n",
      );
      assert.equal(await simMain(["stop", "--socket", socket], capture()), 0);
      assert.equal(await served, 0);
      const again = simMain(["serve", ...args], capture());
      await new Promise((r) => setTimeout(r, 200));
      const q = await callSocket(socket, { argv: ["qstat", "1"], cwd: dir, env });
      assert.match(q.stdout, /^1\.simx +held +alice +0 H workq/m);
      assert.equal(
        (await callSocket(socket, { argv: ["qsub", "--", "/bin/true"], cwd: dir, env })).stdout,
        "2.simx\n",
      );
      await simMain(["stop", "--socket", socket], capture());
      await again;
    },
  );

  it(
    "the first command starts a server in the background (execute mode)",
    { timeout: 60000 },
    async () => {
      const socket = join(dir, "b.sock");
      const [exe, ...pre] = selfCommand();
      const run = (...argv: string[]) =>
        spawnSync(exe, [...pre, ...argv], {
          env: { ...env, PSIJ_SIM_SOCKET: socket },
          cwd: dir,
          encoding: "utf8",
        });
      writeFileSync(join(dir, "hello.sh"), "#PBS -N hello\necho hi from $PBS_JOBID\n");
      const sub = run("qsub", "hello.sh");
      assert.equal(sub.stdout, "1.pbs-sim\n", sub.stderr);
      let f = "";
      for (let i = 0; i < 100 && !/job_state = F/.test(f); i++) {
        await new Promise((r) => setTimeout(r, 100));
        f = run("qstat", "-x", "-f", "1").stdout;
      }
      assert.match(f, /Exit_status = 0\n/);
      assert.equal(run("qstat", "--version").stdout, "pbs_version = 23.06.06\n");
      assert.equal(run("qdel", "1").status, 35);
      assert.equal(run("stop").status, 0);
    },
  );

  it(
    "two first commands at once end up on one server, which holds both jobs",
    { timeout: 60000 },
    async () => {
      const [exe, ...pre] = selfCommand();
      for (let round = 0; round < 3; round++) {
        const socket = join(dir, `race${round}.sock`);
        const run = (...argv: string[]) =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(exe, [...pre, ...argv], {
              env: { ...env, PSIJ_SIM_SOCKET: socket, PSIJ_SIM_MODE: "model" },
              cwd: dir,
              stdio: ["ignore", "pipe", "inherit"],
            });
            let out = "";
            child.stdout!.on("data", (d) => (out += d));
            child.on("error", reject);
            child.on("close", () => resolve(out));
          });
        const ids = await Promise.all([
          run("qsub", "-h", "--", "/bin/true"),
          run("qsub", "-h", "--", "/bin/true"),
        ]);
        assert.deepEqual(ids.sort(), ["1.pbs-sim\n", "2.pbs-sim\n"], `round ${round}`);
        assert.equal(await run("qselect"), "1.pbs-sim\n2.pbs-sim\n", `round ${round}`);
        assert.equal(await simMain(["stop", "--socket", socket], capture()), 0);
        for (const end = Date.now() + 30_000; existsSync(socket) && Date.now() < end;) {
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(existsSync(socket), false, "the stopped server removed its socket");
      }
    },
  );

  it("bad settings are refused with the field named", async () => {
    const io = capture();
    assert.equal(await simMain(["serve", "--nodes", "lots"], io), 2);
    assert.match(io.stderr, /^sim serve: --nodes: expected a non-negative number, got lots\n/);
  });
});

describe("state file", () => {
  it("a dependency hold survives a restart and is released when its parent ends", {
    timeout: 30000,
  }, async () => {
    const socket = join(dir, "c.sock");
    const state = join(dir, "dep-state.json");
    const args = ["--socket", socket, "--mode", "model", "--name", "simd", "--state", state];
    const first = simMain(["serve", ...args], capture());
    await new Promise((r) => setTimeout(r, 200));
    await callSocket(socket, { argv: ["qsub", "-h", "--", "/bin/true"], cwd: dir, env });
    await callSocket(socket, {
      argv: ["qsub", "-W", "depend=afterany:1", "--", "/bin/true"],
      cwd: dir,
      env,
    });
    await simMain(["stop", "--socket", socket], capture());
    await first;
    const second = simMain(["serve", ...args], capture());
    await new Promise((r) => setTimeout(r, 200));
    const before = await callSocket(socket, { argv: ["qstat", "2"], cwd: dir, env });
    assert.match(before.stdout, /^2\.simd .* H workq/m);
    await callSocket(socket, { argv: ["qdel", "1"], cwd: dir, env });
    const after = await callSocket(socket, { argv: ["qstat", "2"], cwd: dir, env });
    assert.match(after.stdout, /^2\.simd .* [QR] workq/m);
    await simMain(["stop", "--socket", socket], capture());
    await second;
  });
});
