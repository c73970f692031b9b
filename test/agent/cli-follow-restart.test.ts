// events --follow across an agent restart: it resumes after the last event it printed
// (Last-Event-ID), so every transition, before, during and after the restart, is printed once.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { cliArgv, exited, runCli, startServe } from "./fixtures/cli.ts";

const SLOW = { timeout: 120_000 };

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    assert.ok(Date.now() < end, `${what} within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("events --follow across an agent restart", SLOW, () => {
  it("prints every transition exactly once, and goes on following", SLOW, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-follow-"));
    const socket = join(home, "agent.sock");
    const args = ["--home", home, "--executor", "local"];
    const client = new AgentClient({ socket });
    let agent = await startServe(args, socket);
    const [exe, ...rest] = cliArgv(["events", "--home", home, "--follow", "--json"]);
    const follow = spawn(exe, rest, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    follow.stdout!.on("data", (d) => (out += d));
    follow.stderr!.on("data", (d) => (err += d));
    const printed = () => out.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const stored = async () => {
      const r = await runCli(["events", "--home", home, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    };
    try {
      // A job running across the restart: the new agent cannot follow the old one's child and
      // ends it FAILED while it recovers, maybe before the follower is back: it must not miss it.
      const running = JSON.parse(
        (await runCli(["run", "--home", home, "--json", "--", "sleep", "60"])).stdout,
      ).id;
      await until(
        "the running job's ACTIVE",
        () => printed().some((e) => e.jobId === running && e.state === "ACTIVE"),
      );
      agent.child.kill("SIGTERM");
      await exited(agent.child);
      agent = await startServe(args, socket);
      await until(
        "the running job's FAILED",
        () => printed().some((e) => e.jobId === running && e.state === "FAILED"),
      );
      const after = JSON.parse(
        (await runCli(["run", "--home", home, "--wait", "--json", "--", "true"])).stdout,
      ).id;
      await until(
        "the next job's COMPLETED",
        () => printed().some((e) => e.jobId === after && e.state === "COMPLETED"),
      );
      assert.deepEqual(printed(), await stored(), "every stored event printed, each once");
      assert.equal(follow.exitCode, null, `still following; stderr: ${err}`);
      assert.match(err, /closed the event stream; reconnecting/);
      assert.ok((await client.request("GET", "/v1/health")).body.sseClients >= 1);
    } finally {
      follow.kill("SIGTERM");
      await exited(follow);
      agent.child.kill("SIGTERM");
      await exited(agent.child);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
