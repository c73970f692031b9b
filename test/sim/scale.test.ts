/** A bench in miniature: many mixed jobs run to completion and every resource comes back. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VirtualClock } from "../../src/core/clock.ts";
import type { SubmitRequest } from "../../simulator/server/job.ts";
import { SimServer } from "../../simulator/server/server.ts";

const MIX: SubmitRequest[] = [
  { user: "u", name: "serial", resources: [["select", "1:ncpus=1:mem=2gb"]] },
  { user: "u", name: "pack", resources: [["select", "2:ncpus=4"], ["place", "pack"]] },
  { user: "u", name: "mpi", resources: [["select", "4:ncpus=8:mpiprocs=8"], ["place", "scatter"]] },
  { user: "u", name: "excl", resources: [["select", "8:ncpus=16"], ["place", "scatter:excl"]] },
  { user: "u", name: "free", resources: [["select", "3:ncpus=6:mem=1gb"]] },
];

describe("scale", () => {
  it(
    "20,000 mixed jobs on 100 nodes all finish once, and the nodes end empty",
    { timeout: 60000 },
    () => {
      const clock = new VirtualClock(0);
      const server = new SimServer({
        name: "s",
        clock,
        nodes: Array.from(
          { length: 100 },
          (_, i) => ({ name: `n${i}`, ncpus: 32, memBytes: 64 * 2 ** 30, ngpus: 0 }),
        ),
        runtimeMs: [1000, 600_000],
        failureRate: 0.1,
        seed: 3,
      });
      for (let i = 0; i < 20_000; i++) server.submit(MIX[i % MIX.length]);
      let guard = 0;
      for (let next = server.nextEventTime(); next !== undefined; next = server.nextEventTime()) {
        if (server.events.peek()!.kind === "purge") break;
        server.runUntil(next);
        for (const n of server.pool.nodes) {
          assert.ok(
            n.freeNcpus >= 0 && n.freeMem >= 0,
            `${n.name} overcommitted`,
          );
        }
        assert.ok(++guard < 1_000_000, "the run ends");
      }
      const jobs = [...server.order()];
      assert.equal(jobs.length, 20_000);
      assert.ok(
        jobs.every((j) => j.state === "F" && j.runCount === 1 && j.exitStatus !== undefined),
      );
      assert.equal(server.pool.freeNcpus, server.pool.totalNcpus);
      assert.equal(server.pool.freeMem, server.pool.totalMem);
      assert.ok(server.pool.nodes.every((n) => n.idle && !n.exclusive && n.jobs.size === 0));
    },
  );
});
