import { describe, it } from "node:test";
import fc from "fast-check";
import assert from "node:assert/strict";
import { createApp } from "../../src/agent/http/app.ts";
import { openApiDocument } from "../../src/agent/http/openapi.ts";
import { JobState } from "../../src/core/job-state.ts";
import { manualAgent, SPEC } from "./fixtures/agent.ts";

function setup(options: { token?: string; maxBodyBytes?: number } = {}) {
  const agent = manualAgent();
  const app = createApp(agent.service, options);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
      headers: { "content-type": "application/json", ...headers },
    });
  return { ...agent, app, post };
}

/** A POST without a body (a cancel); it still says its type, as the agent requires. */
const bare = { method: "POST", headers: { "content-type": "application/json" } };

async function json(res: Response | Promise<Response>): Promise<any> {
  return await (await res).json();
}

async function problemOf(res: Response) {
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  return await json(res);
}

describe("HTTP API", () => {
  it("POST /v1/jobs submits and GET /v1/jobs/{id} shows spec, native id, status, history", async () => {
    const { app, post } = setup();
    const res = await post("/v1/jobs", SPEC);
    assert.equal(res.status, 201);
    const job = await json(res);
    assert.equal(res.headers.get("location"), `/v1/jobs/${job.id}`);
    const got = await json(app.request(`/v1/jobs/${job.id}`));
    assert.equal(got.nativeId, "1.manual");
    assert.equal(got.state, "QUEUED");
    assert.deepEqual(got.spec.arguments, ["hello"]);
    assert.equal(got.history[0].state, "QUEUED");
    assert.equal(got.history[0].evidence, "submit");
    assert.ok(Date.parse(got.history[0].time) > 0);
  });

  it("POST /v1/jobs with the same Idempotency-Key returns the first job (200, replayed)", async () => {
    const { post, scheduler } = setup();
    const a = await post("/v1/jobs", SPEC, { "idempotency-key": "abc" });
    const b = await post("/v1/jobs", SPEC, { "idempotency-key": "abc" });
    assert.equal(a.status, 201);
    assert.equal(b.status, 200);
    assert.equal(b.headers.get("idempotent-replayed"), "true");
    assert.equal((await json(a)).id, (await json(b)).id);
    assert.equal(scheduler.jobs.size, 1);
    const c = await post("/v1/jobs", { ...SPEC, name: "x" }, { "idempotency-key": "abc" });
    assert.equal(c.status, 409);
  });

  it("POST /v1/jobs rejects unknown fields, bad JSON, bad keys and big bodies, naming the field", async () => {
    const { post } = setup({ maxBodyBytes: 2000 });
    const unknown = await post("/v1/jobs", { ...SPEC, bogus: 1 });
    assert.equal(unknown.status, 422);
    assert.equal((await problemOf(unknown)).field, "$.bogus");
    const badType = await post("/v1/jobs", { ...SPEC, arguments: "x" });
    assert.equal((await problemOf(badType)).field, "$.arguments");
    const notJson = await post("/v1/jobs", "{nope");
    assert.equal(notJson.status, 400);
    assert.equal((await problemOf(notJson)).field, "body");
    const key = await post("/v1/jobs", SPEC, { "idempotency-key": "has space" });
    assert.equal((await problemOf(key)).field, "Idempotency-Key");
    const big = await post("/v1/jobs", { ...SPEC, name: "x".repeat(5000) });
    assert.equal(big.status, 413);
    const query = await post("/v1/jobs?colour=red", SPEC);
    assert.equal((await problemOf(query)).field, "query.colour");
    const exec = await post("/v1/jobs?executor=nope", SPEC);
    assert.equal((await problemOf(exec)).field, "query.executor");
  });

  it("POST /v1/jobs answers 502 with the job id when the scheduler refuses", async () => {
    const { post, scheduler, app } = setup();
    scheduler.refuseNext = "qsub: Unauthorized Request";
    const res = await post("/v1/jobs", SPEC);
    assert.equal(res.status, 502);
    const p = await problemOf(res);
    assert.match(p.detail, /Unauthorized Request/);
    const job = await json(app.request(`/v1/jobs/${p.jobId}`));
    assert.equal(job.state, "FAILED");
  });

  it("GET /v1/jobs/{id} and cancel also take the scheduler's native id", async () => {
    const { app, post } = setup();
    const job = await json(post("/v1/jobs", SPEC));
    const byNative = await json(app.request(`/v1/jobs/${job.nativeId}`));
    assert.equal(byNative.id, job.id);
    const canceled = await app.request(`/v1/jobs/${job.nativeId}/cancel`, bare);
    assert.equal((await json(canceled)).state, "CANCELED");
    assert.equal((await json(app.request(`/v1/jobs/${job.id}`))).state, "CANCELED");
  });

  it("GET /v1/jobs/{id} of an unknown id is a 404 problem", async () => {
    const { app } = setup();
    const res = await app.request("/v1/jobs/nope");
    assert.equal(res.status, 404);
    assert.match((await problemOf(res)).detail, /nope/);
  });

  it("GET /v1/jobs filters by state and pages with a cursor", async () => {
    const { app, post, executor } = setup();
    for (let i = 0; i < 5; i++) await post("/v1/jobs", SPEC);
    executor.move("2.manual", JobState.ACTIVE);
    const active = await json(app.request("/v1/jobs?state=active"));
    assert.deepEqual(active.jobs.map((j: any) => j.nativeId), ["2.manual"]);
    const p1 = await json(app.request("/v1/jobs?limit=3"));
    assert.equal(p1.jobs.length, 3);
    const p2 = await json(app.request(`/v1/jobs?limit=3&cursor=${p1.nextCursor}`));
    assert.equal(p2.jobs.length, 2);
    assert.equal(p2.nextCursor, undefined);
    assert.equal((await app.request("/v1/jobs?state=RUNNING")).status, 400);
    assert.equal((await app.request("/v1/jobs?cursor=zz")).status, 400);
    assert.equal((await app.request("/v1/jobs?limit=0")).status, 400);
  });

  it("POST /v1/jobs/{id}/cancel cancels; unknown ids are 404", async () => {
    const { app, post } = setup();
    const job = await json(post("/v1/jobs", SPEC));
    const res = await app.request(`/v1/jobs/${job.id}/cancel`, bare);
    assert.equal(res.status, 200);
    const after = await json(res);
    assert.equal(after.state, "CANCELED");
    assert.equal(after.history.at(-1).evidence, "user-cancel");
    assert.equal((await app.request("/v1/jobs/nope/cancel", bare)).status, 404);
  });

  it("POST /v1/attach tracks an existing native id; bad bodies name the field", async () => {
    const { post, scheduler } = setup();
    scheduler.jobs.set("5.manual", { nativeId: "5.manual", stamp: "s", state: JobState.ACTIVE });
    const res = await post("/v1/attach", { nativeId: "5.manual" });
    assert.equal(res.status, 201);
    assert.equal((await json(res)).state, "ACTIVE");
    assert.equal((await post("/v1/attach", { nativeId: "5.manual" })).status, 200);
    assert.equal((await problemOf(await post("/v1/attach", { native: "5" }))).field, "$.native");
    assert.equal((await problemOf(await post("/v1/attach", {}))).field, "$.nativeId");
  });

  it("GET /v1/health and GET /v1/executors describe the executors", async () => {
    const { app } = setup();
    const health = await json(app.request("/v1/health"));
    assert.equal(health.status, "ok");
    assert.equal(health.executors.manual.status, "ok");
    const ex = await json(app.request("/v1/executors"));
    assert.deepEqual(ex.executors, [{ name: "manual", version: "1.0.0", default: true }]);
  });

  it("GET /v1/events streams transitions and resumes after Last-Event-ID", async () => {
    const { app, post, executor } = setup();
    const job = await json(post("/v1/jobs", SPEC));
    executor.move(job.nativeId, JobState.ACTIVE);
    const frames = async (headers: Record<string, string>, want: number, query = "") => {
      const res = await app.request(`/v1/events${query}`, { headers });
      assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
      const reader = res.body!.getReader();
      let text = "";
      const out: Array<{ id: number; data: any }> = [];
      while (out.length < want) {
        const { value } = await reader.read();
        text += new TextDecoder().decode(value);
        out.length = 0;
        for (const m of text.matchAll(/id: (\d+)\nevent: transition\ndata: (.*)\n\n/g)) {
          out.push({ id: Number(m[1]), data: JSON.parse(m[2]) });
        }
      }
      await reader.cancel();
      return out;
    };
    const all = await frames({}, 3);
    assert.deepEqual(all.map((f) => f.data.state), ["QUEUED", "STAGE_IN", "ACTIVE"]);
    const rest = await frames({ "last-event-id": String(all[0].id) }, 2);
    assert.deepEqual(rest.map((f) => f.id), [all[1].id, all[2].id]);
    const one = await frames({}, 1, `?job=${job.id}&after=${all[1].id}`);
    assert.equal(one[0].data.state, "ACTIVE");
    assert.equal((await app.request("/v1/events?after=-1")).status, 400);
  });

  it("requires the bearer token on every route when one is set", async () => {
    const { app } = setup({ token: "s3cret" });
    for (const path of ["/v1/health", "/v1/jobs", "/v1/openapi.json", "/v1/nothing"]) {
      const none = await app.request(path);
      assert.equal(none.status, 401, path);
      assert.equal((await problemOf(none)).field, "Authorization");
      const wrong = await app.request(path, { headers: { authorization: "Bearer s3cres" } });
      assert.equal(wrong.status, 401, path);
    }
    const ok = await app.request("/v1/health", { headers: { authorization: "Bearer s3cret" } });
    assert.equal(ok.status, 200);
  });

  it("POST /v1/prune forgets final jobs past the age; bad bodies name the field", async () => {
    const { app, post, executor } = setup();
    const done = await json(post("/v1/jobs", SPEC));
    const live = await json(post("/v1/jobs", SPEC));
    executor.move(done.nativeId, JobState.COMPLETED, 0);
    assert.equal((await json(app.request(`/v1/jobs/${done.id}`))).state, "COMPLETED");
    const r = await json(post("/v1/prune", { olderThanSeconds: 0 }));
    assert.deepEqual(r, { pruned: 1 });
    assert.equal((await app.request(`/v1/jobs/${done.id}`)).status, 404, "not served from cache");
    assert.equal((await app.request(`/v1/jobs/${live.id}`)).status, 200);
    const bad = await post("/v1/prune", { olderThan: 3 });
    assert.equal((await problemOf(bad)).field, "$.olderThan");
    const neg = await post("/v1/prune", { olderThanSeconds: -1 });
    assert.equal((await problemOf(neg)).field, "$.olderThanSeconds");
  });

  it("unknown routes are 404 problems", async () => {
    const { app } = setup();
    const res = await app.request("/v2/jobs");
    assert.equal(res.status, 404);
    await problemOf(res);
  });

  it("GET /v1/openapi.json lists exactly the app's routes", async () => {
    const { app } = setup();
    const doc = await json(app.request("/v1/openapi.json"));
    assert.deepEqual(doc, JSON.parse(JSON.stringify(openApiDocument())));
    const fromDoc = Object.entries(doc.paths as Record<string, object>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const fromApp = app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`)
      .sort();
    assert.deepEqual(fromDoc, [...new Set(fromApp)]);
  });
});

describe("HTTP API against arbitrary input", () => {
  it("answers any JSON body with 201 or a 4xx problem, and stores a job only on 201", async () => {
    const { app, store } = setup();
    const runs = Number(process.env.PROPERTY_RUNS ?? 150);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({
            version: fc.constantFrom(1, 2, "1"),
            executable: fc.oneof(fc.string(), fc.constant("/bin/true")),
            arguments: fc.oneof(fc.array(fc.string()), fc.string()),
            resources: fc.dictionary(
              fc.constantFrom("nodeCount", "processCount", "memory", "bogus"),
              fc.jsonValue(),
            ),
          }, { requiredKeys: [] }),
        ),
        async (doc) => {
          const before = store.countJobs();
          const res = await app.request("/v1/jobs", {
            method: "POST",
            body: JSON.stringify(doc),
            headers: { "content-type": "application/json" },
          });
          if (res.status === 201) {
            assert.equal(store.countJobs(), before + 1);
          } else {
            assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
            const p = await json(res);
            assert.equal(typeof p.detail, "string");
            assert.equal(store.countJobs(), before, "nothing stored for a refused body");
          }
        },
      ),
      { numRuns: runs, seed: 42 },
    );
  });
});
