/**
 * Dependency and hold scenarios (issue 13, item 7) the real-scheduler suites
 * share: a JobService over a real executor, a chain a → b → c (afterok)
 * where a fails, and a job submitted held then released. Deadlines on
 * conditions only (a loaded host), never a timing assertion.
 */
import assert from "node:assert/strict";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import type { JobExecutor } from "../../src/core/executor.ts";

export const WAIT_MS = 240_000;

export function agentOver(name: string, executor: JobExecutor): JobService {
  return new JobService({
    store: new JobStore(":memory:"),
    executors: { [name]: executor },
    defaultExecutor: name,
  });
}

async function until(what: string, cond: () => boolean, ms = WAIT_MS): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const final = (s: string) => s === "COMPLETED" || s === "FAILED" || s === "CANCELED";

/** a fails; b (afterok a) and c (afterok b) end FAILED, each naming its dependency; none ran. */
export async function chainWhereFirstFails(service: JobService, dir: string): Promise<void> {
  const base = { directory: dir, attributes: { duration: 300 } };
  const a = (await service.submit({
    version: 1,
    executable: "/bin/sh",
    arguments: ["-c", "sleep 2; exit 3"],
    ...base,
  })).job;
  const b = (await service.submit({
    version: 1,
    executable: "/bin/true",
    dependsOn: [{ job: a.id, when: "ok" }],
    ...base,
  })).job;
  const c = (await service.submit({
    version: 1,
    executable: "/bin/true",
    dependsOn: [{ job: b.id }],
    ...base,
  })).job;
  assert.ok(b.nativeId && c.nativeId, "the scheduler holds b and c (its own dependency)");
  await until(`c (${c.nativeId}) to end`, () => final(service.getRecord(c.id).state));
  const [ra, rb, rc] = [a, b, c].map((j) => service.getRecord(j.id));
  assert.equal(ra.state, "FAILED");
  assert.equal(ra.exitCode, 3);
  assert.equal(rb.state, "FAILED", `b: ${rb.message}`);
  assert.match(rb.message!, new RegExp(`^dependency never met: job ${a.id} ended FAILED`));
  assert.equal(rc.state, "FAILED", `c: ${rc.message}`);
  assert.match(rc.message!, new RegExp(`^dependency never met: job ${b.id} ended FAILED`));
  for (const j of [b, c]) {
    const states = service.history(j.id).map((t) => t.state);
    assert.ok(!states.includes("ACTIVE"), `${j.id} never ran: ${states}`);
    assert.equal(service.history(j.id).at(-1)!.evidence, "dependency");
  }
}

/** Submitted held: QUEUED with held while it waits; released, it runs to COMPLETED. */
export async function heldThenReleased(service: JobService, dir: string): Promise<void> {
  const job = (await service.submit({
    version: 1,
    executable: "/bin/true",
    directory: dir,
    hold: true,
    attributes: { duration: 300 },
  })).job;
  assert.equal(job.state, "QUEUED");
  assert.equal(service.getRecord(job.id).held, true);
  // The scheduler's own record agrees after a poll: the flag is still set, the job not started.
  const seen = service.store.transitions(job.id).length;
  await until(
    "a poll of the held job",
    () => service.getRecord(job.id).updatedAt > job.updatedAt,
    30_000,
  )
    .catch(() => {}); // a scheduler with nothing new to say changes nothing: also fine
  assert.equal(service.getRecord(job.id).state, "QUEUED");
  assert.equal(service.getRecord(job.id).held, true);
  assert.equal(service.store.transitions(job.id).length, seen);
  const released = await service.release(job.id);
  assert.equal(released.held, undefined);
  await until(`${job.nativeId} to end`, () => final(service.getRecord(job.id).state));
  assert.equal(service.getRecord(job.id).state, "COMPLETED", service.getRecord(job.id).message);
}

/** A queued job (waiting for a running one) held through the agent, then released: it runs after. */
export async function holdQueuedThenRelease(service: JobService, dir: string): Promise<void> {
  const base = { version: 1, directory: dir, attributes: { duration: 300 } };
  const a = (await service.submit({ ...base, executable: "/bin/sleep", arguments: ["8"] })).job;
  const b = (await service.submit({ ...base, executable: "/bin/true", dependsOn: [{ job: a.id }] }))
    .job;
  const held = await service.hold(b.id);
  assert.equal(held.held, true);
  // A few polls later the scheduler's record still says held (not merely waiting for a).
  const polls = service.getRecord(b.id).updatedAt;
  await until("a poll of b", () => service.getRecord(b.id).updatedAt !== polls, 20_000).catch(
    () => {},
  );
  assert.equal(service.getRecord(b.id).state, "QUEUED");
  assert.equal(service.getRecord(b.id).held, true, service.getRecord(b.id).message);
  await service.release(b.id);
  assert.equal(service.getRecord(b.id).held, undefined);
  await until(`${b.nativeId} to end`, () => final(service.getRecord(b.id).state));
  assert.equal(service.getRecord(b.id).state, "COMPLETED", service.getRecord(b.id).message);
  assert.equal(service.getRecord(a.id).state, "COMPLETED");
}
