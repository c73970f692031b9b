/** The agent reads PBS's job history settings from `qstat -Bf` (against the simulator). */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { VirtualClock } from "../../src/core/clock.ts";
import {
  parsePbsDuration,
  parseServerHistory,
  PBS_DEFAULT_HISTORY_MS,
  probePbsHistory,
} from "../../src/agent/pbs-history.ts";
import { chooseExecutor } from "../../src/agent/executors.ts";
import { createSimRunner } from "../../simulator/runner.ts";
import { Faults } from "../../simulator/faults.ts";
import { SimServer } from "../../simulator/server/server.ts";
import type { ServerConfig } from "../../simulator/server/config.ts";
import { runCli } from "./fixtures/cli.ts";

const sim = (config: ServerConfig, faults?: Faults) =>
  createSimRunner(new SimServer({ clock: new VirtualClock(0), mode: "model", ...config }), faults);

describe("PBS job history settings", () => {
  it("durations: seconds, MM:SS, HH:MM:SS with hours past 24; nonsense is undefined", () => {
    assert.equal(parsePbsDuration("3600"), 3_600_000);
    assert.equal(parsePbsDuration("10:05"), 605_000);
    assert.equal(parsePbsDuration("01:30:05"), 5_405_000);
    assert.equal(parsePbsDuration("720:00:00"), 720 * 3_600_000);
    assert.equal(parsePbsDuration("two weeks"), undefined);
  });

  it("qstat -Bf from the simulator: off, default, and a site's own duration", async () => {
    assert.equal((await probePbsHistory(sim({ historyEnabled: false }))).retentionMs, 0);
    const dflt = await probePbsHistory(sim({ historyEnabled: true }));
    assert.equal(dflt.retentionMs, PBS_DEFAULT_HISTORY_MS);
    assert.match(dflt.note, /default two weeks/);
    const hour = await probePbsHistory(
      sim({ historyEnabled: true, historyRetentionMs: 3_600_000 }),
    );
    assert.equal(hour.retentionMs, 3_600_000);
    assert.equal(hour.note, "PBS keeps finished jobs for 01:00:00 (job_history_duration)");
  });

  it("a server that cannot be reached: the default, and the note says why", async () => {
    const faults = new Faults([{ kind: "connect", commands: ["qstat"] }]);
    const h = await probePbsHistory(sim({ historyEnabled: false }, faults));
    assert.equal(h.retentionMs, PBS_DEFAULT_HISTORY_MS);
    assert.match(h.note, /^could not read PBS's job history settings with qstat -Bf \(.+\)/);
  });

  it("text that is not qstat -Bf output is not taken for settings", () => {
    assert.equal(parseServerHistory("Job Id: 1.vm\n    job_state = R\n"), undefined);
    assert.equal(
      parseServerHistory(
        "Server: x\n    job_history_enable = True\n    job_history_duration = soon\n",
      ),
      undefined,
    );
  });

  it("executor pbs announces what it learned in its banner", async () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-hist-"));
    try {
      const chosen = await chooseExecutor("pbs", {
        workDir: dir,
        pbsRunner: sim({ historyEnabled: true, historyRetentionMs: 2 * 3_600_000 }),
      });
      assert.equal(chosen.name, "pbs");
      assert.match(
        chosen.banner,
        /\nPBS keeps finished jobs for 02:00:00 \(job_history_duration\)$/,
      );
      await chosen.executor.close?.();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a duration given by the admin is used as is; qstat -Bf is not asked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-hist-"));
    try {
      // The server cannot be reached: asking it would say so in the banner.
      const faults = new Faults([{ kind: "connect", commands: ["qstat"] }]);
      const chosen = await chooseExecutor("pbs", {
        workDir: dir,
        pbsRunner: sim({ historyEnabled: true }, faults),
        pbsHistoryMs: 0,
      });
      assert.match(chosen.banner, /\nPBS job history taken as off \(--pbs-history\)$/);
      await chosen.executor.close?.();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serve --pbs-history refuses what is not a duration, naming the option", async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-hist-"));
    try {
      const r = await runCli(["serve", "--home", home, "--pbs-history", "two weeks"]);
      assert.equal(r.code, 64);
      assert.match(r.stderr, /--pbs-history must be HH:MM:SS, a number of seconds, or off/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
