// The CLI against an agent that takes connections but never answers (a real agent stopped with
// SIGSTOP): every call ends within its deadline with exit 69, one signal ends any command, and a
// follower notices the silent stream and goes on once the agent answers again.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChildProcess, spawn } from "node:child_process";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { cliArgv, type CliResult, exited, runCli, startServe } from "./fixtures/cli.ts";

const SLOW = { timeout: 120_000 };

/** The CLI as a child, killed (and failing the test) if it has not ended by `deadlineMs`. */
function spawnCli(args: string[], env: Record<string, string> = {}) {
  const [exe, ...rest] = cliArgv(args);
  const child = spawn(exe, rest, {
    env: { ...process.env, PSIJ_AGENT_HOME: "/dev/null/psij-test-home", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "", stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const result = (deadlineMs: number): Promise<CliResult & { hung: boolean }> =>
    new Promise((resolve) => {
      let hung = false;
      const timer = setTimeout(() => {
        hung = true;
        process.kill(child.pid!, "SIGKILL");
      }, deadlineMs);
      const done = (code: number | null) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr, hung });
      };
      if (child.exitCode !== null) done(child.exitCode);
      else child.once("exit", done);
    });
  return { child, result, out: () => stdout, err: () => stderr };
}

/** By pid: Deno's ChildProcess.kill sends one signal only, and reports any exit as by it. */
function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  process.kill(child.pid!, sig);
}

/**
 * Connections waiting in the socket's accept queue: Linux lists each with the listener's path
 * and no inode of its own. A stopped agent accepts none, so one shows the CLI is in its call.
 */
function pendingConnections(socket: string): number {
  return readFileSync("/proc/net/unix", "utf8").split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[7] === socket && f[6] === "0").length;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    assert.ok(Date.now() < end, `${what} within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the CLI against an agent that does not answer (SIGSTOP)", SLOW, () => {
  let home: string;
  let socket: string;
  let server: ChildProcess;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "psij-deadline-"));
    socket = join(home, "agent.sock");
    ({ child: server } = await startServe(["--home", home, "--executor", "local"], socket));
    signal(server, "SIGSTOP");
  });

  after(async () => {
    signal(server, "SIGCONT");
    signal(server, "SIGTERM");
    await exited(server);
    rmSync(home, { recursive: true, force: true });
  });

  it(
    "list exits 69 after --request-timeout, naming the socket and the deadline",
    SLOW,
    async () => {
      const r = await spawnCli(["list", "--home", home, "--request-timeout", "1"]).result(60_000);
      assert.equal(r.hung, false, "list ended by itself");
      assert.equal(r.code, 69, r.stderr);
      assert.match(r.stderr, new RegExp(`the agent at unix:${socket} did not answer within 1 s`));
    },
  );

  it(
    "$PSIJ_AGENT_REQUEST_TIMEOUT sets it for status and run too; a bad value exits 64",
    SLOW,
    async () => {
      const env = { PSIJ_AGENT_REQUEST_TIMEOUT: "1" };
      for (const args of [["status", "j1"], ["run", "--", "true"]]) {
        const r = await spawnCli([args[0], "--home", home, ...args.slice(1)], env).result(60_000);
        assert.equal(r.hung, false, `${args[0]} ended by itself`);
        assert.equal(r.code, 69, `${args[0]}: ${r.stderr}`);
        assert.match(r.stderr, /did not answer within 1 s/);
      }
      const bad = await runCli(["list", "--home", home], {
        env: { PSIJ_AGENT_REQUEST_TIMEOUT: "soon" },
      });
      assert.equal(bad.code, 64);
      assert.match(bad.stderr, /\$PSIJ_AGENT_REQUEST_TIMEOUT must be a positive number of seconds/);
    },
  );

  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    it(`one ${signal} ends a command waiting for the agent, with exit ${code}`, SLOW, async () => {
      const before = pendingConnections(socket);
      const cli = spawnCli(["list", "--home", home], { PSIJ_AGENT_REQUEST_TIMEOUT: "600" });
      await until("list connects", () => pendingConnections(socket) > before);
      process.kill(cli.child.pid!, signal);
      const r = await cli.result(30_000);
      assert.equal(r.hung, false, `one ${signal} ended list`);
      assert.equal(r.code, code, r.stderr);
    });
  }
});

describe("events --follow when the agent stops answering", SLOW, () => {
  it("notices the silent stream, and goes on without a repeat once it answers", SLOW, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-deadline-"));
    const socket = join(home, "agent.sock");
    const { child: server } = await startServe(["--home", home, "--executor", "local"], socket);
    const client = new AgentClient({ socket });
    const follow = spawnCli(["events", "--home", home, "--follow", "--json"], {
      PSIJ_AGENT_REQUEST_TIMEOUT: "1",
    });
    try {
      const first = await runCli(["run", "--home", home, "--wait", "--json", "--", "true"]);
      assert.equal(first.code, 0, first.stderr);
      const events = () => follow.out().split("\n").filter(Boolean).map((l) => JSON.parse(l));
      await until("the first job's events", () => events().some((e) => e.state === "COMPLETED"));
      signal(server, "SIGSTOP");
      // The agent's keep-alive (every 15 s) stops: after 15 s + 1 s of silence the stream is dead.
      await until("follow notices", () => /sent nothing/.test(follow.err()), 90_000);
      signal(server, "SIGCONT");
      const second = await runCli(["run", "--home", home, "--json", "--", "true"]);
      const id = JSON.parse(second.stdout).id;
      await until(
        "the second job's events",
        () => events().some((e) => e.jobId === id && e.state === "COMPLETED"),
      );
      const ids = events().map((e) => e.eventId);
      assert.deepEqual(ids, [...new Set(ids)].sort((a, b) => a - b), "each event once, in order");
      assert.equal(follow.child.exitCode, null, "still following");
      assert.equal((await client.request("GET", "/v1/health")).body.lastEventId, ids.at(-1));
    } finally {
      signal(server, "SIGCONT");
      signal(follow.child, "SIGTERM");
      await follow.result(30_000);
      signal(server, "SIGTERM");
      await exited(server);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
