/**
 * `list` filters (name glob, executor, submission time range) and ids given
 * by a unique start of the job id (or PBS's short native id) for status,
 * cancel and the event stream, over the PBS simulator on a virtual clock.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listTime } from "../../src/agent/cli/job-cmds.ts";
import { createApp } from "../../src/agent/http/app.ts";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { VirtualClock } from "../../src/core/clock.ts";
import { PbsExecutor } from "../../src/executors/pbs.ts";
import { Faults } from "../../simulator/faults.ts";
import { createSimRunner } from "../../simulator/runner.ts";
import { SimServer } from "../../simulator/server/server.ts";

function agent() {
  const dir = mkdtempSync(join(tmpdir(), "psij-list-filters-"));
  const clock = new VirtualClock(Date.parse("2026-12-04T00:00:00Z"));
  const server = new SimServer({ clock, mode: "model" });
  const runner = createSimRunner(server, new Faults());
  const ex = (name: string) => new PbsExecutor({ workDir: join(dir, name), runner, clock });
  const service = new JobService({
    store: new JobStore(":memory:"),
    executors: { sim: ex("a"), other: ex("b") },
    defaultExecutor: "sim",
    clock,
  });
  return { clock, service, app: createApp(service) };
}

const SPEC = { version: 1, executable: "/bin/sleep", arguments: ["100"] };

describe("list filters and id prefixes (PBS simulator)", () => {
  it("list filters by name glob, executor and submission time; a bad time names the parameter", async () => {
    const { clock, app, service } = agent();
    const post = async (doc: unknown, executor = "sim") =>
      await (await app.request(`/v1/jobs?executor=${executor}`, {
        method: "POST",
        body: JSON.stringify(doc),
        headers: { "content-type": "application/json" },
      })).json() as any;
    const a = await post({ ...SPEC, name: "sim-a" });
    await clock.advance(3_600_000);
    const b = await post({ ...SPEC, name: "sim-b" }, "other");
    await clock.advance(3_600_000);
    const c = await post({ ...SPEC, executable: "/usr/bin/hostname" });
    const ids = async (q: string) =>
      ((await (await app.request(`/v1/jobs?${q}`)).json()) as any).jobs.map((j: any) => j.id);
    assert.deepEqual(await ids("name=sim-*"), [a.id, b.id]);
    assert.deepEqual(await ids("name=hostname"), [c.id], "no name: the executable's base name");
    assert.deepEqual(await ids("executor=other"), [b.id]);
    assert.deepEqual(await ids("since=2026-12-04T00:30:00Z"), [b.id, c.id]);
    assert.deepEqual(await ids("until=2026-12-04T01:30:00Z"), [a.id, b.id]);
    assert.deepEqual(
      await ids("since=2026-12-04T00:30:00Z&until=2026-12-04T01:30:00Z&name=sim*"),
      [b.id],
    );
    const bad = await app.request("/v1/jobs?since=yesterday");
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /query\.since must be an ISO 8601 time/);
    await service.close();
  });

  it("status and cancel take a unique start of the id or PBS's short id; an ambiguous one is a 409", async () => {
    const { app, service } = agent();
    const jobs: any[] = [];
    for (let i = 0; i < 40; i++) {
      jobs.push(
        await (await app.request("/v1/jobs", {
          method: "POST",
          body: JSON.stringify(SPEC),
          headers: { "content-type": "application/json" },
        })).json(),
      );
    }
    const all = jobs.map((j) => j.id as string);
    const unique = (id: string) => {
      for (let n = 2; n <= id.length; n++) {
        const p = id.slice(0, n);
        if (all.filter((x) => x.startsWith(p)).length === 1) return p;
      }
      return id;
    };
    const target = jobs[7];
    const prefix = unique(target.id);
    assert.ok(prefix.length < target.id.length);
    const got = await (await app.request(`/v1/jobs/${prefix}`)).json() as any;
    assert.equal(got.id, target.id);
    const seq = (target.nativeId as string).split(".")[0];
    assert.equal(((await (await app.request(`/v1/jobs/${seq}`)).json()) as any).id, target.id);
    // Every id starts with "j".
    const shared = await app.request("/v1/jobs/j");
    assert.equal(shared.status, 409);
    assert.match(((await shared.json()) as any).detail, /"j" is the start of more than one job id/);
    const canceled = await app.request(`/v1/jobs/${prefix}/cancel`, {
      method: "POST",
      headers: { "content-type": "application/json" },
    });
    assert.equal(canceled.status, 200);
    assert.equal(((await canceled.json()) as any).id, target.id);
    assert.equal((await app.request("/v1/jobs/jzzzzzzzzzzzzzz")).status, 404);
    await service.close();
  });

  it("list --since/--until take ISO 8601 or a time ago", () => {
    const now = Date.parse("2026-12-04T05:00:00Z");
    assert.equal(listTime("2h", "since", now), "2026-12-04T03:00:00.000Z");
    assert.equal(listTime("30m", "since", now), "2026-12-04T04:30:00.000Z");
    assert.equal(listTime("2026-12-01", "until", now), "2026-12-01T00:00:00.000Z");
    assert.throws(() => listTime("yesterday", "since", now), /--since wants an ISO 8601 time/);
  });
});
