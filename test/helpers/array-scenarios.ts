/**
 * Job array scenarios (issue 13, item 7) the real-scheduler suites share: a
 * JobService over a real executor, an array with a %limit where a few
 * elements fail (their own FAILED, the others COMPLETED, the summary right,
 * never more than the limit running — counted by the elements themselves in
 * a shared directory), and cancels of one element and of the whole array.
 * Deadlines on conditions only (a loaded host), never a timing assertion.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { JobService } from "../../src/agent/service.ts";

export const WAIT_MS = 400_000;

async function until(what: string, cond: () => boolean, ms = WAIT_MS): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const final = (s: string) => s === "COMPLETED" || s === "FAILED" || s === "CANCELED";

/**
 * `size` elements with `%limit`; the elements whose index is a multiple of 7
 * exit 3. Each element records how many were running when it started.
 */
export async function arrayWithFailures(
  service: JobService,
  dir: string,
  size: number,
  limit: number,
): Promise<void> {
  mkdirSync(join(dir, "run"), { recursive: true, mode: 0o777 });
  const { job } = await service.submit({
    version: 1,
    executable: "/bin/sh",
    arguments: [
      "-c",
      'touch run/$PSIJ_ARRAY_INDEX; echo "i=$PSIJ_ARRAY_INDEX n=$(ls run | wc -l)"; sleep 1; ' +
      "rm -f run/$PSIJ_ARRAY_INDEX; [ $((PSIJ_ARRAY_INDEX % 7)) -ne 0 ] || exit 3",
    ],
    directory: dir,
    stdoutPath: join(dir, "out.{index}"),
    attributes: { duration: 600 },
    array: `1-${size}%${limit}`,
  });
  const store = service.store;
  // The elements themselves count who runs: the agent's ACTIVE also holds an element
  // still exiting (PBS's E), which PBS no longer counts against the limit.
  await until(`array ${job.id} to end`, () => final(store.getJob(job.id)!.state));
  let failed = 0;
  for (let i = 1; i <= size; i++) {
    const el = store.getJob(`${job.id}[${i}]`)!;
    const fails = i % 7 === 0;
    if (fails) failed++;
    assert.equal(el.state, fails ? "FAILED" : "COMPLETED", `${el.id}: ${el.message}`);
    assert.equal(el.exitCode, fails ? 3 : 0, el.id);
    const states = store.transitions(el.id).map((t) => t.state);
    assert.equal(new Set(states).size, states.length, `${el.id}: each state once (${states})`);
    const m = /^i=(\d+) n=\s*(\d+)\n$/.exec(readFileSync(join(dir, `out.${i}`), "utf8"));
    assert.ok(m, `out.${i} holds the element's line`);
    assert.equal(Number(m[1]), i);
    assert.ok(Number(m[2]) <= limit, `element ${i} started with ${m[2]} running (limit ${limit})`);
  }
  const summary = service.arraySummary(job.id)!;
  assert.deepEqual(summary.counts, { COMPLETED: size - failed, FAILED: failed });
  assert.equal(summary.final, true);
  assert.equal(store.getJob(job.id)!.state, "FAILED");
}

/** Cancels one running element (CANCELED), then the whole array (every element ends). */
export async function cancelOneThenAll(service: JobService, dir: string): Promise<void> {
  const { job } = await service.submit({
    version: 1,
    executable: "/bin/sleep",
    arguments: ["300"],
    directory: dir,
    attributes: { duration: 600 },
    array: "1-4%2",
  });
  const store = service.store;
  const el = (i: number) => store.getJob(`${job.id}[${i}]`)!;
  await until("element 1 to run", () => el(1).state === "ACTIVE");
  await service.cancel(`${job.id}[1]`);
  await until("element 1 to end", () => final(el(1).state));
  assert.equal(el(1).state, "CANCELED", el(1).message);
  assert.ok(!final(el(4).state), "the others go on");
  await service.cancel(job.id);
  await until("the array to end", () => final(store.getJob(job.id)!.state));
  for (let i = 1; i <= 4; i++) {
    assert.equal(el(i).state, "CANCELED", JSON.stringify(store.transitions(el(i).id)));
  }
  assert.equal(store.getJob(job.id)!.state, "CANCELED");
}
