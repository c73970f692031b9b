/**
 * A web page can never drive the agent: cross-site "simple" requests (no
 * preflight: text/plain or form bodies, foreign Origin, Sec-Fetch-Site
 * cross-site) are refused before they change anything, on every listener.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentPaths } from "../../src/agent/access.ts";
import { startAgent } from "../../src/agent/agent.ts";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { createApp } from "../../src/agent/http/app.ts";
import { manualAgent, SPEC } from "./fixtures/agent.ts";

const BODY = JSON.stringify(SPEC);
const JSON_TYPE = { "content-type": "application/json" };

describe("browser requests", () => {
  it("a POST without Content-Type: application/json is 415 and stores nothing", async () => {
    const { service, store } = manualAgent();
    const app = createApp(service);
    for (
      const headers of [
        {},
        { "content-type": "text/plain" },
        { "content-type": "application/x-www-form-urlencoded" },
        { "content-type": "multipart/form-data; boundary=x" },
        { "content-type": "application/jsonx" },
      ] as Record<string, string>[]
    ) {
      const res = await app.request("/v1/jobs", { method: "POST", body: BODY, headers });
      assert.equal(res.status, 415, JSON.stringify(headers));
      const p: any = await res.json();
      assert.equal(p.field, "Content-Type");
      assert.match(p.detail, /application\/json/);
    }
    assert.equal(store.countJobs(), 0);
    // A cancel has no body, but changes something: the same rule.
    const job: any = await (await app.request("/v1/jobs", {
      method: "POST",
      body: BODY,
      headers: { "content-type": "application/json; charset=utf-8" },
    })).json();
    const bare = await app.request(`/v1/jobs/${job.id}/cancel`, { method: "POST" });
    assert.equal(bare.status, 415);
    assert.equal(store.getJob(job.id)!.state, "QUEUED");
    const ok = await app.request(`/v1/jobs/${job.id}/cancel`, {
      method: "POST",
      headers: JSON_TYPE,
    });
    assert.equal(ok.status, 200);
  });

  it("a foreign Origin or Sec-Fetch-Site other than same-origin/none is 403 on every route", async () => {
    const { service, store } = manualAgent();
    const app = createApp(service);
    const foreign: Record<string, string>[] = [
      { origin: "http://evil.example" },
      { origin: "null" },
      { origin: "http://127.0.0.1:8765" }, // not trusted unless the agent says so
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" }, // another port of localhost is the same site
    ];
    for (const h of foreign) {
      const post = await app.request("/v1/jobs", {
        method: "POST",
        body: BODY,
        headers: { ...JSON_TYPE, ...h },
      });
      assert.equal(post.status, 403, JSON.stringify(h));
      const p: any = await post.json();
      assert.equal(p.field, h.origin !== undefined ? "Origin" : "Sec-Fetch-Site");
      const get = await app.request("/v1/jobs", { headers: h });
      assert.equal(get.status, 403, JSON.stringify(h));
    }
    assert.equal(store.countJobs(), 0);
    for (const site of ["same-origin", "none"]) {
      const res = await app.request("/v1/jobs", {
        method: "POST",
        body: BODY,
        headers: { ...JSON_TYPE, "sec-fetch-site": site },
      });
      assert.equal(res.status, 201, site);
    }
  });

  it("an origin the agent trusts (its own, for a later dashboard) passes; a rebound name does not", async () => {
    const { service } = manualAgent();
    const app = createApp(service, { trustedOrigins: ["http://127.0.0.1:8765"] });
    const own = await app.request("/v1/jobs", {
      method: "POST",
      body: BODY,
      headers: { ...JSON_TYPE, origin: "http://127.0.0.1:8765", "sec-fetch-site": "same-origin" },
    });
    assert.equal(own.status, 201);
    // DNS rebinding: the browser thinks it is same-origin, but the Origin names the attacker.
    const rebound = await app.request("/v1/jobs", {
      method: "POST",
      body: BODY,
      headers: {
        ...JSON_TYPE,
        origin: "http://evil.example:8765",
        "sec-fetch-site": "same-origin",
      },
    });
    assert.equal(rebound.status, 403);
  });

  it("a running agent refuses them on TCP (even with the token) and on the socket", {
    timeout: 60_000,
  }, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-browser-"));
    const paths = agentPaths(home);
    const agent = await startAgent({
      paths,
      executor: "local",
      listen: { hostname: "127.0.0.1", port: 0 },
    });
    try {
      const base = agent.listeners.find((l) => l.port !== undefined)!.url;
      const auth = { authorization: `Bearer ${agent.token}` };
      const plain = await fetch(`${base}/v1/jobs`, {
        method: "POST",
        body: BODY,
        headers: { ...auth, "content-type": "text/plain" },
      });
      assert.equal(plain.status, 415);
      await plain.body?.cancel();
      const evil = await fetch(`${base}/v1/jobs`, {
        method: "POST",
        body: BODY,
        headers: { ...auth, ...JSON_TYPE, origin: "http://evil.example" },
      });
      assert.equal(evil.status, 403);
      await evil.body?.cancel();
      const socket = new AgentClient({ socket: paths.socket });
      const viaSocket = await socket.request("POST", "/v1/jobs", SPEC, {
        origin: "http://evil.example",
      });
      assert.equal(viaSocket.status, 403);
      const list = await socket.request("GET", "/v1/jobs");
      assert.deepEqual(list.body.jobs, [], "nothing was submitted");
      // The CLI's client sends the type on a bodyless POST too: its cancel works.
      const job = await socket.request("POST", "/v1/jobs", {
        version: 1,
        executable: "/bin/sleep",
        arguments: ["60"],
      });
      assert.equal(job.status, 201);
      const canceled = await socket.request("POST", `/v1/jobs/${job.body.id}/cancel`);
      assert.equal(canceled.status, 200, JSON.stringify(canceled.body));
    } finally {
      await agent.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
