/// <reference path="../../src/agent/store/node-sqlite.d.ts" />
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobStore } from "../../src/agent/store/store.ts";
import { DatabaseSync } from "node:sqlite";
import { migrate, SCHEMA_VERSION, schemaVersion } from "../../src/agent/store/schema.ts";
import { jobJson, transitionView } from "../../src/agent/view.ts";
import { JobState } from "../../src/core/job-state.ts";

function newJob(store: JobStore, id: string, extra: { key?: string; hash?: string } = {}) {
  return store.createJob({
    id,
    executor: "local",
    specJson: JSON.stringify({ executable: "/bin/true" }),
    createdAt: 1000,
    stamp: id,
    idempotencyKey: extra.key,
    requestHash: extra.hash,
  });
}

describe("JobStore", () => {
  it("records a job with its intent, then its native id closes the intent", () => {
    const store = new JobStore(":memory:");
    const rec = newJob(store, "j1");
    assert.equal(rec.state, JobState.NEW);
    assert.deepEqual(store.openIntents().map((i) => i.jobId), ["j1"]);
    store.recordNativeId("j1", "12.server", 2000);
    assert.equal(store.getJob("j1")?.nativeId, "12.server");
    assert.deepEqual(store.openIntents(), []);
    assert.equal(store.getIntent("j1")?.outcome, "submitted");
    assert.equal(store.findByNativeId("local", "12.server")?.id, "j1");
    store.close();
  });

  it("stores each transition once, in order, filling skipped states and ignoring repeats", () => {
    const store = new JobStore(":memory:");
    newJob(store, "j1");
    const at = (state: JobState, time: number, extra = {}) =>
      store.recordTransition("j1", { state, time, ...extra });
    assert.equal(at(JobState.QUEUED, 1).length, 1);
    assert.equal(at(JobState.QUEUED, 2).length, 0, "a repeated state is ignored");
    const jump = at(JobState.COMPLETED, 3, { exitCode: 0, metadata: { evidence: "history" } });
    assert.deepEqual(jump.map((t) => t.state), [
      "STAGE_IN",
      "ACTIVE",
      "STAGE_OUT",
      "CLEANUP",
      "COMPLETED",
    ]);
    assert.equal(jump[0].evidence, "synthesized");
    assert.equal(jump[4].evidence, "history");
    assert.equal(at(JobState.FAILED, 4).length, 0, "final is final");
    const hist = store.transitions("j1");
    assert.deepEqual(hist.map((t) => t.seq), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(hist.map((t) => t.state).slice(-1), ["COMPLETED"]);
    const ids = hist.map((t) => t.eventId);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    const job = store.getJob("j1")!;
    assert.equal(job.state, "COMPLETED");
    assert.equal(job.exitCode, 0);
    assert.equal(job.seq, 6);
    store.close();
  });

  it("refuses a second transition with the same (job, seq)", () => {
    const store = new JobStore(":memory:");
    newJob(store, "j1");
    store.recordTransition("j1", { state: JobState.QUEUED, time: 1 });
    assert.throws(() =>
      store.db.prepare("INSERT INTO transitions (job_id, seq, state, time) VALUES (?, ?, ?, ?)")
        .run("j1", 1, "ACTIVE", 2)
    );
    store.close();
  });

  it("pages through jobs with a cursor and filters by state", () => {
    const store = new JobStore(":memory:");
    for (let i = 0; i < 25; i++) {
      newJob(store, `j${i}`);
      if (i % 2 === 0) store.recordTransition(`j${i}`, { state: JobState.QUEUED, time: i });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = store.listJobs({ limit: 10, cursor });
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen).size, 25);
    const queued = store.listJobs({ states: [JobState.QUEUED], limit: 100 });
    assert.equal(queued.jobs.length, 13);
    assert.ok(queued.jobs.every((j) => j.state === "QUEUED"));
    assert.equal(queued.nextCursor, undefined);
    assert.throws(() => store.listJobs({ cursor: "garbage!" }), RangeError);
    store.close();
  });

  it("hands out events after a given id, across jobs, in order", () => {
    const store = new JobStore(":memory:");
    newJob(store, "a");
    newJob(store, "b");
    store.recordTransition("a", { state: JobState.QUEUED, time: 1 });
    store.recordTransition("b", { state: JobState.ACTIVE, time: 2 });
    const all = store.eventsAfter(0);
    assert.deepEqual(all.map((e) => [e.jobId, e.state]), [
      ["a", "QUEUED"],
      ["b", "QUEUED"],
      ["b", "STAGE_IN"],
      ["b", "ACTIVE"],
    ]);
    assert.deepEqual(store.eventsAfter(all[0].eventId).map((e) => e.jobId), ["b", "b", "b"]);
    assert.equal(store.lastEventId(), all[3].eventId);
    store.close();
  });

  it("keeps idempotency keys with their request hash", () => {
    const store = new JobStore(":memory:");
    newJob(store, "j1", { key: "k1", hash: "h1" });
    assert.deepEqual(store.findIdempotencyKey("k1"), { jobId: "j1", requestHash: "h1" });
    assert.equal(store.findIdempotencyKey("k2"), undefined);
    assert.throws(() => newJob(store, "j2", { key: "k1", hash: "h2" }));
    assert.equal(store.getJob("j2"), undefined, "a failed create leaves nothing behind");
    store.close();
  });

  it("migrates a version-1 database forward, keeping its rows and rendering their history", () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-store-"));
    try {
      const path = join(dir, "agent.db");
      const old = new DatabaseSync(path);
      migrate(old, 1);
      assert.equal(schemaVersion(old), 1);
      old.exec(
        `INSERT INTO jobs (id, executor, spec, state, seq, created_at, updated_at)
           VALUES ('j1', 'local', '{"version":1,"executable":"/bin/true"}', 'QUEUED', 1, 5, 5);
         INSERT INTO transitions (job_id, seq, state, time, evidence) VALUES ('j1', 1, 'QUEUED', 5, 'submit');`,
      );
      old.close();
      const store = new JobStore(path);
      assert.equal(schemaVersion(store.db), SCHEMA_VERSION);
      const job = store.getJob("j1")!;
      assert.equal(job.state, "QUEUED");
      assert.equal(job.historyJson, undefined, "not rendered before the upgrade");
      const view = JSON.parse(jobJson(job, () => store.transitions("j1")));
      assert.deepEqual(view.history.map((t: any) => t.state), ["QUEUED"]);
      store.recordTransition("j1", { state: JobState.ACTIVE, time: 6 });
      const rendered = JSON.parse(store.getJob("j1")!.historyJson!);
      assert.deepEqual(rendered.map((t: any) => t.state), ["QUEUED", "STAGE_IN", "ACTIVE"]);
      const mode = store.db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
      assert.equal(mode.journal_mode, "wal");
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps the rendered history equal to the transitions table", () => {
    const store = new JobStore(":memory:");
    newJob(store, "j1");
    store.recordTransition("j1", {
      state: JobState.QUEUED,
      time: 1,
      metadata: { evidence: "submit", stamp: "s" },
    });
    store.recordTransition("j1", { state: JobState.FAILED, time: 2, exitCode: 3, message: "boom" });
    const rendered = JSON.parse(store.getJob("j1")!.historyJson!);
    assert.deepEqual(
      rendered,
      JSON.parse(JSON.stringify(store.transitions("j1").map(transitionView))),
    );
    store.close();
  });

  it("adds the scheduler's later facts to a final job's last transition, and only to a final job", () => {
    const store = new JobStore(":memory:");
    newJob(store, "j1");
    store.recordTransition("j1", { state: JobState.ACTIVE, time: 1 });
    assert.equal(store.amendFinal("j1", { exitStatus: 0 }), false, "a running job is not amended");
    store.recordTransition("j1", {
      state: JobState.COMPLETED,
      time: 2,
      exitCode: 0,
      metadata: { evidence: "exit-code-file", fileExitCode: 0 },
    });
    const before = store.transitions("j1");
    const events = store.eventsAfter(0, 100).length;
    assert.equal(
      store.amendFinal("j1", { exitStatus: 0, resourcesUsed: { cput: "00:00:01" } }),
      true,
    );
    const after = store.transitions("j1");
    assert.equal(after.length, before.length, "no transition is added");
    assert.equal(store.eventsAfter(0, 100).length, events, "no event is added");
    const last = after[after.length - 1];
    assert.equal(last.state, JobState.COMPLETED);
    assert.equal(last.evidence, "exit-code-file");
    assert.deepEqual(last.metadata, {
      fileExitCode: 0,
      exitStatus: 0,
      resourcesUsed: { cput: "00:00:01" },
    });
    assert.deepEqual(
      JSON.parse(store.getJob("j1")!.historyJson!),
      JSON.parse(JSON.stringify(after.map(transitionView))),
      "the rendered history shows them",
    );
    assert.equal(store.amendFinal("nosuch", { exitStatus: 0 }), false);
    store.close();
  });

  it("never stores a transition before the job's previous one; keeps the scheduler's stamp beside it", () => {
    const store = new JobStore(":memory:");
    newJob(store, "j1");
    store.recordTransition("j1", { state: JobState.ACTIVE, time: 5_400 });
    // A re-attached job after a restart on a clock that stepped back, with PBS's whole second.
    const done = store.recordTransition("j1", {
      state: JobState.COMPLETED,
      time: 5_100,
      schedulerTime: 5_000,
      exitCode: 0,
    }).at(-1)!;
    assert.equal(done.time, 5_400);
    assert.equal(done.schedulerTime, 5_000);
    const stored = store.transitions("j1");
    assert.deepEqual(stored.map((t) => [t.state, t.time, t.schedulerTime]), [
      ["QUEUED", 5_400, undefined],
      ["STAGE_IN", 5_400, undefined],
      ["ACTIVE", 5_400, undefined],
      ["STAGE_OUT", 5_400, undefined],
      ["CLEANUP", 5_400, undefined],
      ["COMPLETED", 5_400, 5_000],
    ]);
    const view = JSON.parse(store.getJob("j1")!.historyJson!);
    assert.equal(view.at(-1).time, new Date(5_400).toISOString());
    assert.equal(view.at(-1).schedulerTime, new Date(5_000).toISOString());
    assert.equal("schedulerTime" in view[0], false);
    assert.equal(store.eventsAfter(0).at(-1)!.schedulerTime, 5_000);
    store.close();
  });

  it("opens a version-5 database with transitions: old rows have no scheduler stamp, new ones do", () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-store-"));
    try {
      const path = join(dir, "agent.db");
      const old = new DatabaseSync(path);
      migrate(old, 5);
      old.exec(
        `INSERT INTO jobs (id, executor, spec, state, seq, created_at, updated_at, history)
           VALUES ('j1', 'pbs', '{"version":1,"executable":"/bin/true"}', 'QUEUED', 1, 5, 5, NULL);
         INSERT INTO transitions (job_id, seq, state, time, evidence) VALUES ('j1', 1, 'QUEUED', 5, 'submit');`,
      );
      old.close();
      const store = new JobStore(path);
      assert.equal(schemaVersion(store.db), SCHEMA_VERSION);
      assert.equal(store.transitions("j1")[0].schedulerTime, undefined);
      store.recordTransition("j1", { state: JobState.FAILED, time: 9, schedulerTime: 7 });
      assert.deepEqual(store.transitions("j1").map((t) => t.schedulerTime), [undefined, 7]);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prunes only final jobs older than the cut, with everything that belongs to them", () => {
    const store = new JobStore(":memory:");
    newJob(store, "old", { key: "k-old", hash: "h" });
    store.recordTransition("old", { state: JobState.COMPLETED, time: 100, exitCode: 0 });
    newJob(store, "running");
    store.recordTransition("running", { state: JobState.ACTIVE, time: 100 });
    newJob(store, "recent");
    store.recordTransition("recent", { state: JobState.FAILED, time: 5000 });
    assert.equal(store.prune(1000), 1);
    assert.equal(store.getJob("old"), undefined);
    assert.deepEqual(store.transitions("old"), []);
    assert.equal(store.findIdempotencyKey("k-old"), undefined);
    assert.equal(store.getIntent("old"), undefined);
    assert.equal(store.getJob("running")?.state, "ACTIVE", "a live job is never pruned");
    assert.equal(store.getJob("recent")?.state, "FAILED");
    store.close();
  });

  it("refuses a database from a newer agent", () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-store-"));
    try {
      const path = join(dir, "agent.db");
      const store = new JobStore(path);
      store.db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
      store.close();
      assert.throws(() => new JobStore(path), /newer than this agent knows/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
