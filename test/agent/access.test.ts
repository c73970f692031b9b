import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  agentPaths,
  ensureHome,
  ensureToken,
  parseListen,
  tcpAccessProblem,
} from "../../src/agent/access.ts";
import { type RunningAgent, startAgent } from "../../src/agent/agent.ts";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { runCli } from "./fixtures/cli.ts";

const SLOW = { timeout: 60_000 };

function tempHome() {
  return mkdtempSync(join(tmpdir(), "psij-access-"));
}

describe("access rules", () => {
  it("parses --listen forms and refuses non-loopback addresses without a token", () => {
    assert.deepEqual(parseListen("127.0.0.1:8765"), { hostname: "127.0.0.1", port: 8765 });
    assert.deepEqual(parseListen("[::1]:80"), { hostname: "::1", port: 80 });
    assert.deepEqual(parseListen(":9000"), { hostname: "127.0.0.1", port: 9000 });
    assert.throws(() => parseListen("localhost"), /not host:port/);
    assert.throws(() => parseListen("h:99999"), /not host:port/);
    assert.equal(tcpAccessProblem({ hostname: "127.0.0.1", port: 1 }, true), undefined);
    assert.match(tcpAccessProblem({ hostname: "0.0.0.0", port: 1 }, true)!, /loopback/);
    assert.equal(tcpAccessProblem({ hostname: "0.0.0.0", port: 1 }, false), undefined);
  });

  it("creates the token file 0600 and keeps an existing token", () => {
    const home = tempHome();
    try {
      const path = join(home, "token");
      const t = ensureToken(path);
      assert.ok(t.length >= 40);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(ensureToken(path), t);
      chmodSync(path, 0o644);
      assert.equal(ensureToken(path), t);
      assert.equal(
        statSync(path).mode & 0o777,
        0o600,
        "loose rights on a token file are tightened",
      );
      writeFileSync(path, "x"); // too short to be a token: replaced
      assert.notEqual(ensureToken(path), "x");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it(
    "a TCP listener demands the bearer token on every route; the socket does not",
    SLOW,
    async () => {
      const home = tempHome();
      chmodSync(home, 0o755);
      const paths = agentPaths(home);
      const agent = await startAgent({
        paths,
        executor: "local",
        listen: { hostname: "127.0.0.1", port: 0 },
      });
      try {
        assert.equal(statSync(home).mode & 0o777, 0o700, "home tightened to 0700");
        assert.equal(statSync(paths.token).mode & 0o777, 0o600);
        const tcp = agent.listeners.find((l) => l.port !== undefined)!;
        const base = tcp.url;
        for (const path of ["/v1/health", "/v1/jobs", "/v1/events", "/v1/openapi.json"]) {
          const none = await fetch(base + path);
          assert.equal(none.status, 401, path);
          await none.body?.cancel();
          const wrong = await fetch(base + path, { headers: { authorization: "Bearer wrong" } });
          assert.equal(wrong.status, 401, path);
          await wrong.body?.cancel();
        }
        const ok = await fetch(base + "/v1/health", {
          headers: { authorization: `Bearer ${agent.token}` },
        });
        assert.equal(ok.status, 200);
        await ok.body?.cancel();
        const viaSocket = await new AgentClient({ socket: paths.socket }).request(
          "GET",
          "/v1/health",
        );
        assert.equal(viaSocket.status, 200);
        const cli = await runCli(["health", "--home", home, "--url", base, "--json"]);
        assert.equal(cli.code, 0, cli.stderr);
        assert.equal(JSON.parse(cli.stdout).status, "ok");
        const noToken = await runCli(["health", "--url", base], {
          env: { PSIJ_AGENT_HOME: join(home, "elsewhere") },
        });
        assert.equal(noToken.code, 1);
        assert.match(noToken.stderr, /401/);
      } finally {
        await agent.stop();
        rmSync(home, { recursive: true, force: true });
      }
    },
  );

  it(
    "refuses a second agent on the same home, and a non-loopback listener with --no-auth",
    SLOW,
    async () => {
      const home = tempHome();
      const paths = agentPaths(home);
      const agent = await startAgent({ paths, executor: "local" });
      try {
        await assert.rejects(startAgent({ paths, executor: "local" }), /already running/);
      } finally {
        await agent.stop();
      }
      await assert.rejects(
        startAgent({ paths, executor: "local", listen: parseListen("0.0.0.0:0"), noAuth: true }),
        /loopback addresses only/,
      );
      rmSync(home, { recursive: true, force: true });
    },
  );
});

describe("one agent per home", () => {
  it(
    "of two agents started at once on one home, exactly one runs",
    { timeout: 30_000 },
    async () => {
      const home = mkdtempSync(join(tmpdir(), "psij-lock-"));
      try {
        const paths = agentPaths(home);
        const results = await Promise.allSettled([
          startAgent({ paths, executor: "local" }),
          startAgent({ paths, executor: "local" }),
        ]);
        const running = results.filter((r) => r.status === "fulfilled");
        assert.equal(running.length, 1);
        const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
        assert.match(String(refused.reason), /already running/);
        const agent = (running[0] as PromiseFulfilledResult<RunningAgent>).value;
        const health = await new AgentClient({ socket: paths.socket }).request("GET", "/v1/health");
        assert.equal(health.status, 200);
        await agent.stop();
        assert.equal(existsSync(paths.lock), false, "lock released on stop");
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  );

  it("takes over a lock left by a dead agent", { timeout: 30_000 }, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-lock-"));
    try {
      const paths = agentPaths(home);
      ensureHome(paths);
      writeFileSync(paths.lock, "999999999\n"); // no such process
      const agent = await startAgent({ paths, executor: "local" });
      assert.equal(readFileSync(paths.lock, "utf8").split(/\s/)[0], String(process.pid));
      await agent.stop();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
