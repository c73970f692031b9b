/**
 * kill -9 of the agent (on its embedded PBS simulator, which outlives it
 * through its journal, and really runs the jobs) while a job array runs,
 * then a restart: every element ends in its true state (its own exit code,
 * its own output file), the array's summary is right, and no element ran
 * twice.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { exited, startServe } from "./fixtures/cli.ts";

const SIZE = 12;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const final = new Set(["COMPLETED", "FAILED", "CANCELED"]);

async function until(what: string, cond: () => Promise<boolean>, ms = 180_000): Promise<void> {
  for (const end = Date.now() + ms; !(await cond());) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

describe("kill -9 of the agent while a job array runs", () => {
  it("after a restart every element ends true, each ran once, and the summary is right", {
    timeout: 400_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-kill9-array-"));
    const home = join(dir, "home");
    const out = join(dir, "out");
    mkdirSync(out);
    const socket = join(home, "agent.sock");
    const serveArgs = ["--home", home, "--executor", "sim"];
    const agents: ChildProcess[] = [];
    try {
      const first = await startServe(serveArgs, socket);
      agents.push(first.child);
      const client = new AgentClient({ socket });
      const res = await client.request("POST", "/v1/jobs", {
        version: 1,
        executable: "/bin/sh",
        arguments: [
          "-c",
          'echo "run $PSIJ_ARRAY_INDEX" >>ran.$PSIJ_ARRAY_INDEX; sleep 1; ' +
          "exit $((PSIJ_ARRAY_INDEX % 5))",
        ],
        directory: out,
        array: `1-${SIZE}%3`,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const id = res.body.id as string;
      const element = async (i: number) =>
        (await client.request("GET", `/v1/jobs/${encodeURIComponent(`${id}[${i}]`)}`)).body;
      await until("an element to end", async () => final.has((await element(1)).state));
      first.child.kill("SIGKILL");
      await exited(first.child);

      const second = await startServe(serveArgs, socket);
      agents.push(second.child);
      await until("the array to end", async () => {
        const a = await client.request("GET", `/v1/jobs/${id}`).catch(() => undefined);
        return a?.status === 200 && final.has(a.body.state);
      });
      for (let i = 1; i <= SIZE; i++) {
        const el = await element(i);
        const code = i % 5;
        assert.equal(el.state, code ? "FAILED" : "COMPLETED", `${el.id}: ${el.message}`);
        assert.equal(el.exitCode, code, el.id);
        assert.equal(readFileSync(join(out, `ran.${i}`), "utf8"), `run ${i}\n`, "ran once");
        const states = el.history.map((t: { state: string }) => t.state);
        assert.equal(new Set(states).size, states.length, `${el.id}: each state once`);
      }
      const arr = (await client.request("GET", `/v1/jobs/${id}`)).body;
      const failed = [...Array(SIZE).keys()].filter((i) => (i + 1) % 5 !== 0).length;
      assert.deepEqual(arr.array.counts, { COMPLETED: SIZE - failed, FAILED: failed });
      assert.equal(arr.state, "FAILED");
      second.child.kill("SIGTERM");
      await exited(second.child);
    } finally {
      for (const a of agents) if (a.exitCode === null && a.signalCode === null) a.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
