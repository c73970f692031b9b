/**
 * The dashboard's access rules over plain HTTP (no browser needed, so these
 * run everywhere): the login URL from `POST /v1/ui/login` on the unix
 * socket, the one-time token, the cookie, Host and Origin checks, the CSP,
 * and sessions across a restart.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { request } from "node:http";
import { join } from "node:path";
import { agentPaths } from "../../src/agent/access.ts";
import { startAgent } from "../../src/agent/agent.ts";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { runCli } from "../agent/fixtures/cli.ts";

async function withAgent(fn: (home: string) => Promise<void>): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), "psij-ui-access-"));
  try {
    await fn(home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const get = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers, redirect: "manual" });

/** A GET with a Host header of our choosing (fetch may not send one). */
function statusWithHost(port: number, host: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/", headers: { host, cookie } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function signIn(url: string): Promise<string> {
  const res = await get(url);
  assert.equal(res.status, 303);
  const cookie = res.headers.get("set-cookie") ?? "";
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Strict/i);
  return cookie.split(";")[0];
}

describe("dashboard access", () => {
  it("a login URL from the unix socket signs in once; nothing is served without the cookie", {
    timeout: 60_000,
  }, async () => {
    await withAgent(async (home) => {
      const paths = agentPaths(home);
      const agent = await startAgent({ paths, executor: "local" });
      try {
        const client = new AgentClient({ socket: paths.socket });
        const login = (await client.request("POST", "/v1/ui/login", {})).body;
        assert.match(login.url, /^http:\/\/127\.0\.0\.1:\d+\/login\?token=[\w-]{20,}$/);
        assert.match(
          login.ssh,
          new RegExp(`^ssh -N -L ${login.port}:127\\.0\\.0\\.1:${login.port} `),
        );
        const base = `http://127.0.0.1:${login.port}`;
        for (const path of ["/", "/health", "/v1/jobs", "/v1/events"]) {
          const res = await get(base + path);
          assert.equal(res.status, 401, path);
          assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
          await res.body?.cancel();
        }
        const cookie = await signIn(login.url);
        const page = await get(base + "/", { cookie });
        assert.equal(page.status, 200);
        const html = await page.text();
        assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)/, "no inline script");
        assert.doesNotMatch(html, /\sstyle=/, "no inline style");
        assert.equal((await get(login.url)).status, 403, "the token works once");
        assert.equal((await get(base + "/", { cookie: "psij_session=1.2.3" })).status, 401);
      } finally {
        await agent.stop();
      }
    });
  });

  it("refuses a foreign Host, a foreign Origin and a non-JSON change, even signed in", {
    timeout: 60_000,
  }, async () => {
    await withAgent(async (home) => {
      const agent = await startAgent({ paths: agentPaths(home), executor: "local", ui: {} });
      try {
        const ui = await agent.openUi();
        const cookie = await signIn(ui.login().url);
        const base = `http://127.0.0.1:${ui.port}`;
        assert.equal(await statusWithHost(ui.port, `127.0.0.1:${ui.port}`, cookie), 200);
        assert.equal(await statusWithHost(ui.port, `attacker.example:${ui.port}`, cookie), 421);
        const doc = JSON.stringify({ version: 1, executable: "/bin/true" });
        const post = (headers: Record<string, string>) =>
          fetch(base + "/v1/jobs", { method: "POST", body: doc, headers: { cookie, ...headers } });
        const foreign = await post({
          "content-type": "application/json",
          origin: "http://attacker.example",
        });
        assert.equal(foreign.status, 403);
        const form = await post({ "content-type": "text/plain", origin: base });
        assert.equal(form.status, 415);
        assert.equal(agent.store.countJobs(), 0, "no job was made");
        const ok = await post({ "content-type": "application/json", origin: base });
        assert.equal(ok.status, 201, await ok.clone().text());
      } finally {
        await agent.stop();
      }
    });
  });

  it("a session outlives an agent restart on the same port; removing ui-key ends it", {
    timeout: 60_000,
  }, async () => {
    await withAgent(async (home) => {
      const paths = agentPaths(home);
      let agent = await startAgent({ paths, executor: "local", ui: {} });
      const first = await agent.openUi();
      const cookie = await signIn(first.login().url);
      await agent.stop();
      agent = await startAgent({ paths, executor: "local", ui: {} });
      try {
        const again = await agent.openUi();
        assert.equal(again.port, first.port, "the remembered port");
        const res = await get(`http://127.0.0.1:${again.port}/`, { cookie });
        assert.equal(res.status, 200);
        await res.body?.cancel();
      } finally {
        await agent.stop();
      }
      rmSync(join(home, "ui-key"));
      agent = await startAgent({ paths, executor: "local", ui: {} });
      try {
        const res = await get(`http://127.0.0.1:${(await agent.openUi()).port}/`, { cookie });
        assert.equal(res.status, 401, "a new key ends the old sessions");
        await res.body?.cancel();
      } finally {
        await agent.stop();
      }
    });
  });

  it("a job whose stored spec is damaged still has its row and its page, saying what is wrong", {
    timeout: 60_000,
  }, async () => {
    await withAgent(async (home) => {
      const agent = await startAgent({ paths: agentPaths(home), executor: "local", ui: {} });
      try {
        const { job } = await agent.service.submit({ version: 1, executable: "/bin/true" });
        agent.store.db.prepare("UPDATE jobs SET spec = '{broken' WHERE id = ?").run(job.id);
        agent.store.onJobChange?.(job.id);
        const ui = await agent.openUi();
        const cookie = await signIn(ui.login().url);
        const table = await get(`http://127.0.0.1:${ui.port}/`, { cookie });
        assert.equal(table.status, 200);
        assert.match(await table.text(), new RegExp(`data-id="${job.id}"`));
        const page = await get(`http://127.0.0.1:${ui.port}/jobs/${job.id}`, { cookie });
        assert.equal(page.status, 200);
        assert.match(await page.text(), /spec: the stored spec is/);
      } finally {
        await agent.stop();
      }
    });
  });

  it("psij-agent ui prints the login URL and the ssh line", { timeout: 60_000 }, async () => {
    await withAgent(async (home) => {
      const agent = await startAgent({ paths: agentPaths(home), executor: "local" });
      try {
        const r = await runCli(["ui", "--home", home, "--no-start"]);
        assert.equal(r.code, 0, r.stderr);
        const url = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/login\?token=\S+)/.exec(r.stdout)?.[1];
        assert.ok(url, r.stdout);
        assert.match(r.stdout, /from a laptop: ssh -N -L (\d+):127\.0\.0\.1:\1 /);
        await signIn(url);
      } finally {
        await agent.stop();
      }
    });
  });
});
