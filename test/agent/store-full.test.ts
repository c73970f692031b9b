/**
 * The job store's file system fills up under a running agent (a real
 * `serve` process, its home on a small tmpfs, the local executor): requests
 * that need a write are refused with 507 naming the store, health says
 * degraded, a job's end that could not be written is held and written once
 * there is room, and the log shows messages, not source code.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { exited, startServe } from "./fixtures/cli.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; !(await cond());) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Mounts a tmpfs of `size` at `dir`; the reason it cannot, or undefined when mounted. */
function mountTmpfs(dir: string, size: string): string | undefined {
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root";
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir]);
  return r.status === 0 ? undefined : `mount -t tmpfs failed: ${String(r.stderr).trim()}`;
}

/** Writes zeros to `path` until the file system says ENOSPC. */
function fillUp(path: string): void {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
}

describe("the job store's disk full", () => {
  it(
    "refuses submits with 507 naming the store and 'no space left', says degraded, and writes the held end of a job once there is room",
    { timeout: 120_000 },
    async (t) => {
      const dir = mkdtempSync(join(tmpdir(), "psij-store-full-"));
      const home = join(dir, "home");
      mkdirSync(home);
      const cannot = mountTmpfs(home, "600k");
      if (cannot) {
        rmSync(dir, { recursive: true, force: true });
        t.skip(cannot);
        return;
      }
      const socket = join(home, "agent.sock");
      const filler = join(home, "filler");
      const go = join(dir, "go");
      let serve: Awaited<ReturnType<typeof startServe>> | undefined;
      try {
        serve = await startServe(["--home", home, "--executor", "local"], socket);
        const client = new AgentClient({ socket });
        const health = async () => (await client.request("GET", "/v1/health")).body;
        const job = async (id: string) => (await client.request("GET", `/v1/jobs/${id}`)).body;

        const first = await client.request("POST", "/v1/jobs", {
          version: 1,
          executable: "/bin/sh",
          arguments: ["-c", `while [ ! -e '${go}' ]; do sleep 0.05; done`],
        });
        assert.equal(first.status, 201, JSON.stringify(first.body));
        const id = first.body.id as string;
        await until(async () => (await job(id)).state === "ACTIVE", "the job to run");

        fillUp(filler);
        const refused = await client.request("POST", "/v1/jobs", {
          version: 1,
          executable: "/bin/true",
          environment: { PAD: "x".repeat(60_000) },
        });
        assert.equal(refused.status, 507, JSON.stringify(refused.body));
        assert.equal(refused.body.type, "https://psij-agent.invalid/problems/store-full");
        assert.match(refused.body.detail, /no space left/);
        assert.ok(
          refused.body.detail.includes(join(home, "agent.db")),
          `the detail names the store: ${refused.body.detail}`,
        );
        let h = await health();
        assert.equal(h.status, "degraded");
        assert.equal(h.store.status, "degraded");
        assert.match(h.store.lastError, /no space left/);

        // The job ends (exit 0) while nothing can be written: its end is held, not lost.
        writeFileSync(go, "");
        await until(async () => (await health()).store.unwrittenJobs === 1, "the end to be held");
        assert.equal((await job(id)).state, "ACTIVE", "the store still has it running");

        rmSync(filler);
        await until(async () => (await job(id)).state === "COMPLETED", "the held end written");
        const done = await job(id);
        assert.equal(done.exitCode, 0, "the job's own end, exit 0");
        h = await health();
        assert.equal(h.store.unwrittenJobs, 0);
        assert.equal(h.status, "ok", JSON.stringify(h));

        serve.child.kill("SIGTERM");
        await exited(serve.child);
        const out = serve.output();
        assert.match(out, /\nstopped\n/, "a clean stop");
        assert.match(out, /no space left/, "the log says what happened");
        // Bun renders a thrown error with the source lines around it ("397 | ...").
        assert.doesNotMatch(out, /^\s*\d+ \| /m, `no source code in the log:\n${out}`);
      } finally {
        writeFileSync(go, ""); // the job ends, whatever happened above
        if (serve && serve.child.exitCode === null && serve.child.signalCode === null) {
          serve.child.kill("SIGKILL");
          await exited(serve.child);
        }
        // Lazily if still busy (a job's output file open): never leave the mount behind.
        if (spawnSync("umount", [home]).status !== 0) spawnSync("umount", ["-l", home]);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
