/**
 * Over the CLI, against a served agent on the embedded PBS simulator: a spec
 * the executor refuses (`submit`, `run`) and an id nobody knows (`attach`)
 * print what is wrong, with the JSON path, exit 1, and leave `list` empty.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { exited, runCli, startServe } from "./fixtures/cli.ts";

const SLOW = { timeout: 60_000 };

describe("CLI: refused specs and unknown ids leave nothing behind (sim executor)", SLOW, () => {
  let home: string;
  let server: ChildProcess;
  const cli = (args: string[]) => runCli([args[0], "--home", home, ...args.slice(1)]);
  const listed = async () => {
    const r = await cli(["list", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    return (Array.isArray(out) ? out : out.jobs) as unknown[];
  };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "psij-cli-refusals-"));
    ({ child: server } = await startServe(
      ["--home", home, "--executor", "sim"],
      join(home, "agent.sock"),
    ));
  });

  after(async () => {
    server.kill("SIGTERM");
    await exited(server);
    rmSync(home, { recursive: true, force: true });
  });

  it("submit of a spec the executor refuses prints the JSON path and exits 1", SLOW, async () => {
    const file = join(home, "bad.json");
    for (
      const [doc, field] of [
        [{ version: 1, executable: "/bin/true", launcher: "evil" }, "$.launcher"],
        [
          {
            version: 1,
            executable: "/bin/true",
            attributes: { customAttributes: { "pbs.J": "1-3" } },
          },
          '$.attributes.customAttributes["pbs.J"]',
        ],
        [{ executable: "/bin/true", environment: { _psij_dir: "/" } }, "$.environment._psij_dir"],
      ] as const
    ) {
      writeFileSync(file, JSON.stringify(doc));
      const r = await cli(["submit", file]);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.includes(`422: ${field}: `), r.stderr);
      assert.ok(r.stderr.includes(`[${field}]`), r.stderr);
    }
    assert.deepEqual(await listed(), []);
  });

  it(
    "run with an account no directive can hold prints the JSON path and exits 1",
    SLOW,
    async () => {
      const r = await cli(["run", "--account", "a\nb", "--", "/bin/true"]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /422: \$\.attributes\.account: a line break/);
      assert.deepEqual(await listed(), []);
    },
  );

  it("attach of an id PBS does not know exits 1 with a 404 and stores nothing", SLOW, async () => {
    const r = await cli(["attach", "999.pbs-sim"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /404: PBS does not know job 999\.pbs-sim/);
    assert.deepEqual(await listed(), []);
  });
});
