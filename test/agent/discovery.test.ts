/**
 * Executors from outside the binary (src/agent/discovery.ts): descriptor
 * modules in <home>/executors/ and $PSIJ_AGENT_EXECUTOR_PATH, in process,
 * through the CLI of this runtime, and through the compiled binary.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { discoverExecutors, executorFolders, originOf } from "../../src/agent/discovery.ts";
import { findExecutor, listExecutors } from "../../src/core/registry.ts";
import { runCli } from "./fixtures/cli.ts";
import { ManualExecutor } from "./fixtures/manual-executor.ts";
import { createApp } from "../../src/agent/http/app.ts";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUN = join(ROOT, "node_modules", ".bin", "bun");

/**
 * A home whose executors/ holds a good module (it uses the kit it is given,
 * a relative import and a file beside it), and four broken ones; a path
 * folder holds one more good module.
 */
function layout(tag: string): { home: string; extra: string; good: string; bad: string[] } {
  const root = mkdtempSync(join(tmpdir(), `psij-discovery-${tag}-`));
  const home = join(root, "home");
  const extra = join(root, "extra");
  const toy = join(home, "executors", "toy");
  mkdirSync(toy, { recursive: true });
  mkdirSync(extra);
  writeFileSync(join(toy, "words.ts"), `export const word = "toy";\n`);
  writeFileSync(join(toy, "note.txt"), "read beside the module\n");
  const good = join(toy, "toy.executor.ts");
  writeFileSync(
    good,
    `import { readFileSync } from "node:fs";
import { word } from "./words.ts";
const note = readFileSync(new URL("./note.txt", import.meta.url), "utf8").trim();
export default (kit: any) => ({
  name: "${tag}-" + word,
  aliases: ["${tag}-alias"],
  version: "1.2.3",
  description: kit.shellWord("a b") + " " + note,
  create: () => { throw new Error("not made in this test"); },
});
`,
  );
  const bad = [
    join(home, "executors", "syntax.executor.ts"),
    join(home, "executors", "noversion.executor.js"),
    join(home, "executors", "throws.executor.mjs"),
    join(extra, "dup.executor.ts"),
  ];
  writeFileSync(bad[0], "export default {{{ not typescript\n");
  writeFileSync(bad[1], `export default { name: "${tag}-nov", create() {} };\n`);
  writeFileSync(bad[2], `export default () => { throw new Error("site config missing"); };\n`);
  writeFileSync(bad[3], `export default { name: "pbs", version: "0.1.0", create() {} };\n`);
  writeFileSync(
    join(extra, "other.executor.ts"),
    `export default { name: "${tag}-other", version: "2", create() { return undefined; } };\n`,
  );
  writeFileSync(
    join(extra, "helper.ts"),
    "throw new Error('not a descriptor module: never loaded');\n",
  );
  return { home, extra, good, bad };
}

describe("executor discovery", () => {
  it("registers good modules with their origin; each broken one is a problem naming its file and why; built-ins stay", async () => {
    const l = layout("inproc");
    const report = await discoverExecutors(
      executorFolders(l.home, { PSIJ_AGENT_EXECUTOR_PATH: `${l.extra}:` }),
    );
    assert.deepEqual(report.folders, [join(l.home, "executors"), l.extra]);
    assert.deepEqual(report.loaded.map((d) => d.name).sort(), ["inproc-other", "inproc-toy"]);
    const toy = findExecutor("INPROC-ALIAS");
    assert.equal(toy.name, "inproc-toy");
    assert.equal(toy.description, "'a b' read beside the module");
    assert.equal(originOf(toy), l.good);
    assert.equal(originOf(findExecutor("pbs")), "built-in");
    const problems = new Map(report.problems.map((p) => [p.file, p.reason]));
    assert.deepEqual([...problems.keys()].sort(), [...l.bad].sort());
    assert.match(problems.get(l.bad[1])!, /no version/);
    assert.match(problems.get(l.bad[2])!, /site config missing/);
    assert.match(problems.get(l.bad[3])!, /pbs 0\.1\.0 is already registered \(built-in\)/);
    for (const name of ["local", "pbs", "sim", "slurm"]) {
      assert.ok(listExecutors().some((d) => d.name === name), name);
    }
    rmSync(join(l.home, ".."), { recursive: true, force: true });
  });

  it("GET /v1/executors names where each served executor came from: built-in or its module file", async () => {
    const l = layout("served");
    await discoverExecutors(executorFolders(l.home, {}));
    const service = new JobService({
      store: new JobStore(":memory:"),
      executors: { "served-toy": new ManualExecutor(), local: new ManualExecutor() },
      defaultExecutor: "served-toy",
    });
    try {
      const body: any = await (await createApp(service).request("/v1/executors")).json();
      assert.deepEqual(
        body.executors.map((e: any) => [e.name, e.origin, e.default]),
        [["served-toy", l.good, true], ["local", "built-in", false]],
      );
    } finally {
      await service.close();
      rmSync(join(l.home, ".."), { recursive: true, force: true });
    }
  });

  it("psij-agent executors lists each executor with version and origin, and the modules that failed", async () => {
    const l = layout("cli");
    const r = await runCli(["executors", "--home", l.home], {
      env: { PSIJ_AGENT_EXECUTOR_PATH: l.extra },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^pbs {2}0\.1\.0 {2}built-in/m);
    assert.ok(r.stdout.includes(`cli-toy  1.2.3  ${l.good}  aliases cli-alias`), r.stdout);
    for (const f of l.bad) assert.ok(r.stdout.includes(`executor module ${f} not loaded: `), f);
    const j = JSON.parse(
      (await runCli(["executors", "--home", l.home, "--json"], {
        env: { PSIJ_AGENT_EXECUTOR_PATH: l.extra },
      })).stdout,
    );
    assert.equal(
      j.executors.find((e: any) => e.name === "cli-other").origin,
      join(l.extra, "other.executor.ts"),
    );
    assert.equal(j.problems.length, 4);
    rmSync(join(l.home, ".."), { recursive: true, force: true });
  });

  it("serve --executor with a name nobody registered is refused, naming the known ones", async () => {
    const l = layout("refuse");
    const r = await runCli(["serve", "--home", l.home, "--executor", "nosuch"]);
    assert.equal(r.code, 64, r.stdout + r.stderr);
    assert.match(r.stderr, /unknown executor "nosuch"; known executors: .*refuse-toy/);
    rmSync(join(l.home, ".."), { recursive: true, force: true });
  });
});

describe("executor discovery in the compiled binary", { timeout: 180_000 }, () => {
  let dir: string;
  let bin: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "psij-discovery-bin-"));
    bin = join(dir, "psij-agent");
    const build = spawnSync(BUN, [
      "build",
      "--compile",
      "--minify",
      "--bytecode",
      "--format=esm",
      "src/main.ts",
      "--outfile",
      bin,
    ], { cwd: ROOT, encoding: "utf8", timeout: 150_000 });
    assert.equal(build.status, 0, build.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("loads a .ts module from disk, handing it the kit; a broken one is reported, the built-ins stay", () => {
    const l = layout("bin");
    const r = spawnSync(bin, ["executors", "--home", l.home], {
      encoding: "utf8",
      env: { ...process.env, PSIJ_AGENT_EXECUTOR_PATH: l.extra },
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(`bin-toy  1.2.3  ${l.good}  aliases bin-alias`), r.stdout);
    assert.match(r.stdout, /^slurm {2}0\.1\.0 {2}built-in/m);
    for (const f of l.bad) assert.ok(r.stdout.includes(`executor module ${f} not loaded: `), f);
    rmSync(join(l.home, ".."), { recursive: true, force: true });
  });
});
