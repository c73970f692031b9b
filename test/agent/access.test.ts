import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentPaths, ensureHome, ensureToken, parseListen } from "../../src/agent/access.ts";
import { type RunningAgent, startAgent } from "../../src/agent/agent.ts";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { runCli } from "./fixtures/cli.ts";

const SLOW = { timeout: 60_000 };

function tempHome() {
  return mkdtempSync(join(tmpdir(), "psij-access-"));
}

describe("access rules", () => {
  it("parses --listen forms", () => {
    assert.deepEqual(parseListen("127.0.0.1:8765"), { hostname: "127.0.0.1", port: 8765 });
    assert.deepEqual(parseListen("[::1]:80"), { hostname: "::1", port: 80 });
    assert.deepEqual(parseListen(":9000"), { hostname: "127.0.0.1", port: 9000 });
    assert.throws(() => parseListen("localhost"), /not host:port/);
    assert.throws(() => parseListen("h:99999"), /not host:port/);
  });

  it("creates the token file 0600 and keeps an existing private token", () => {
    const home = tempHome();
    try {
      const path = join(home, "token");
      const t = ensureToken(path);
      assert.ok(t.length >= 40);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(ensureToken(path), t);
      writeFileSync(path, "x"); // too short to be a token: replaced
      assert.notEqual(ensureToken(path), "x");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("a token file others could read or write is replaced by a new token, saying why", () => {
    const home = tempHome();
    try {
      const path = join(home, "token");
      for (const loose of [0o644, 0o640, 0o604, 0o622]) {
        const old = ensureToken(path);
        chmodSync(path, loose);
        const warnings: string[] = [];
        const fresh = ensureToken(path, (line) => warnings.push(line));
        assert.notEqual(fresh, old, `a token that was mode 0${loose.toString(8)} is not reused`);
        assert.equal(readFileSync(path, "utf8").trim(), fresh);
        assert.equal(statSync(path).mode & 0o777, 0o600);
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], new RegExp(`mode 0${loose.toString(8)}.*other users.*replaced`));
        // Now private again: kept, silently.
        const quiet: string[] = [];
        assert.equal(ensureToken(path, (line) => quiet.push(line)), fresh);
        assert.deepEqual(quiet, []);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("a token path that is a symlink is refused", () => {
    const home = tempHome();
    try {
      const real = join(home, "elsewhere");
      writeFileSync(real, "a-token-someone-else-chose-1234567890\n", { mode: 0o600 });
      symlinkSync(real, join(home, "token"));
      assert.throws(() => ensureToken(join(home, "token")), /not a regular file/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("an agent started over a loose token file serves a new token and logs why", SLOW, async () => {
    const home = tempHome();
    const paths = agentPaths(home);
    ensureHome(paths);
    const old = ensureToken(paths.token);
    chmodSync(paths.token, 0o644);
    const lines: string[] = [];
    const agent = await startAgent({
      paths,
      executor: "local",
      listen: { hostname: "127.0.0.1", port: 0 },
      log: (line) => lines.push(line),
    });
    try {
      assert.notEqual(agent.token, old);
      const base = agent.listeners.find((l) => l.port !== undefined)!.url;
      const withOld = await fetch(base + "/v1/health", {
        headers: { authorization: `Bearer ${old}` },
      });
      assert.equal(withOld.status, 401);
      await withOld.body?.cancel();
      assert.ok(lines.some((l) => /mode 0644.*replaced/.test(l)), lines.join("\n"));
    } finally {
      await agent.stop();
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

  it("refuses a second agent on the same home", SLOW, async () => {
    const home = tempHome();
    const paths = agentPaths(home);
    const agent = await startAgent({ paths, executor: "local" });
    try {
      await assert.rejects(startAgent({ paths, executor: "local" }), /already running/);
    } finally {
      await agent.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
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
