/**
 * The compiled binary end to end: `bun build --compile` (what `npm run
 * build` runs) into a temp dir, then the binary serves on the embedded
 * simulator and runs a job through its states.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exited } from "./fixtures/cli.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const SLOW = { timeout: 120_000 };

function run(bin: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(bin, args, {
    encoding: "utf8",
    env: { ...process.env, PSIJ_AGENT_HOME: "/dev/null/psij-test-home", ...env },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("the compiled binary", SLOW, () => {
  let dir: string;
  let bin: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "psij-binary-"));
    bin = join(dir, "psij-agent");
    const build = spawnSync(
      BUN,
      [
        "build",
        "--compile",
        "--minify",
        "--bytecode",
        "--format=esm",
        "src/main.ts",
        "--outfile",
        bin,
      ],
      { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
    );
    assert.equal(build.status, 0, build.stderr);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints its version and help", () => {
    const version = run(bin, ["--version"]);
    assert.equal(version.code, 0);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    assert.equal(version.stdout.trim(), `psij-agent ${pkg.version}`);
    const help = run(bin, ["wait", "--help"]);
    assert.match(help.stdout, /0 COMPLETED, 1 FAILED, 2 CANCELED, 3 timed out/);
  });

  it("serves on the embedded simulator and runs a job to COMPLETED", SLOW, async () => {
    const home = join(dir, "home");
    const serve = spawn(bin, ["serve", "--home", home, "--executor", "sim"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    serve.stdout!.on("data", (d) => (out += d));
    try {
      // Until the agent listens, `run` would auto-start a second one on this home.
      for (const end = Date.now() + 60_000; !out.includes("listening") && Date.now() < end;) {
        assert.equal(serve.exitCode, null, `serve exited early:\n${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.match(out, /listening/, `serve did not listen within 60 s:\n${out}`);
      assert.match(out, /EMBEDDED PBS SIMULATOR, NOT A CLUSTER/);
      const outFile = join(dir, "hello.out");
      const r = run(bin, [
        "run",
        "--home",
        home,
        "--wait",
        "--json",
        "--stdout",
        outFile,
        "--",
        "echo",
        "hello from the binary",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const job = JSON.parse(r.stdout);
      assert.equal(job.state, "COMPLETED");
      assert.match(job.nativeId, /\.pbs-sim$/);
      assert.deepEqual(
        job.history.map((t: { state: string }) => t.state),
        ["QUEUED", "STAGE_IN", "ACTIVE", "STAGE_OUT", "CLEANUP", "COMPLETED"],
      );
      assert.equal(readFileSync(outFile, "utf8"), "hello from the binary\n");
      const sim = run(bin, ["sim", "--help"]);
      assert.match(sim.stderr + sim.stdout, /sim serve/);

      // every client command once, through the binary
      const h = ["--home", home];
      const spec = join(dir, "spec.json");
      writeFileSync(
        spec,
        JSON.stringify({ version: 1, executable: "/bin/sleep", arguments: ["30"] }),
      );
      const sub = run(bin, ["submit", spec, ...h, "--json"]);
      assert.equal(sub.code, 0, sub.stderr);
      const id = JSON.parse(sub.stdout).id;
      assert.equal(run(bin, ["wait", id, ...h, "--timeout", "0.2"]).code, 3);
      assert.equal(run(bin, ["cancel", id, ...h]).code, 0);
      assert.equal(run(bin, ["wait", id, ...h]).code, 2);
      assert.match(run(bin, ["status", id, ...h]).stdout, /state\s+CANCELED/);
      assert.equal(JSON.parse(run(bin, ["list", ...h, "--json"]).stdout).length, 2);
      assert.match(run(bin, ["events", ...h]).stdout, /CANCELED/);
      assert.match(run(bin, ["executors", ...h]).stdout, /^sim\s/);
      assert.equal(run(bin, ["health", ...h]).code, 0);
      const att = run(bin, ["attach", job.nativeId, ...h, "--json"]);
      assert.equal(JSON.parse(att.stdout).id, job.id, "attach of a tracked id returns its job");
      assert.equal(run(bin, ["stop", ...h]).code, 0);
      assert.equal(await exited(serve), 0);
    } finally {
      serve.kill("SIGTERM");
      await exited(serve);
    }
    assert.equal(existsSync(join(home, "agent.sock")), false);
  });
});
