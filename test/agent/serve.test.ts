import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentPaths } from "../../src/agent/access.ts";
import { startAgent } from "../../src/agent/agent.ts";
import { AgentClient } from "../../src/agent/cli/client.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it holds or `ms` pass (generous: the host may be loaded). */
async function until(cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; !(await cond()) && Date.now() < end;) await sleep(20);
}

describe("serving over the unix socket", () => {
  it(
    "releases an event subscriber when its client goes, and an open stream does not hold up stop",
    {
      timeout: 60_000,
    },
    async () => {
      const home = mkdtempSync(join(tmpdir(), "psij-serve-"));
      try {
        const paths = agentPaths(home);
        const agent = await startAgent({ paths, executor: "local" });
        const client = new AgentClient({ socket: paths.socket });
        const health = async () => (await client.request("GET", "/v1/health")).body;
        const gone = new AbortController();
        const first = client.stream("/v1/events", {}, () => false, gone.signal);
        await until(async () => (await health()).sseClients === 1);
        assert.equal((await health()).sseClients, 1);
        gone.abort();
        await first;
        await until(async () => (await health()).sseClients === 0);
        assert.equal((await health()).sseClients, 0, "subscriber released");

        const frames: string[] = [];
        const open = client.stream("/v1/events", {}, (f) => void frames.push(f.data));
        await until(async () => (await health()).sseClients === 1);
        await agent.stop();
        assert.deepEqual(
          await open,
          { status: 200, how: "ended", retryMs: 1000 },
          "the stream ended when the agent stopped",
        );
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
});

describe("the embedded simulator across an agent restart", () => {
  it("a job submitted before a stop reaches its own final state after the restart", {
    timeout: 60_000,
  }, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-serve-"));
    try {
      const paths = agentPaths(home);
      const first = await startAgent({ paths, executor: "sim" });
      const { job } = await first.service.submit({
        version: 1,
        executable: "/bin/sh",
        arguments: ["-c", "sleep 0.5; exit 5"],
      });
      await first.stop();
      const second = await startAgent({ paths, executor: "sim" });
      const report = await second.recovery;
      assert.deepEqual(report.reattached, [job.id]);
      await until(() => second.service.getRecord(job.id).state === "FAILED");
      const done = second.service.getRecord(job.id);
      assert.equal(done.state, "FAILED");
      assert.equal(done.exitCode, 5, "the job's own exit code, after the restart");
      await second.stop();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
