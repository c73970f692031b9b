import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { cliArgv, exited, runCli, startServe } from "./fixtures/cli.ts";

const SLOW = { timeout: 60_000 };

describe("CLI against a served agent (local executor)", SLOW, () => {
  let home: string;
  let server: ChildProcess;
  const cli = (args: string[], input?: string) =>
    runCli([args[0], "--home", home, ...args.slice(1)], { input });

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "psij-cli-"));
    ({ child: server } = await startServe(
      ["--home", home, "--executor", "local"],
      join(home, "agent.sock"),
    ));
  });

  after(async () => {
    server.kill("SIGTERM");
    await exited(server);
    rmSync(home, { recursive: true, force: true });
  });

  it("serve makes a 0700 home and a 0600 socket", () => {
    assert.equal(statSync(home).mode & 0o777, 0o700);
    assert.equal(statSync(join(home, "agent.sock")).mode & 0o777, 0o600);
  });

  it("run --wait mirrors the job: FAILED exits 1 and shows the exit code", SLOW, async () => {
    const r = await cli(["run", "--wait", "--json", "--", "sh", "-c", "exit 3"]);
    assert.equal(r.code, 1, r.stderr);
    const job = JSON.parse(r.stdout);
    assert.equal(job.state, "FAILED");
    assert.equal(job.exitCode, 3);
  });

  it(
    "run --wait (human) ends with the tails of the job's stdout and stderr files",
    SLOW,
    async () => {
      const out = join(home, "tail.out"), err = join(home, "tail.err");
      const script = "for i in $(seq 1 30); do echo line$i; done; echo oops >&2";
      const r = await cli([
        "run",
        "--wait",
        "--stdout",
        out,
        "--stderr",
        err,
        "--",
        "sh",
        "-c",
        script,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`\\nstdout +${out}\\nstderr +${err}\\n`));
      const shown = r.stdout.split("\n").filter((l) => l.startsWith("  | "));
      assert.deepEqual(shown, [
        ...Array.from({ length: 10 }, (_, i) => `  | line${21 + i}`),
        "  | oops",
      ]);
      assert.match(r.stdout, new RegExp(`stdout \\(last 10 lines of ${out}\\)`));
      assert.match(r.stdout, new RegExp(`stderr \\(last 1 line of ${err}\\)`));
      const json = await cli(["run", "--wait", "--json", "--stdout", out, "--", "echo", "x"]);
      assert.equal(JSON.parse(json.stdout).state, "COMPLETED", "--json output stays one document");
    },
  );

  it("submit <file> then status shows spec and history; submit - reads stdin", SLOW, async () => {
    const file = join(home, "spec.json");
    writeFileSync(file, JSON.stringify({ version: 1, executable: "/bin/echo", arguments: ["x"] }));
    const sub = await cli(["submit", file, "--json"]);
    assert.equal(sub.code, 0, sub.stderr);
    const id = JSON.parse(sub.stdout).id;
    assert.equal((await cli(["wait", id])).code, 0);
    const st = await cli(["status", id, "--json"]);
    const job = JSON.parse(st.stdout);
    assert.deepEqual(job.spec.arguments, ["x"]);
    assert.equal(job.history.at(-1).state, "COMPLETED");
    const byNative = await cli(["wait", job.nativeId, "--json"]);
    assert.equal(JSON.parse(byNative.stdout).id, id, "wait accepts the native id");
    const human = await cli(["status", id]);
    assert.match(human.stdout, /state\s+COMPLETED \(exit 0\)/);
    const stdin = await cli(["submit", "-"], JSON.stringify({ executable: "/bin/true" }));
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.match(stdin.stdout, /^j\w+\s/);
  });

  it("wait --timeout exits 3 while the job runs; after cancel, wait exits 2", SLOW, async () => {
    const sub = await cli(["run", "--json", "--", "sleep", "30"]);
    const id = JSON.parse(sub.stdout).id;
    assert.equal((await cli(["wait", id, "--timeout", "0.3"])).code, 3);
    const c = await cli(["cancel", id]);
    assert.equal(c.code, 0, c.stderr);
    assert.equal((await cli(["wait", id])).code, 2);
  });

  it(
    "list filters by state; events prints the stored transitions; executors names local",
    SLOW,
    async () => {
      const list = await cli(["list", "--state", "COMPLETED", "--json"]);
      const jobs = JSON.parse(list.stdout);
      assert.ok(jobs.length >= 1);
      assert.ok(jobs.every((j: any) => j.state === "COMPLETED"));
      const table = await cli(["list"]);
      assert.match(table.stdout, /^ID\s+STATE\s+EXIT/);
      const events = await cli(["events", "--json"]);
      const lines = events.stdout.trim().split("\n").map((l) => JSON.parse(l));
      assert.ok(lines.some((e) => e.state === "QUEUED"));
      const ids = lines.map((e) => e.eventId);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
      const ex = await cli(["executors", "--json"]);
      assert.equal(JSON.parse(ex.stdout).executors[0].name, "local");
    },
  );

  it(
    "events --job prints that job's stored transitions and ends, though later events are another job's",
    SLOW,
    async () => {
      const first = lines0(await cli(["list", "--json"]))[0];
      // a newer job's events come after the first job's last one
      const later = await cli(["run", "--json", "--wait", "--", "/bin/true"]);
      assert.equal(later.code, 0, later.stderr);
      const r = await cli(["events", "--job", first.id, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
      assert.ok(events.length >= 2, r.stdout);
      assert.ok(events.every((e) => e.jobId === first.id));
      assert.equal(events[0].state, "QUEUED");
      const ids = events.map((e) => e.eventId);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    },
  );

  it("events --follow prints new transitions as they happen", SLOW, async () => {
    const [exe, ...args] = cliArgv([
      "events",
      "--home",
      home,
      "--follow",
      "--json",
      "--after",
      "0",
    ]);
    const child = spawn(exe, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    try {
      const sub = await cli(["run", "--json", "--", "true"]);
      const id = JSON.parse(sub.stdout).id;
      const seen = () =>
        out.split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.jobId === id);
      // A deadline, not a count of polls: a loaded machine may take seconds to show it.
      for (const end = Date.now() + 60_000; !seen().some((e) => e.state === "COMPLETED");) {
        if (Date.now() > end) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.deepEqual(seen().map((e) => e.state).at(-1), "COMPLETED");
      assert.equal(seen()[0].state, "QUEUED");
    } finally {
      child.kill("SIGTERM");
      await exited(child);
    }
  });

  it("bad command lines exit 64 and say why; unknown jobs exit 1", SLOW, async () => {
    const noExe = await cli(["run", "--"]);
    assert.equal(noExe.code, 64);
    assert.match(noExe.stderr, /expected an executable/);
    const flag = await cli(["status", "--bogus", "x"]);
    assert.equal(flag.code, 64);
    assert.match(flag.stderr, /bogus/);
    const missing = await cli(["status"]);
    assert.equal(missing.code, 64);
    const walltime = await cli(["run", "--walltime", "soon", "--", "true"]);
    assert.equal(walltime.code, 64);
    const unknown = await cli(["status", "nope"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /404: no job with id or native id "nope"/);
    const badSpec = await cli(
      ["submit", "-"],
      JSON.stringify({ version: 1, executable: "x", y: 1 }),
    );
    assert.equal(badSpec.code, 1);
    assert.match(badSpec.stderr, /\$\.y/);
  });

  it("prune forgets finished jobs; a bad age exits 64", SLOW, async () => {
    const bad = await cli(["prune", "--older-than", "soon"]);
    assert.equal(bad.code, 64);
    const r = await cli(["prune", "--older-than", "0s", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).pruned >= 1);
    const left = JSON.parse((await cli(["list", "--json"])).stdout);
    assert.ok(left.every((j: any) => !["COMPLETED", "FAILED", "CANCELED"].includes(j.state)));
  });

  it("--help for every command, and --version", SLOW, async () => {
    const top = await cli(["--help"]);
    assert.equal(top.code, 0);
    for (const cmd of ["serve", "submit", "run", "status", "wait", "cancel", "list", "events"]) {
      assert.match(top.stdout, new RegExp(`\\n  ${cmd}\\s`));
    }
    const run = await cli(["run", "--help"]);
    assert.match(run.stdout, /--walltime <time>/);
    const version = await cli(["--version"]);
    assert.match(version.stdout, /^psij-agent \d+\.\d+\.\d+/);
  });
});

describe("wait across an agent restart", SLOW, () => {
  it("rides out the restart and reports the job's final state", SLOW, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-cli-"));
    const socket = join(home, "agent.sock");
    const args = ["--home", home, "--executor", "local"];
    try {
      const first = await startServe(args, socket);
      const sub = await runCli(["run", "--home", home, "--json", "--", "sleep", "30"]);
      const id = JSON.parse(sub.stdout).id;
      const waiting = runCli(["wait", "--home", home, id, "--json"]);
      // Restart only once `wait` follows the job's event stream: its first request, made
      // while no agent answers, rightly ends it with 69 ("no agent answers").
      const client = new AgentClient({ socket });
      const deadline = Date.now() + 60_000;
      while ((await client.request("GET", "/v1/health")).body.sseClients < 1) {
        assert.ok(Date.now() < deadline, "wait did not open the event stream within 60 s");
        await new Promise((r) => setTimeout(r, 50));
      }
      first.child.kill("SIGTERM");
      await exited(first.child);
      const second = await startServe(args, socket);
      const r = await waiting;
      // A local job's processes belonged to the first agent: the second cannot follow them and
      // says so; what matters here is that `wait` got the final state through the restart.
      assert.equal(r.code, 1, r.stderr);
      const job = JSON.parse(r.stdout);
      assert.equal(job.state, "FAILED");
      assert.match(job.message, /attach to local-\d+-\d+ failed|not a local job|issued by process/);
      second.child.kill("SIGTERM");
      await exited(second.child);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("CLI without a running agent", SLOW, () => {
  it("status exits 69 saying no agent answers", SLOW, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-cli-"));
    try {
      const r = await runCli(["status", "x", "--home", home], { env: { PSIJ_AGENT_HOME: home } });
      assert.equal(r.code, 69);
      assert.match(r.stderr, /no agent answers/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("run starts an agent in the background, says so, and the job runs", SLOW, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-cli-"));
    try {
      const r = await runCli(["run", "--wait", "--home", home, "--", "true"], {
        env: { PSIJ_AGENT_EXECUTOR: "local", PSIJ_AGENT_HOME: home },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /started one in the background with executor local \(pid \d+/);
      const pid = JSON.parse(readFileSync(join(home, "agent.json"), "utf8")).pid;
      const stop = await runCli(["stop", "--home", home, "--json"]);
      assert.equal(stop.code, 0, stop.stderr);
      assert.deepEqual(JSON.parse(stop.stdout), { stopped: true, pid });
      assert.equal(existsSync(join(home, "agent.sock")), false, "socket removed on SIGTERM");
      const again = await runCli(["stop", "--home", home]);
      assert.equal(again.code, 0);
      assert.match(again.stdout, /no agent running/);
    } finally {
      // Whatever failed above, no background agent outlives the test.
      await runCli(["stop", "--home", home]);
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("two CLIs auto-starting at once end up with one agent, and both jobs run", SLOW, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-cli-"));
    const env = { PSIJ_AGENT_EXECUTOR: "local", PSIJ_AGENT_HOME: home };
    try {
      const [a, b] = await Promise.all([
        runCli(["run", "--wait", "--home", home, "--json", "--", "true"], { env }),
        runCli(["run", "--wait", "--home", home, "--json", "--", "true"], { env }),
      ]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const list = JSON.parse((await runCli(["list", "--home", home, "--json"])).stdout);
      assert.equal(list.length, 2);
      const pids = new Set(list.map((j: { nativeId: string }) => j.nativeId.split("-")[1]));
      assert.equal(pids.size, 1, "both jobs ran under the same agent");
    } finally {
      await runCli(["stop", "--home", home]);
      rmSync(home, { recursive: true, force: true });
    }
  });
});

function lines0(r: { stdout: string }): any[] {
  return JSON.parse(r.stdout);
}
