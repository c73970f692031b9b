// `run --executor X` with no agent running starts one that serves X; an agent that serves
// something else is named, with what it serves and how to get one that serves X.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { exited, runCli, startServe } from "./fixtures/cli.ts";

const SLOW = { timeout: 120_000 };

describe("run --executor and the agent it finds or starts", SLOW, () => {
  it("with no agent running, starts one serving the asked executor", SLOW, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-autostart-"));
    try {
      // $PSIJ_AGENT_EXECUTOR says sim: --executor on the command line wins.
      const r = await runCli(
        ["run", "--home", home, "--executor", "local", "--wait", "--json", "--", "true"],
        { env: { PSIJ_AGENT_EXECUTOR: "sim", PSIJ_AGENT_HOME: home } },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).executor, "local");
      assert.match(r.stderr, /started one in the background with executor local/);
      const served = await new AgentClient({ socket: join(home, "agent.sock") }).request(
        "GET",
        "/v1/executors",
      );
      assert.deepEqual(served.body.executors.map((e: any) => e.name), ["local"]);
    } finally {
      await runCli(["stop", "--home", home]);
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("an executor name no agent can serve exits 64 without starting one", SLOW, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-autostart-"));
    try {
      const r = await runCli(["run", "--home", home, "--executor", "lsf", "--", "true"]);
      assert.equal(r.code, 64, r.stderr);
      assert.match(
        r.stderr,
        /--executor must name an executor: unknown executor "lsf"; known executors: .*local/,
      );
      const stop = await runCli(["stop", "--home", home]);
      assert.match(stop.stdout, /no agent running/);
    } finally {
      await runCli(["stop", "--home", home]);
      rmSync(home, { recursive: true, force: true });
    }
  });

  it(
    "a running agent that serves another executor: says what it serves and how",
    SLOW,
    async () => {
      const home = mkdtempSync(join(tmpdir(), "psij-autostart-"));
      const socket = join(home, "agent.sock");
      const agent = await startServe(["--home", home, "--executor", "local"], socket);
      try {
        const r = await runCli(["run", "--home", home, "--executor", "sim", "--", "true"]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`the agent at unix:${socket} serves local, not "sim"`));
        assert.match(r.stderr, new RegExp(`psij-agent serve --home ${home} --executor sim`));
        const list = await runCli(["list", "--home", home, "--json"]);
        assert.deepEqual(JSON.parse(list.stdout), [], "nothing submitted");
      } finally {
        agent.child.kill("SIGTERM");
        await exited(agent.child);
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
});
