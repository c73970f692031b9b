import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { acquireLock } from "../../src/agent/lock.ts";
import { processAlive } from "../../src/agent/process-alive.ts";
import { selfCommand } from "../../src/agent/http/serve.ts";

const TAKER = fileURLToPath(new URL("./fixtures/lock-taker.ts", import.meta.url));
const never = () => Promise.resolve(false);

/** Starts a lock taker; resolves with its first line ("got" or "refused: ..."). */
function taker(lock: string, graceMs: number): { child: ChildProcess; line: Promise<string> } {
  const [exe, ...pre] = selfCommand(TAKER);
  const child = spawn(exe, [...pre, lock, String(graceMs)], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  child.stderr!.on("data", (d) => (err += d));
  const line = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(out.split("\n")[0]);
    });
    child.once("exit", (code) => reject(new Error(`taker exited ${code} without a line: ${err}`)));
  });
  return { child, line };
}

const PYTHON = ["/usr/bin/python3", "/usr/local/bin/python3"].find((p) => existsSync(p));

/**
 * A zombie: a child that exited and that its parent (a python that sleeps)
 * does not reap; what a killed background agent stays where init does not
 * reap orphans (some containers). Returns its pid and the parent to kill.
 */
async function zombie(python: string): Promise<{ pid: number; parent: ChildProcess }> {
  const code =
    "import os,time\npid=os.fork()\nif pid==0: os._exit(0)\nprint(pid,flush=True)\ntime.sleep(60)";
  const parent = spawn(python, ["-c", code], { stdio: ["ignore", "pipe", "ignore"] });
  const pid = await new Promise<number>((resolve) =>
    parent.stdout!.once("data", (d) => resolve(Number(String(d).trim())))
  );
  for (const end = Date.now() + 20_000; Date.now() < end;) {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    if (state === "Z") break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { pid, parent };
}

/** A pid that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn("true");
  await new Promise((r) => child.once("exit", r));
  return child.pid!;
}

function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "psij-lock-"));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

describe("agent lock", { timeout: 60_000 }, () => {
  it(
    "six processes racing for one lock: exactly one gets it",
    { timeout: 60_000 },
    () =>
      withDir(async (dir) => {
        const lock = join(dir, "agent.lock");
        const takers = Array.from({ length: 6 }, () => taker(lock, 1_500));
        try {
          const lines = await Promise.all(takers.map((t) => t.line));
          assert.equal(lines.filter((l) => l === "got").length, 1, lines.join("\n"));
          for (const l of lines.filter((l) => l !== "got")) {
            assert.match(l, /^refused: process \d+ holds the agent lock .* but has not answered/);
          }
        } finally {
          for (const t of takers) t.child.kill("SIGKILL");
        }
      }),
  );

  it("the lock names this process; release removes it, and only our own", () =>
    withDir(async (dir) => {
      const lock = join(dir, "agent.lock");
      const release = await acquireLock(lock, never, 100);
      assert.equal(Number(readFileSync(lock, "utf8").split(/\s/)[0]), process.pid);
      writeFileSync(lock, "1\n"); // someone else's lock now
      release();
      assert.equal(existsSync(lock), true, "a lock that is not ours is left alone");
    }));

  it("a lock left by a dead process is stale and taken", () =>
    withDir(async (dir) => {
      const lock = join(dir, "agent.lock");
      writeFileSync(lock, `${await deadPid()}\n`);
      const release = await acquireLock(lock, never, 100);
      assert.equal(Number(readFileSync(lock, "utf8").split(/\s/)[0]), process.pid);
      release();
      assert.equal(existsSync(lock), false);
    }));

  it("a lock whose holder exited but was never reaped (a zombie) is stale and taken", {
    skip: PYTHON && existsSync("/proc/self/stat")
      ? false
      : "needs python3 and /proc to make a zombie",
  }, () =>
    withDir(async (dir) => {
      const { pid, parent } = await zombie(PYTHON!);
      try {
        assert.equal(processAlive(pid), false, "a zombie is not alive");
        const lock = join(dir, "agent.lock");
        writeFileSync(lock, `${pid}\n`);
        const release = await acquireLock(lock, never, 60_000);
        assert.equal(Number(readFileSync(lock, "utf8").split(/\s/)[0]), process.pid);
        release();
      } finally {
        parent.kill("SIGKILL");
      }
    }));

  it("a garbled lock file is stale and taken", () =>
    withDir(async (dir) => {
      const lock = join(dir, "agent.lock");
      writeFileSync(lock, "");
      const release = await acquireLock(lock, never, 100);
      assert.equal(Number(readFileSync(lock, "utf8").split(/\s/)[0]), process.pid);
      release();
    }));

  it("a live holder that answers: refused as already running", () =>
    withDir(async (dir) => {
      const lock = join(dir, "agent.lock");
      writeFileSync(lock, `${process.pid}\n`);
      await assert.rejects(
        acquireLock(lock, () => Promise.resolve(true), 5_000),
        new RegExp(`an agent \\(pid ${process.pid}\\) is already running here`),
      );
      assert.equal(
        readFileSync(lock, "utf8"),
        `${process.pid}\n`,
        "the holder's lock is untouched",
      );
    }));

  it("a live holder that never answers is not robbed: the error says how to clear it", () =>
    withDir(async (dir) => {
      const lock = join(dir, "agent.lock");
      writeFileSync(lock, `${process.pid}\n`);
      await assert.rejects(acquireLock(lock, never, 300), (err: Error) => {
        assert.match(err.message, new RegExp(`process ${process.pid} holds the agent lock`));
        assert.match(err.message, /remove the lock file/);
        return true;
      });
      assert.equal(readFileSync(lock, "utf8"), `${process.pid}\n`);
    }));

  it(
    "a holder that dies while we wait: its lock is then taken",
    { timeout: 30_000 },
    () =>
      withDir(async (dir) => {
        const lock = join(dir, "agent.lock");
        const first = taker(lock, 100);
        assert.equal(await first.line, "got");
        const second = acquireLock(lock, never, 20_000);
        first.child.kill("SIGKILL");
        const release = await second;
        assert.equal(Number(readFileSync(lock, "utf8").split(/\s/)[0]), process.pid);
        release();
      }),
  );

  it("a pid reused by a process started at another time is stale (Linux /proc)", {
    skip: existsSync("/proc/self/stat") ? false : "no /proc here",
  }, () =>
    withDir(async (dir) => {
      const lock = join(dir, "agent.lock");
      // Our own pid with a start time that is not ours: what a reused pid looks like.
      writeFileSync(lock, `${process.pid} 1\n`);
      const release = await acquireLock(lock, never, 5_000);
      assert.notEqual(readFileSync(lock, "utf8"), `${process.pid} 1\n`);
      release();
    }));
});
