#!/usr/bin/env node
// The one test command (`npm test`): type-check, lint, format check, then every
// test file under Bun and under Deno. Prints one plain `N passed, N failed`
// line per runtime and a total, and exits non-zero on any failure.
//
// Usage: npm test [-- [--only bun|deno] [--no-checks] [--no-psij-python] [--psij-python] [paths...]]
// Paths default to test/. Counting comes from each runtime's JUnit report so
// both runtimes count the same unit: one `it()` (a leaf test).
// A full run (no paths, no --only) also runs psij-python's own suite against the agent and the
// Python plugin's tests (scripts/psij-python/suite.sh), counted as "psij-python"; without Python
// they are skipped with the reason, unless REQUIRE_PSIJ_PYTHON=1 (CI), which fails the run.
// --psij-python runs them alone (with --no-checks and no paths: only them).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: "string" },
    "no-checks": { type: "boolean", default: false },
    "no-psij-python": { type: "boolean", default: false },
    "psij-python": { type: "boolean", default: false },
  },
});
const paths = positionals.length ? positionals : ["test/"];
const tmp = join(root, ".tmp");
mkdirSync(tmp, { recursive: true });

let failedSteps = 0;
function step(title, argv, env = {}) {
  console.log(`\n=== ${title}: ${argv.join(" ")}`);
  const started = Date.now();
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const ok = r.status === 0;
  console.log(`=== ${title}: ${ok ? "ok" : `FAILED (exit ${r.status ?? r.signal})`} in ${secs} s`);
  if (!ok) failedSteps++;
  return ok;
}

function unescapeXml(s) {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(
    /&apos;/g,
    "'",
  ).replace(/&amp;/g, "&");
}

// A JUnit testcase is a leaf unless another testcase is nested under its name
// (Deno reports a describe() as a testcase too, with its it()s as "a > b").
function countJunit(file) {
  if (!existsSync(file)) return null;
  const xml = readFileSync(file, "utf8");
  const cases = [];
  const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m; (m = re.exec(xml));) {
    const name = unescapeXml(/\bname="([^"]*)"/.exec(m[1])?.[1] ?? "");
    const file = unescapeXml(/\bclassname="([^"]*)"/.exec(m[1])?.[1] ?? "");
    const body = m[3] ?? "";
    cases.push({
      name,
      file,
      failed: /<failure|<error/.test(body),
      skipped: /<skipped/.test(body),
    });
  }
  const names = new Set(cases.map((c) => c.name));
  const parents = new Set();
  for (const n of names) {
    const parts = n.split(" > ");
    for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join(" > "));
  }
  const leaves = cases.filter((c) => !parents.has(c.name));
  return {
    passed: leaves.filter((c) => !c.failed && !c.skipped).length,
    failed: leaves.filter((c) => c.failed).length,
    skipped: leaves.filter((c) => c.skipped).length,
    failures: leaves.filter((c) => c.failed).map((c) => c.name),
  };
}

const results = {};
function runtime(name, argv, junit) {
  rmSync(junit, { force: true });
  const ok = step(`${name} test`, argv);
  const counts = countJunit(junit) ??
    { passed: 0, failed: 1, skipped: 0, failures: ["(no report)"] };
  rmSync(junit, { force: true });
  // A runtime that failed without a failing test (a load error) still fails.
  if (!ok && counts.failed === 0) {
    counts.failed = 1, counts.failures.push("(runner exited non-zero)");
  }
  results[name] = counts;
}

if (!values["no-checks"]) {
  step("tsc", [bin("tsc"), "--noEmit", "-p", "."]);
  step("deno check", [bin("deno"), "check", "src/", "simulator/", "bench/", "examples/"]);
  step("deno lint", [bin("deno"), "lint"]);
  step("deno fmt", [bin("deno"), "fmt", "--check"]);
}

const pythonOnly = values["psij-python"] && positionals.length === 0;
if (values.only !== "deno" && !pythonOnly) {
  const junit = join(tmp, `bun-${process.pid}.junit.xml`);
  runtime("bun", [
    bin("bun"),
    "test",
    "--timeout",
    "120000",
    "--reporter=junit",
    `--reporter-outfile=${junit}`,
    ...paths,
  ], junit);
}
if (values.only !== "bun" && !pythonOnly) {
  const junit = join(tmp, `deno-${process.pid}.junit.xml`);
  runtime(
    "deno",
    [bin("deno"), "test", "-A", "--no-prompt", `--junit-path=${junit}`, ...paths],
    junit,
  );
}

// One pytest run of scripts/psij-python/suite.sh; its JUnit reports counted as `name` (or, not
// counted, kept for the side-by-side lines). `quiet`: its output is held and printed whole when
// it ends, so it can run beside the others (psij-python's own pbs executor mostly waits on polls).
let pythonSkipped;
const sideBySide = {};
async function psijPython(name, args, { counted = true, quiet = false } = {}) {
  const dir = join(tmp, `psij-python-${process.pid}-${name}`);
  rmSync(dir, { recursive: true, force: true });
  const title = `${name} (bash scripts/psij-python/suite.sh ${args.join(" ")})`;
  if (!quiet) console.log(`\n=== ${title}`);
  const started = Date.now();
  const child = spawn("bash", ["scripts/psij-python/suite.sh", "--junit", dir, ...args], {
    cwd: root,
    stdio: ["ignore", quiet ? "pipe" : "inherit", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let held = "", stderr = "";
  child.stdout?.on("data", (d) => (held += d));
  child.stderr.on("data", (d) => {
    stderr += d;
    if (quiet) held += d;
    else process.stderr.write(d);
  });
  const status = await new Promise((res) => child.on("close", (code, sig) => res(code ?? sig)));
  if (quiet) console.log(`\n=== ${title} (ran beside the others)\n${held}`);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (status === 77) {
    const reason = /psij-python: skipped: (.*)/.exec(stderr)?.[1] ?? "no Python";
    console.log(`=== ${name}: skipped in ${secs} s: ${reason}`);
    if (process.env.REQUIRE_PSIJ_PYTHON === "1") {
      console.log(`=== ${name}: FAILED: REQUIRE_PSIJ_PYTHON=1 and it could not run`);
      failedSteps++;
    } else pythonSkipped = reason;
    return;
  }
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    const c = countJunit(join(dir, f));
    if (!c) continue;
    counts.passed += c.passed, counts.failed += c.failed, counts.skipped += c.skipped;
    counts.failures.push(...c.failures);
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `=== ${name}: exit ${status} in ${secs} s: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
  );
  if (!counted) return void (sideBySide[name] = counts);
  if (status !== 0 && counts.failed === 0) {
    counts.failed = 1, counts.failures.push("(suite.sh exited non-zero)");
  }
  results[name] = counts;
}

const fullRun = positionals.length === 0 && !values.only && !values["no-psij-python"];
if (fullRun || values["psij-python"]) {
  const pythonStarted = Date.now();
  // On a real PBS (CI's): psij-python's own pbs executor on the same files, printed side by side
  // and not counted (its known failures are not ours), started first beside the rest; then the
  // agent on that PBS, counted.
  const pbs = spawnSync("qstat", ["--version"], { encoding: "utf8" });
  const onPbs = /pbs_version/.test(`${pbs.stdout}${pbs.stderr}`);
  const nodes = onPbs ? spawnSync("pbsnodes", ["-a"], { encoding: "utf8" }).stdout ?? "" : "";
  const oneNode = (nodes.match(/^\S/gm) ?? []).length <= 1 ? ["--one-node"] : [];
  // Two runs at once, one per launcher: it polls slowly (~23 min for both launchers in one run).
  const native = onPbs
    ? Promise.all(["single", "multiple"].map((l) =>
      psijPython(`psij-python-pbs-native-${l}`, [
        "--native",
        "pbs",
        "--launchers",
        l,
        ...oneNode,
      ], { counted: false, quiet: true })
    ))
    : undefined;
  await psijPython("psij-python", ["--backend", "sim", "--plugin-tests"]);
  if (onPbs) await psijPython("psij-python-pbs", ["--backend", "pbs", ...oneNode]);
  else console.log("\n=== psij-python on PBS: skipped: qstat --version does not answer as PBS");
  // On a Slurm (CI's private one): the same files against the agent's slurm backend, counted.
  const sinfo = spawnSync("sinfo", ["-h", "-o", "%D %c"], { encoding: "utf8" });
  if (sinfo.status === 0 && /^\d+ \d+/.test(sinfo.stdout ?? "")) {
    const [count, cpus] = sinfo.stdout.trim().split(/\s+/).map(Number);
    await psijPython("psij-python-slurm", [
      "--backend",
      "slurm",
      ...(count < 2 ? ["--one-node"] : []),
      ...(cpus < 4 ? ["--few-cpus"] : []),
    ]);
  } else console.log("\n=== psij-python on Slurm: skipped: sinfo does not answer");
  await native;
  console.log(`\n=== psij-python parts took ${((Date.now() - pythonStarted) / 1000).toFixed(0)} s`);
}

console.log("\n=== summary");
if (pythonSkipped) console.log(`psij-python: skipped: ${pythonSkipped}`);
if (failedSteps && Object.keys(results).length === 0) {
  console.log(`checks: ${failedSteps} step(s) failed`);
}
let p = 0, f = 0, s = 0;
for (const [name, c] of Object.entries(results)) {
  for (const n of c.failures) console.log(`  ${name} FAILED: ${n}`);
  console.log(`${name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  p += c.passed, f += c.failed, s += c.skipped;
}
for (const [name, c] of Object.entries(sideBySide)) {
  for (const n of c.failures) console.log(`  ${name} (not counted) FAILED: ${n}`);
  console.log(
    `${name} (side by side, not counted): ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`,
  );
}
const checkFailures = failedSteps - Object.values(results).filter((c) => c.failed > 0).length;
if (checkFailures > 0) console.log(`checks: ${checkFailures} check step(s) failed (see above)`);
console.log(`total: ${p} passed, ${f} failed, ${s} skipped`);
process.exit(f > 0 || failedSteps > 0 ? 1 : 0);
