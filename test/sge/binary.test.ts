// The "done when" of the extension point: the compiled binary (what `npm run
// build` makes) finds the Grid Engine example copied into <home>/executors/,
// as docs/adding-an-executor.md's packaging step says, lists it, and it passes
// the conformance kit against the real Grid Engine. Skipped with the reason
// when no Grid Engine answers; failing instead when REQUIRE_SGE=1.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EXAMPLES, needSge, sgeOptions } from "./support.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const SLOW = sgeOptions(900_000);

function run(bin: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.once("exit", (code) => resolve({ code: code ?? -1, out }));
  });
}

describe("the compiled binary with the Grid Engine example in <home>/executors/", () => {
  let dir = "";
  let bin = "";
  let home = "";
  before(() => {
    if (SLOW.skip) return;
    dir = mkdtempSync(join(tmpdir(), "psij-sge-binary-"));
    bin = join(dir, "psij-agent");
    home = join(dir, "home");
    mkdirSync(join(home, "executors"), { recursive: true });
    cpSync(join(EXAMPLES, "sge"), join(home, "executors", "sge"), { recursive: true });
    const build = spawnSync(BUN, [
      "build",
      "--compile",
      "--minify",
      "--bytecode",
      "--format=esm",
      "src/main.ts",
      "--outfile",
      bin,
    ], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
    assert.equal(build.status, 0, build.stderr);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    "executors lists sge from its file; conformance --executor sge passes every applicable scenario",
    SLOW,
    async () => {
      needSge();
      const file = join(home, "executors", "sge", "sge.executor.ts");
      const list = await run(bin, ["executors", "--home", home]);
      assert.equal(list.code, 0, list.out);
      assert.ok(list.out.includes(`sge  0.1.0  ${file}  aliases gridengine`), list.out);
      const r = await run(bin, ["conformance", "--executor", "gridengine", "--home", home]);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /^\d+ passed, 0 failed, \d+ skipped$/m);
    },
  );
});
