/**
 * Dependencies and holds on the local executor, which has no scheduler to
 * keep a job back: the agent keeps it (issue 13, items 2, 3), durably, so a
 * restart finds it waiting again. Real processes; deadlines, no sleeps.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { LocalJobExecutor } from "../../src/executors/local.ts";
import { InvalidJobException } from "../../src/core/errors.ts";
import type { JobSpec } from "../../src/core/job-spec.ts";

function localAgent(storePath = ":memory:") {
  const store = new JobStore(storePath);
  const service = new JobService({
    store,
    executors: { local: new LocalJobExecutor() },
    defaultExecutor: "local",
  });
  return { store, service };
}

const job = (executable: string, extra: Record<string, unknown> = {}) => ({
  version: 1,
  executable,
  ...extra,
});

/** Polls the store until `id` is in `state` (30 s deadline). */
async function until(service: JobService, id: string, state: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (service.getRecord(id).state !== state) {
    if (Date.now() > deadline) {
      assert.fail(`job ${id} is ${service.getRecord(id).state}, never ${state}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("dependencies and holds on the local executor (kept by the agent)", () => {
  it("a chain a → b → c (afterok) where a fails: b and c end FAILED naming the dependency, never started", async () => {
    const { service, store } = localAgent();
    try {
      const a = (await service.submit(job("/bin/false"))).job;
      const b = (await service.submit(job("/bin/true", { dependsOn: [{ job: a.id }] }))).job;
      const c = (await service.submit(job("/bin/true", { dependsOn: [{ job: b.id }] }))).job;
      await until(service, c.id, "FAILED");
      const rb = service.getRecord(b.id);
      assert.equal(rb.state, "FAILED");
      assert.match(rb.message!, new RegExp(`job ${a.id} ended FAILED with exit code 1`));
      assert.equal(rb.nativeId, undefined, "b was never started");
      assert.match(service.getRecord(c.id).message!, new RegExp(`job ${b.id} ended FAILED`));
      assert.deepEqual(service.history(b.id).map((t) => t.state), ["QUEUED", "FAILED"]);
    } finally {
      await service.close();
      store.close();
    }
  });

  it("canceling a job the agent keeps back ends it CANCELED; an afterok dependent then FAILS naming it, an afternotok one runs", async () => {
    const { service, store } = localAgent();
    try {
      const h = (await service.submit(job("/bin/true", { hold: true }))).job;
      const ok = (await service.submit(job("/bin/true", { dependsOn: [{ job: h.id }] }))).job;
      const notok = (await service.submit(job("/bin/true", {
        dependsOn: [{ job: h.id, when: "notok" }],
      }))).job;
      const canceled = await service.cancel(h.id);
      assert.equal(canceled.state, "CANCELED");
      assert.equal(service.history(h.id).at(-1)!.evidence, "user-cancel");
      await until(service, ok.id, "FAILED");
      assert.match(service.getRecord(ok.id).message!, new RegExp(`job ${h.id} ended CANCELED`));
      await until(service, notok.id, "COMPLETED");
    } finally {
      await service.close();
      store.close();
    }
  });

  it("a job can depend on a whole array: one failed element ends it FAILED naming the array", async () => {
    const { service, store } = localAgent();
    try {
      const arr = (await service.submit(job("/bin/sh", {
        arguments: ["-c", 'test "$PSIJ_ARRAY_INDEX" != 2'],
        array: "1-3",
      }))).job;
      const ok = (await service.submit(job("/bin/true", { dependsOn: [{ job: arr.id }] }))).job;
      const any = (await service.submit(job("/bin/true", {
        dependsOn: [{ job: arr.id, when: "any" }],
      }))).job;
      await until(service, ok.id, "FAILED");
      assert.equal(service.getRecord(arr.id).state, "FAILED");
      assert.match(service.getRecord(ok.id).message!, new RegExp(`job ${arr.id} ended FAILED`));
      await until(service, any.id, "COMPLETED");
    } finally {
      await service.close();
      store.close();
    }
  });

  it("a job submitted held waits QUEUED (held) until released; a started local job cannot be held", async () => {
    const { service, store } = localAgent();
    try {
      const h = (await service.submit(job("/bin/true", { hold: true }))).job;
      assert.equal(h.state, "QUEUED");
      assert.equal(service.getRecord(h.id).held, true);
      assert.equal(h.nativeId, undefined);
      const released = await service.release(h.id);
      assert.equal(released.held, undefined);
      await until(service, h.id, "COMPLETED");
      const dir = mkdtempSync(join(tmpdir(), "psij-hold-"));
      const flag = join(dir, "go");
      try {
        const r = (await service.submit(job("/bin/sh", {
          arguments: ["-c", `while [ ! -e '${flag}' ]; do sleep 0.05; done`],
        }))).job;
        await until(service, r.id, "ACTIVE");
        await assert.rejects(service.hold(r.id), /cannot hold/);
        writeFileSync(flag, "");
        await until(service, r.id, "COMPLETED");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      await service.close();
      store.close();
    }
  });

  it("a job waiting for its dependency and a held job survive a restart of the agent, then run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-deps-restart-"));
    const path = join(dir, "jobs.db");
    const flag = join(dir, "go");
    try {
      const first = localAgent(path);
      const a = (await first.service.submit(job("/bin/sh", {
        arguments: ["-c", `while [ ! -e '${flag}' ]; do sleep 0.05; done`],
      }))).job;
      const b = (await first.service.submit(job("/bin/true", { dependsOn: [{ job: a.id }] }))).job;
      const c = (await first.service.submit(job("/bin/true", { hold: true }))).job;
      // The agent goes away: only what the store holds remains.
      await first.service.close();
      first.store.close();

      const second = localAgent(path);
      try {
        await second.service.recover();
        assert.equal(second.service.getRecord(b.id).state, "QUEUED");
        assert.equal(second.service.getRecord(c.id).held, true);
        writeFileSync(flag, "");
        await until(second.service, a.id, "COMPLETED");
        await until(second.service, b.id, "COMPLETED");
        assert.ok(existsSync(path));
        assert.equal(second.service.getRecord(c.id).state, "QUEUED", "still held");
        await second.service.release(c.id);
        await until(second.service, c.id, "COMPLETED");
        const states = second.service.history(b.id).map((t) => t.state);
        assert.equal(states.filter((s) => s === "QUEUED").length, 1, "gap-free, once each");
      } finally {
        await second.service.close();
        second.store.close();
      }
    } finally {
      writeFileSync(flag, "");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("an executor with no queue, used directly", () => {
  it("refuses dependsOn and hold by field instead of starting the job at once", async () => {
    const { Job } = await import("../../src/core/job.ts");
    const ex = new LocalJobExecutor();
    const cases: Array<[JobSpec, string]> = [
      [{ executable: "/bin/true", dependsOn: [{ job: "1" }] }, "dependsOn"],
      [{ executable: "/bin/true", hold: true }, "hold"],
    ];
    for (const [spec, field] of cases) {
      assert.throws(
        () => ex.validate(spec),
        (err: unknown) => err instanceof InvalidJobException && err.field === field,
      );
      await assert.rejects(ex.submit(new Job(spec)), (err: Error) => err.message.startsWith(field));
    }
    await ex.close();
  });
});
