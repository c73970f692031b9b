/**
 * The server's journal: whatever a command changed is on disk when it
 * returns, through compactions, purges and a torn last line.
 */
import assert from "node:assert/strict";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { VirtualClock } from "../../src/core/clock.ts";
import { persistServer, SimJournal } from "../../simulator/journal.ts";
import { runCommand } from "../../simulator/runner.ts";
import type { ServerConfig } from "../../simulator/server/config.ts";
import { SimServer } from "../../simulator/server/server.ts";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function rig(compactBytes?: number) {
  const dir = mkdtempSync(join(tmpdir(), "sim-journal-"));
  dirs.push(dir);
  const path = join(dir, "state.json");
  const clock = new VirtualClock();
  const config: ServerConfig = { name: "j", clock, mode: "model", runtimeMs: [60_000, 60_000] };
  const server = new SimServer(config);
  const journal = persistServer(server, path, { fsync: false, compactBytes, verify: true });
  const env = { USER: "alice", HOME: dir, PATH: "/usr/bin:/bin" };
  const run = (s: SimServer, ...argv: string[]) => runCommand(s, argv, { cwd: dir, env });
  /**
   * What a server dying now would come back with: a new one, read from copies
   * of the files (loading folds them into a new snapshot, under the old one's feet).
   */
  const reload = () => {
    const copy = join(mkdtempSync(join(dir, "reload-")), "state.json");
    for (const f of ["", ".journal"]) {
      if (existsSync(path + f)) copyFileSync(path + f, copy + f);
    }
    const again = new SimServer(config);
    new SimJournal(again, copy, { fsync: false }).load();
    return again;
  };
  return { dir, path, clock, server, journal, run, reload };
}

/** Each job's state letter, Exit_status and hold types. */
function summary(s: SimServer): Record<string, string> {
  return Object.fromEntries(
    [...s.jobs.values()].map((j) => [j.id, `${j.state} ${j.exitStatus} ${j.holdTypes}`]),
  );
}

describe("the simulator's journal", () => {
  it("after every command a reloaded server knows exactly what it knew", async () => {
    const { clock, server, run, reload } = rig(4096);
    for (let i = 0; i < 30; i++) {
      const argv = i % 5 === 0 ? ["qsub", "-h", "--", "/bin/true"] : ["qsub", "--", "/bin/true"];
      assert.equal(run(server, ...argv).exitCode, 0);
      if (i % 7 === 3) run(server, "qdel", String(i));
      if (i % 5 === 1) run(server, "qrls", String(i - 1));
      if (i % 4 === 2) await clock.advance(20_000);
      server.tick(); // up to the clock, as the reloaded one will be
      assert.deepEqual(summary(reload()), summary(server), `after command ${i}`);
    }
    await clock.advance(120_000);
    server.tick();
    assert.deepEqual(summary(reload()), summary(server), "after the jobs ended");
    const next = reload();
    assert.equal(run(next, "qsub", "--", "/bin/true").stdout, "31.j\n", "no id handed out twice");
  });

  it("a purged history job stays gone, and a torn last line is skipped", () => {
    const { path, server, run, reload } = rig();
    run(server, "qsub", "-h", "--", "/bin/true");
    run(server, "qsub", "-h", "--", "/bin/true");
    run(server, "qdel", "1");
    run(server, "qdel", "-x", "1");
    assert.deepEqual(Object.keys(summary(reload())), ["2.j"]);
    const before = readFileSync(`${path}.journal`, "utf8");
    appendFileSync(`${path}.journal`, '{"seq":3,"jobs":[{"seq":2,"sta');
    assert.deepEqual(summary(reload()), summary(server));
    assert.ok(before.length > 0);
  });
});
