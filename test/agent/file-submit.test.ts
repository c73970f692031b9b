import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSubmitRunner } from "../../src/agent/file-submit.ts";
import { VirtualClock } from "../../src/core/clock.ts";
import { createSimRunner } from "../../simulator/runner.ts";
import { SimServer } from "../../simulator/server/server.ts";

const SCRIPT = "#!/bin/bash\n#PBS -N hello\nexport PSIJ_AGENT_STAMP=jabc123\necho hi\n";

describe("FileSubmitRunner", () => {
  it("writes a stamped script to <stamp>.job and submits the file, not stdin", async () => {
    const dir = mkdtempSync(join(tmpdir(), "psij-filesubmit-"));
    try {
      const server = new SimServer({ clock: new VirtualClock(), mode: "model" });
      const runner = new FileSubmitRunner(createSimRunner(server), dir);
      const r = await runner.run(["qsub"], { stdin: SCRIPT, cwd: dir });
      assert.equal(r.exitCode, 0, r.stderr);
      const path = join(dir, "jabc123.job");
      assert.equal(readFileSync(path, "utf8"), SCRIPT);
      const full = await runner.run(["qstat", "-f", r.stdout.trim()]);
      assert.match(full.stdout, /Submit_arguments = .*jabc123\.job/);
      assert.match(full.stdout, /Job_Name = hello/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes other commands, and unstamped stdin, through unchanged", async () => {
    const server = new SimServer({ clock: new VirtualClock(), mode: "model" });
    const runner = new FileSubmitRunner(createSimRunner(server), "/nonexistent");
    const r = await runner.run(["qsub"], { stdin: "#!/bin/bash\necho hi\n", cwd: "/tmp" });
    assert.equal(r.exitCode, 0, r.stderr);
    const full = await runner.run(["qstat", "-f", r.stdout.trim()]);
    assert.match(full.stdout, /Job_Name = STDIN/);
    const v = await runner.run(["qstat", "--version"]);
    assert.match(v.stdout, /pbs_version/);
  });
});
