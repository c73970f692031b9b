/**
 * The commands a person types to make jobs (`run`, `submit`, `logs`), end to
 * end against a served agent: what they print, where the job runs, what it
 * gets from the caller, where its output goes.
 * @module
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChildProcess, spawn } from "node:child_process";
import { cliArgv, exited, runCli, startServe } from "./fixtures/cli.ts";

const SLOW = { timeout: 60_000 };

describe("run and submit against a served agent (local executor)", SLOW, () => {
  let home: string;
  let server: ChildProcess;
  const cli = (
    args: string[],
    options: { input?: string; env?: Record<string, string>; cwd?: string } = {},
  ) => runCli([args[0], "--home", home, ...args.slice(1)], options);
  /** Runs to the end and returns the job's stdout file's text. */
  const output = async (args: string[], file: string, options = {}) => {
    const r = await cli(args, options);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    return readFileSync(file, "utf8");
  };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "psij-cli-jobs-"));
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

  it("run -q / submit --parsable print the job id alone, so ID=$(...) works", SLOW, async () => {
    const r = await cli(["run", "-q", "/bin/true"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^j[0-9a-z]+\n$/);
    const id = r.stdout.trim();
    const st = await cli(["status", id, "--json"]);
    assert.equal(st.code, 0, st.stderr);
    assert.equal(JSON.parse(st.stdout).id, id);

    const file = join(home, "parsable.json");
    writeFileSync(file, JSON.stringify({ version: 1, executable: "/bin/true" }));
    const s = await cli(["submit", "--parsable", file]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /^j[0-9a-z]+\n$/);
    assert.notEqual(s.stdout, r.stdout);
  });

  it("run -q --wait prints the id alone and exits as the job did", SLOW, async () => {
    const r = await cli(["run", "-q", "--wait", "sh", "-c", "exit 3"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^j[0-9a-z]+\n$/);
    const job = JSON.parse((await cli(["status", r.stdout.trim(), "--json"])).stdout);
    assert.equal(job.state, "FAILED");
    assert.equal(job.exitCode, 3);
  });

  it("--parsable with --json is a bad command line; help says what each prints", SLOW, async () => {
    const both = await cli(["run", "-q", "--json", "true"]);
    assert.equal(both.code, 64);
    assert.match(both.stderr, /--parsable and --json/);
    for (const cmd of ["run", "submit"]) {
      const help = (await cli([cmd, "--help"])).stdout;
      assert.match(help, /-q, --parsable/);
      assert.ok(help.includes(`Prints "<id>  <state>  <native id>"`), help);
    }
  });

  it(
    "submit without a directory runs the job in the caller's directory, not the agent's",
    SLOW,
    async () => {
      // The agent was started from this test's directory; the caller is elsewhere.
      const caller = realpathSync(mkdtempSync(join(home, "caller-")));
      mkdirSync(join(caller, "sub"));
      const out = join(caller, "pwd.out");
      const spec = { version: 1, executable: "/bin/pwd", stdoutPath: out };
      writeFileSync(join(caller, "a.json"), JSON.stringify(spec));
      const where = await output(["submit", "--wait", "a.json"], out, { cwd: caller });
      assert.equal(where.trim(), caller);
      // A relative directory in the document is taken from the caller's directory too.
      writeFileSync(join(caller, "b.json"), JSON.stringify({ ...spec, directory: "sub" }));
      const sub = await output(["submit", "--wait", "b.json"], out, { cwd: caller });
      assert.equal(sub.trim(), join(caller, "sub"));
      const run = await output(["run", "--wait", "--stdout", out, "/bin/pwd"], out, {
        cwd: join(caller, "sub"),
      });
      assert.equal(run.trim(), join(caller, "sub"));
    },
  );

  it(
    "-V sends the caller's environment (values literal), leaving out PSIJ_*, PBS_* and session variables",
    SLOW,
    async () => {
      const out = join(home, "env.out");
      const env = {
        MY_VAR: "x ${HOME} $$y",
        PBS_JOBID: "99.caller-job",
        PSIJ_NODEFILE: "/caller/nodes",
        OLDPWD: "/caller/old",
      };
      // In a file: `${X-unset}` in an argument would be the agent's to expand.
      const script = join(home, "env.sh");
      writeFileSync(
        script,
        'printf "%s|%s|%s|%s\\n" "$MY_VAR" "${PBS_JOBID-unset}" "${PSIJ_NODEFILE-unset}" ' +
          '"${OLDPWD-unset}"\necho "$B"\n',
      );
      const sent = await output(
        ["run", "-V", "--wait", "--stdout", out, "--env", "B=${MY_VAR}!", "sh", script],
        out,
        { env },
      );
      const [vars, b] = sent.trim().split("\n");
      const [myVar, pbsJobId, nodefile, oldpwd] = vars.split("|");
      assert.equal(myVar, "x ${HOME} $$y", "the caller's value arrives unexpanded");
      assert.notEqual(pbsJobId, "99.caller-job", "the caller's own PBS_JOBID is not the job's");
      assert.notEqual(nodefile, "/caller/nodes");
      assert.notEqual(oldpwd, "/caller/old");
      assert.equal(b, "x ${HOME} $$y!", "--env comes after the caller's and sees them");

      const without = await output(
        ["run", "--wait", "--stdout", out, "sh", "-c", 'echo "$${MY_VAR-unset}"'],
        out,
        { env },
      );
      assert.equal(without.trim(), "unset", "without -V the caller's variables stay behind");

      const file = join(home, "env.json");
      const doc = {
        version: 1,
        executable: "/bin/sh",
        arguments: ["-c", 'echo "$MY_VAR|$OWN"'],
        environment: { OWN: "doc", MY_VAR: "from the document" },
        stdoutPath: out,
      };
      writeFileSync(file, JSON.stringify(doc));
      const submitted = await output(["submit", "-V", "--wait", file], out, {
        env: { ...env, OWN: "caller" },
      });
      assert.equal(submitted.trim(), "from the document|doc", "the document's own entries win");
    },
  );

  it(
    "run --wait with no --stdout/--stderr shows what the job printed, from files the agent keeps",
    SLOW,
    async () => {
      const r = await cli(["run", "--wait", "sh", "-c", "echo hello; echo oops >&2"]);
      assert.equal(r.code, 0, r.stderr);
      const shown = r.stdout.split("\n").filter((l) => l.startsWith("  | "));
      assert.deepEqual(shown, ["  | hello", "  | oops"]);
      const id = /^job +(\S+)/m.exec(r.stdout)![1];
      const job = JSON.parse((await cli(["status", id, "--json"])).stdout);
      assert.equal(job.spec.stdoutPath, join(home, "output", `${id}.out`));
      assert.equal(job.spec.stderrPath, join(home, "output", `${id}.err`));
      assert.equal(readFileSync(job.spec.stdoutPath, "utf8"), "hello\n");
    },
  );

  it(
    "logs <id> prints the job's stdout, --stderr its stderr; /dev/null is discarded",
    SLOW,
    async () => {
      const r = await cli(["run", "-q", "--wait", "sh", "-c", "printf 'a\\nb\\n'; echo e >&2"]);
      assert.equal(r.code, 0, r.stderr);
      const id = r.stdout.trim();
      const out = await cli(["logs", id]);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout, "a\nb\n");
      const err = await cli(["logs", "--stderr", id]);
      assert.equal(err.stdout, "e\n");
      const dn = await cli(["run", "-q", "--wait", "--stdout", "/dev/null", "echo", "x"]);
      const gone = await cli(["logs", dn.stdout.trim()]);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /discarded \(\/dev\/null\)/);
    },
  );

  it(
    "logs --follow prints what the job writes as it writes it, and ends with the job",
    SLOW,
    async () => {
      const flag = join(home, "follow.flag");
      const script = `echo first; while [ ! -e ${flag} ]; do sleep 0.05; done; echo second`;
      const r = await cli(["run", "-q", "sh", "-c", script]);
      assert.equal(r.code, 0, r.stderr);
      const [exe, ...args] = cliArgv(["logs", "--home", home, "--follow", r.stdout.trim()]);
      const child = spawn(exe, args, { stdio: ["ignore", "pipe", "pipe"] });
      let seen = "";
      child.stdout!.on("data", (d) => (seen += d));
      try {
        for (const end = Date.now() + 30_000; !seen.includes("first");) {
          assert.ok(Date.now() < end, `logs --follow did not print the first line: ${seen}`);
          await new Promise((res) => setTimeout(res, 25));
        }
        assert.equal(seen, "first\n", "nothing more before the job writes it");
        writeFileSync(flag, "");
        assert.equal(await exited(child), 0);
        assert.equal(seen, "first\nsecond\n");
      } finally {
        child.kill("SIGTERM");
      }
    },
  );

  it("wait shows the tail of a relative stdoutPath (from the job's directory)", SLOW, async () => {
    const caller = realpathSync(mkdtempSync(join(home, "rel-")));
    mkdirSync(join(caller, "sub"));
    const doc = {
      version: 1,
      executable: "/bin/echo",
      arguments: ["relative"],
      directory: "sub",
      stdoutPath: "rel.out",
    };
    writeFileSync(join(caller, "rel.json"), JSON.stringify(doc));
    const r = await cli(["submit", "--wait", "rel.json"], { cwd: caller });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(caller, "sub", "rel.out")));
    assert.match(
      r.stdout,
      new RegExp(`stdout \\(last 1 line of ${join(caller, "sub", "rel.out")}\\)\\n  \\| relative`),
    );
  });

  it("prune removes the output files the agent kept for the jobs it forgets", SLOW, async () => {
    const r = await cli(["run", "-q", "--wait", "echo", "pruned"]);
    const kept = join(home, "output", `${r.stdout.trim()}.out`);
    assert.equal(readFileSync(kept, "utf8"), "pruned\n");
    const p = await cli(["prune", "--older-than", "0s"]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(existsSync(kept), false);
  });
});
