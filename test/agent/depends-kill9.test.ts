/**
 * A local job the agent keeps back (held, or waiting for its dependency)
 * survives kill -9 of the agent (issue 13, item 2): the restarted agent still
 * has both QUEUED, and a release then runs the chain. Through the CLI, with
 * a real `serve` process.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exited, runCli, startServe } from "./fixtures/cli.ts";

describe("kill -9 of the agent while local jobs wait in it", () => {
  it("a held job and a job waiting for it survive; released, both complete", {
    timeout: 180_000,
  }, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-deps-kill9-"));
    const socket = join(home, "agent.sock");
    const serve = () => startServe(["--home", home, "--executor", "local"], socket);
    const cli = async (args: string[], code = 0) => {
      const r = await runCli([args[0], "--home", home, "--json", ...args.slice(1)]);
      assert.equal(r.code, code, `${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
      return r.stdout ? JSON.parse(r.stdout) : undefined;
    };
    let server: ChildProcess | undefined;
    try {
      server = (await serve()).child;
      const held = await cli(["run", "--no-start", "--hold", "--dir", home, "--", "/bin/true"]);
      const after = await cli([
        "run",
        "--no-start",
        "--after",
        `ok:${held.id}`,
        "--dir",
        home,
        "--",
        "/bin/true",
      ]);
      assert.equal(held.state, "QUEUED");
      assert.equal(after.state, "QUEUED");
      server.kill("SIGKILL");
      await exited(server);

      server = (await serve()).child;
      const h = await cli(["status", held.id]);
      assert.equal(h.state, "QUEUED");
      assert.equal(h.held, true);
      const a = await cli(["status", after.id]);
      assert.equal(a.state, "QUEUED");
      assert.equal(a.nativeId, undefined, "never started");
      await cli(["release", held.id]);
      const done = await cli(["wait", after.id, "--timeout", "120"]);
      assert.equal(done.state, "COMPLETED");
      assert.equal((await cli(["status", held.id])).state, "COMPLETED");
    } finally {
      if (server && server.exitCode === null) {
        server.kill("SIGTERM");
        await exited(server);
      }
      rmSync(home, { recursive: true, force: true });
    }
  });
});
