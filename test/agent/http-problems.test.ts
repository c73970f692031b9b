/**
 * The API's answers say what is wrong and where: a wrong method is 405 with
 * `Allow`; each problem names the field as the client wrote it (`path.id`,
 * `query.executor`, `query.job`, `Idempotency-Key`, `$.executor`) and the job
 * concerned; `/v1/events?job=` takes an id or a native id and 404s an unknown
 * one. Against the PBS executor over the simulator.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { createApp } from "../../src/agent/http/app.ts";
import { advance, rig } from "../pbs/helpers.ts";

const JSON_TYPE = { "content-type": "application/json" };
const SPEC = { version: 1, executable: "/bin/sleep", name: "r60" };

function agent() {
  const { clock, executor, faults } = rig();
  const store = new JobStore(":memory:");
  const service = new JobService({
    store,
    executors: { pbs: executor },
    defaultExecutor: "pbs",
    clock,
  });
  const app = createApp(service);
  const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: "POST",
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { ...JSON_TYPE, ...headers },
    });
  const close = async () => {
    await service.close();
    store.close();
  };
  return { clock, faults, store, service, app, post, close };
}

// deno-lint-ignore no-explicit-any
async function problem(res: Response): Promise<any> {
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  return await res.json();
}

/** The `transition` frames of an event stream, until `want` have come. */
async function frames(res: Response, want: number) {
  const reader = res.body!.getReader();
  let text = "";
  // deno-lint-ignore no-explicit-any
  let out: any[] = [];
  while (out.length < want) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    out = [...text.matchAll(/event: transition\ndata: (.*)\n\n/g)].map((m) => JSON.parse(m[1]));
  }
  await reader.cancel();
  return out;
}

describe("HTTP API: answers that say what is wrong", () => {
  it("a wrong method on a known path is 405 with Allow; an unknown path stays 404", async () => {
    const { app, close } = agent();
    try {
      const cases: Array<[string, string, string]> = [
        ["DELETE", "/v1/jobs/j0abc", "GET, HEAD"],
        ["PUT", "/v1/jobs", "POST, GET, HEAD"],
        ["GET", "/v1/attach", "POST"],
        ["GET", "/v1/jobs/j0abc/cancel", "POST"],
        ["POST", "/v1/health", "GET, HEAD"],
        ["DELETE", "/v1/events", "GET, HEAD"],
      ];
      for (const [method, path, allow] of cases) {
        // Without a Content-Type: the method is the first thing wrong, not the type.
        const res = await app.request(path, { method });
        assert.equal(res.status, 405, `${method} ${path}`);
        assert.deepEqual(
          res.headers.get("allow")!.split(", ").sort(),
          allow.split(", ").sort(),
          `${method} ${path}`,
        );
        const p = await problem(res);
        assert.equal(p.field, "method");
        assert.match(p.detail, new RegExp(`${method} is not allowed`));
      }
      const unknown = await app.request("/v1/nothing", { method: "DELETE" });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.headers.get("allow"), null);
    } finally {
      await close();
    }
  });

  it("POST /v1/jobs answers QUEUED with the native id once qsub has answered", async () => {
    const { post, close } = agent();
    try {
      const res = await post("/v1/jobs", SPEC);
      assert.equal(res.status, 201);
      const job: any = await res.json();
      assert.equal(job.state, "QUEUED");
      assert.match(job.nativeId, /^\d+\./);
    } finally {
      await close();
    }
  });

  it("404, 409 and 502 problems name the field and the job", async () => {
    const { app, post, clock, faults, store, close } = agent();
    try {
      const missing = await app.request("/v1/jobs/nope");
      assert.equal(missing.status, 404);
      assert.equal((await problem(missing)).field, "path.id");
      const cancelMissing = await post("/v1/jobs/nope/cancel");
      assert.equal(cancelMissing.status, 404);
      const cm = await problem(cancelMissing);
      assert.equal(cm.field, "path.id");
      assert.match(cm.detail, /"nope"/);

      const badExecutor = await post("/v1/jobs?executor=slurmx", SPEC);
      assert.equal(badExecutor.status, 400);
      assert.equal((await problem(badExecutor)).field, "query.executor");
      const badAttach = await post("/v1/attach", { nativeId: "1.x", executor: "slurmx" });
      assert.equal(badAttach.status, 400);
      assert.equal((await problem(badAttach)).field, "$.executor");
      assert.equal(store.countJobs(), 0);

      const first = await post("/v1/jobs", SPEC, { "idempotency-key": "k1" });
      assert.equal(first.status, 201);
      const job: any = await first.json();
      const conflict = await post("/v1/jobs", { ...SPEC, name: "other" }, {
        "idempotency-key": "k1",
      });
      assert.equal(conflict.status, 409);
      const c = await problem(conflict);
      assert.equal(c.field, "Idempotency-Key");
      assert.match(c.detail, /k1/);

      await advance(clock, 3000);
      faults.inject({ kind: "connect", commands: ["qdel"], count: 1 });
      const refused = await post(`/v1/jobs/${job.nativeId}/cancel`);
      assert.equal(refused.status, 502);
      const r = await problem(refused);
      assert.equal(r.jobId, job.id, "the job the refused cancel was for");
      assert.match(r.detail, /Couldn't connect/);
    } finally {
      await close();
    }
  });

  it("GET /v1/events?job= takes the id or the native id; an unknown one is 404 naming query.job", async () => {
    const { app, post, close } = agent();
    try {
      const other: any = await (await post("/v1/jobs", { ...SPEC, name: "other" })).json();
      const job: any = await (await post("/v1/jobs", SPEC)).json();
      const unknown = await app.request("/v1/events?job=j0nothing");
      assert.equal(unknown.status, 404);
      const p = await problem(unknown);
      assert.equal(p.field, "query.job");
      assert.match(p.detail, /j0nothing/);
      for (const ref of [job.id, job.nativeId]) {
        const res = await app.request(`/v1/events?job=${encodeURIComponent(ref)}`);
        assert.equal(res.status, 200, ref);
        const got = await frames(res, 1);
        assert.equal(got[0].jobId, job.id, ref);
        assert.equal(got[0].state, "QUEUED");
        assert.ok(got.every((f) => f.jobId !== other.id), ref);
      }
    } finally {
      await close();
    }
  });
});
