/**
 * A job of the embedded simulator (the agent's default executor) runs in a
 * process of its own: it goes on while the agent is stopped or killed, and
 * the next agent's simulator re-adopts it (or reads the exit it recorded)
 * instead of running it again from scratch.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { exited, runCli, startServe } from "./fixtures/cli.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, get: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    const v = await get();
    if (v !== undefined) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Starts a job that writes "start", sleeps `sleepS` and writes "end"; once it
 * has started, `interrupt` takes the agent down; a new agent then sees the
 * job through. Returns what the job logged, its stdout and its record.
 */
async function survive(
  interrupt: (agent: ChildProcess, home: string) => Promise<void>,
  sleepS: number,
  downMs: number,
) {
  const dir = mkdtempSync(join(tmpdir(), "psij-sim-go-on-"));
  const home = join(dir, "home");
  const socket = join(home, "agent.sock");
  const out = join(dir, "job.out");
  // Appended to, so a second run cannot hide behind a rewritten output file.
  const log = join(dir, "job.log");
  const serveArgs = ["--home", home, "--executor", "sim"];
  const agents: ChildProcess[] = [];
  try {
    const first = await startServe(serveArgs, socket);
    agents.push(first.child);
    let client = new AgentClient({ socket });
    const res = await client.request("POST", "/v1/jobs", {
      version: 1,
      executable: "/bin/sh",
      arguments: ["-c", `echo start $$ >>${log}; sleep ${sleepS}; echo end >>${log}; echo done`],
      stdoutPath: out,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const id: string = res.body.id;
    await until("the job to start", async () => {
      const job = await client.request("GET", `/v1/jobs/${id}`);
      return job.body.state === "ACTIVE" && existsSync(log) &&
          /start/.test(readFileSync(log, "utf8"))
        ? true
        : undefined;
    });
    await interrupt(first.child, home);
    await sleep(downMs);
    const second = await startServe(serveArgs, socket);
    agents.push(second.child);
    client = new AgentClient({ socket });
    const job = await until("the job to end", async () => {
      const j = await client.request("GET", `/v1/jobs/${id}`);
      return ["COMPLETED", "FAILED", "CANCELED"].includes(j.body.state) ? j.body : undefined;
    });
    second.child.kill("SIGTERM");
    await exited(second.child);
    return { job, output: readFileSync(log, "utf8"), stdout: readFileSync(out, "utf8") };
  } finally {
    for (const a of agents) if (a.exitCode === null && a.signalCode === null) a.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertRanOnce(r: Awaited<ReturnType<typeof survive>>): void {
  assert.equal(r.job.state, "COMPLETED", JSON.stringify(r.job));
  assert.equal(r.output.match(/^start /gm)?.length, 1, `one start: ${JSON.stringify(r.output)}`);
  assert.equal(r.output.match(/^end$/gm)?.length, 1, `one end: ${JSON.stringify(r.output)}`);
  assert.equal(r.stdout, "done\n", "the job's stdout delivered");
  const states = (r.job.history as { state: string }[]).map((t) => t.state);
  assert.deepEqual(states.filter((s) => s === "ACTIVE"), ["ACTIVE"], JSON.stringify(states));
}

describe("embedded simulator jobs outlive the agent", () => {
  it("a running job goes on through `stop` and `serve`: one start, one end", {
    timeout: 120_000,
  }, async () => {
    const r = await survive(
      async (agent, home) => {
        const stop = await runCli(["stop", "--home", home]);
        assert.equal(stop.code, 0, stop.stderr);
        await exited(agent);
      },
      6,
      0,
    );
    assertRanOnce(r);
  });

  it("a job that ends while the agent is down (kill -9) is read from its recorded exit", {
    timeout: 120_000,
  }, async () => {
    const r = await survive(
      async (agent) => {
        agent.kill("SIGKILL");
        await exited(agent);
      },
      1,
      3000,
    );
    assertRanOnce(r);
  });
});
