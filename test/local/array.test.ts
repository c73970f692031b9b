/**
 * Job arrays on the local executor, through the agent's JobService: the
 * semantics PBS gives them (one element per index, at most `limit` at once,
 * each with its own end, PSIJ_ARRAY_INDEX and {index} paths), and cancels
 * of a waiting element and of the whole array.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { LocalJobExecutor } from "../../src/executors/local.ts";

const SLOW = { timeout: 120_000 };
const isFinal = (s: string) => ["COMPLETED", "FAILED", "CANCELED"].includes(s);

async function until(done: () => boolean, ms = 60_000) {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  assert.ok(done(), "the condition held before the deadline");
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "psij-local-array-"));
  const store = new JobStore(":memory:");
  const service = new JobService({
    store,
    executors: { local: new LocalJobExecutor() },
    defaultExecutor: "local",
  });
  return { dir, store, service };
}

describe("job arrays on the local executor", () => {
  it(
    "runs one element per index, never more than the limit at once, each with its own end, index and output file",
    SLOW,
    async () => {
      const { dir, store, service } = setup();
      try {
        mkdirSync(join(dir, "run"));
        const { job } = await service.submit({
          version: 1,
          executable: "/bin/sh",
          arguments: [
            "-c",
            'touch run/$PSIJ_ARRAY_INDEX; echo "i=$PSIJ_ARRAY_INDEX n=$(ls run | wc -l)"; ' +
            "sleep 0.3; rm run/$PSIJ_ARRAY_INDEX; exit $((PSIJ_ARRAY_INDEX % 4 == 3))",
          ],
          directory: dir,
          stdoutPath: join(dir, "out.{index}"),
          array: "0-9%3",
        });
        await until(() => isFinal(store.getJob(job.id)!.state));
        for (let i = 0; i <= 9; i++) {
          const el = store.getJob(`${job.id}[${i}]`)!;
          const fails = i % 4 === 3;
          assert.equal(el.state, fails ? "FAILED" : "COMPLETED", `${el.id}: ${el.message}`);
          assert.equal(el.exitCode, fails ? 1 : 0);
          const m = /^i=(\d+) n=\s*(\d+)\n$/.exec(readFileSync(join(dir, `out.${i}`), "utf8"));
          assert.ok(m, `out.${i}`);
          assert.equal(Number(m[1]), i);
          assert.ok(Number(m[2]) <= 3, `element ${i} saw ${m[2]} running: more than the limit`);
        }
        const s = service.arraySummary(job.id)!;
        assert.deepEqual(s.counts, { COMPLETED: 8, FAILED: 2 });
        assert.equal(store.getJob(job.id)!.state, "FAILED");
      } finally {
        await service.close();
        store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it(
    "cancels a waiting element (CANCELED, it never runs), then the whole array",
    SLOW,
    async () => {
      const { dir, store, service } = setup();
      try {
        const { job } = await service.submit({
          version: 1,
          executable: "/bin/sh",
          arguments: ["-c", "touch ran.$PSIJ_ARRAY_INDEX; sleep 30"],
          directory: dir,
          array: "1-5%2",
        });
        const el = (i: number) => store.getJob(`${job.id}[${i}]`)!;
        await until(() => el(1).state === "ACTIVE" && el(2).state === "ACTIVE");
        assert.equal(el(5).state, "QUEUED", "waits for a slot");
        await service.cancel(`${job.id}[5]`);
        assert.equal(el(5).state, "CANCELED");
        await service.cancel(job.id);
        await until(() => isFinal(store.getJob(job.id)!.state));
        for (let i = 1; i <= 5; i++) assert.equal(el(i).state, "CANCELED", `element ${i}`);
        assert.equal(store.getJob(job.id)!.state, "CANCELED");
        assert.throws(
          () => readFileSync(join(dir, "ran.5")),
          "a canceled waiting element never ran",
        );
      } finally {
        await service.close();
        store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
