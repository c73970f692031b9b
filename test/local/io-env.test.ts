import assert from "node:assert/strict";
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { JobState } from "../../src/core/index.ts";
import { runJob, SLOW, tempDir } from "./helpers.ts";

describe("local executor: stdio, environment, pre/post-launch", () => {
  let dir: ReturnType<typeof tempDir>;
  const read = (name: string) => readFileSync(join(dir.path, name), "utf8");
  before(() => {
    dir = tempDir();
  });
  after(() => dir.remove());

  for (const path of ["direct", "shell"] as const) {
    const shell = path === "shell" ? { preLaunch: "/dev/null" } : {};

    it(`scenario 7 (${path} path): stdoutPath holds exactly what the job wrote`, SLOW, async () => {
      const out = join(dir.path, `out-${path}.txt`);
      const { final } = await runJob({
        executable: "/bin/echo",
        arguments: ["-n", "_x_"],
        stdoutPath: out,
        ...shell,
      });
      assert.equal(final.state, JobState.COMPLETED);
      assert.equal(readFileSync(out, "utf8"), "_x_");
    });

    it(`scenario 7 (${path} path): stderrPath alike, relative to the directory`, SLOW, async () => {
      const { final } = await runJob({
        executable: "/bin/sh",
        arguments: ["-c", "printf _e_ >&2"],
        directory: dir.path,
        stderrPath: `err-${path}.txt`,
        ...shell,
      });
      assert.equal(final.state, JobState.COMPLETED);
      assert.equal(read(`err-${path}.txt`), "_e_");
    });

    it(`scenario 7 (${path} path): stdin through cat`, SLOW, async () => {
      writeFileSync(join(dir.path, "in.txt"), "line one\nline two\n");
      const { final } = await runJob({
        executable: "cat",
        directory: dir.path,
        stdinPath: "in.txt",
        stdoutPath: `cat-${path}.txt`,
        ...shell,
      });
      assert.equal(final.state, JobState.COMPLETED);
      assert.equal(read(`cat-${path}.txt`), "line one\nline two\n");
    });

    it(`stdout and stderr to one file interleave (${path} path)`, SLOW, async () => {
      const { final } = await runJob({
        executable: "/bin/sh",
        arguments: ["-c", "echo one; echo two >&2; echo three"],
        directory: dir.path,
        stdoutPath: `both-${path}.txt`,
        stderrPath: `both-${path}.txt`,
        ...shell,
      });
      assert.equal(final.state, JobState.COMPLETED);
      assert.equal(read(`both-${path}.txt`), "one\ntwo\nthree\n");
    });

    it(`scenario 8 (${path} path): environment numbers become strings`, SLOW, async () => {
      const { final } = await runJob({
        executable: "/bin/sh",
        arguments: ["-c", 'printf %s "$TEST_VAR$TEST_INT"'],
        environment: { TEST_INT: 1, TEST_VAR: "_y_" },
        stdoutPath: join(dir.path, `env-${path}.txt`),
        ...shell,
      });
      assert.equal(final.state, JobState.COMPLETED);
      assert.equal(read(`env-${path}.txt`), "_y_1");
    });
  }

  it("scenario 8: inheritEnvironment false hides the parent's variables", SLOW, async () => {
    process.env.PSIJ_LOCAL_TEST_PARENT = "visible";
    try {
      // $${ writes a literal ${ (arguments are expanded at submit)
      const script = 'printf "%s|%s" "$${PSIJ_LOCAL_TEST_PARENT-unset}" "$MINE"';
      const run = (inherit: boolean, name: string) =>
        runJob({
          executable: "/bin/sh",
          arguments: ["-c", script],
          inheritEnvironment: inherit,
          environment: { MINE: "mine" },
          stdoutPath: join(dir.path, name),
        });
      await run(true, "inherit.txt");
      await run(false, "clean.txt");
      assert.equal(read("inherit.txt"), "visible|mine");
      assert.equal(read("clean.txt"), "unset|mine");
    } finally {
      delete process.env.PSIJ_LOCAL_TEST_PARENT;
    }
  });

  it(
    "${VAR} in arguments and environment is expanded at submit; ~/ in directory",
    SLOW,
    async () => {
      const { final, job } = await runJob({
        executable: "/bin/sh",
        arguments: [
          "-c",
          'printf "%s %s" "$1" "$GREETING"; pwd > "$2"',
          "sh",
          "${GREETING}!",
          "${OUT}",
        ],
        environment: {
          GREETING: "hi ${USER_PART}",
          USER_PART: "there",
          OUT: join(dir.path, "pwd.txt"),
        },
        directory: "~/",
        stdoutPath: join(dir.path, "expand.txt"),
      });
      assert.equal(final.state, JobState.COMPLETED, final.message);
      // GREETING expands before USER_PART exists (entries see only those before them)
      assert.equal(read("expand.txt"), "hi ! hi ");
      const home = realpathSync(process.env.HOME ?? "/");
      assert.equal(realpathSync(read("pwd.txt").trim()), home);
      assert.equal(job.spec!.arguments![3], "${GREETING}!", "the user's spec is left as written");
    },
  );

  it("the job runs in its directory", SLOW, async () => {
    const { final } = await runJob({
      executable: "/bin/pwd",
      directory: dir.path,
      stdoutPath: "pwd-here.txt",
    });
    assert.equal(final.state, JobState.COMPLETED);
    assert.equal(realpathSync(read("pwd-here.txt").trim()), realpathSync(dir.path));
  });

  it(
    "scenario 21: an exported function defined in preLaunch is visible to the job",
    SLOW,
    async () => {
      writeFileSync(
        join(dir.path, "pre.sh"),
        'greet() { printf "from-pre:%s" "$1"; }\nexport -f greet\nexport PRE_VAR=set-by-pre\n',
      );
      writeFileSync(join(dir.path, "post.sh"), 'printf "%s" "$PRE_VAR" > post-ran.txt\n');
      const { final } = await runJob({
        executable: "bash",
        arguments: ["-c", 'greet "$PRE_VAR"'],
        directory: dir.path,
        preLaunch: "pre.sh",
        postLaunch: "post.sh",
        stdoutPath: "pre-out.txt",
      });
      assert.equal(final.state, JobState.COMPLETED, final.message);
      assert.equal(read("pre-out.txt"), "from-pre:set-by-pre");
      assert.equal(read("post-ran.txt"), "set-by-pre", "postLaunch is sourced in the same shell");
    },
  );

  it(
    "a relative preLaunch/postLaunch is the job directory's file, never one source finds in PATH",
    SLOW,
    async () => {
      const decoy = join(dir.path, "decoy");
      mkdirSync(decoy);
      writeFileSync(join(dir.path, "setup.sh"), "export FROM=job-directory\n");
      writeFileSync(join(decoy, "setup.sh"), "export FROM=PATH\n");
      const { final } = await runJob({
        executable: "/bin/sh",
        arguments: ["-c", 'printf %s "$FROM"'],
        directory: dir.path,
        environment: { PATH: `${decoy}:${process.env.PATH}` },
        preLaunch: "setup.sh",
        postLaunch: "setup.sh",
        stdoutPath: "from.txt",
      });
      assert.equal(final.state, JobState.COMPLETED, final.message);
      assert.equal(read("from.txt"), "job-directory");
    },
  );

  it(
    "a failing preLaunch fails the job with a message naming it, and the job does not run",
    SLOW,
    async () => {
      writeFileSync(join(dir.path, "bad-pre.sh"), "echo broken-setup >&2\nfalse\n");
      const { final } = await runJob({
        executable: "/bin/sh",
        arguments: ["-c", "touch ran.txt"],
        directory: dir.path,
        preLaunch: "bad-pre.sh",
      });
      assert.equal(final.state, JobState.FAILED);
      assert.match(final.message ?? "", /preLaunch bad-pre\.sh failed/);
      assert.match(final.message ?? "", /broken-setup/);
      assert.throws(() => read("ran.txt"));
    },
  );
});
