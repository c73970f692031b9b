/**
 * The commands a person types to make jobs (`run`, `submit`, `logs`), end to
 * end against a served agent: what they print, where the job runs, what it
 * gets from the caller, where its output goes.
 * @module
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { exited, runCli, startServe } from "./fixtures/cli.ts";

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
});
