import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { JobState, ResourceSpecV1 } from "../../src/core/index.ts";
import {
  findOnPath,
  getLauncher,
  nodefileText,
  shellQuote,
  shellWords,
} from "../../src/launchers/index.ts";
import { runJob, SLOW, tempDir } from "./helpers.ts";

const HOSTILE = [
  "",
  "plain",
  "it's",
  'say "hi"',
  "$(touch pwned)",
  "`touch pwned`",
  "a\nb",
  "tab\there",
  "${HOME}",
  "semi;colon && echo x | y > z",
  "*",
  "-n",
  "#PBS -q evil",
  "back\\slash",
];

describe("launchers", () => {
  let dir: ReturnType<typeof tempDir>;
  before(() => {
    dir = tempDir();
  });
  after(() => dir.remove());

  it("shellQuote: bash reads every string back unchanged", () => {
    const echo = (words: string[]) =>
      execFileSync("bash", ["-c", `printf '%s\\0' ${shellWords(words)}`], { encoding: "utf8" });
    assert.equal(echo(HOSTILE), HOSTILE.map((w) => `${w}\0`).join(""));
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "grapheme", minLength: 0 }).filter((s) => !s.includes("\0")), {
          minLength: 1,
          maxLength: 5,
        }),
        (words) => {
          assert.equal(echo(words), words.map((w) => `${w}\0`).join(""));
        },
      ),
      { numRuns: 30 },
    );
  });

  it("shellQuote leaves simple words bare and quotes the rest", () => {
    assert.equal(shellQuote("/bin/echo"), "/bin/echo");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote(""), "''");
  });

  it("nodefileText: one line per process, hosts in order", () => {
    assert.equal(nodefileText(["a", "b"], 2), "a\na\nb\nb\n");
  });

  it("the launch snippet exports a nodefile given as a bash word", () => {
    const text = getLauncher("single").script({
      executable: "/bin/true",
      arguments: [],
      resources: new ResourceSpecV1().computed(),
      nodefile: '"$PBS_NODEFILE"',
    });
    assert.match(text, /^export PSIJ_NODEFILE="\$PBS_NODEFILE"$/m);
  });

  it("launcher names: case-insensitive; an unknown one lists the known ones", () => {
    assert.equal(getLauncher("MULTIPLE").name, "multiple");
    assert.equal(getLauncher(undefined).name, "single");
    assert.throws(() => getLauncher("srun"), /known launchers: single, multiple, mpirun/);
  });

  for (const launcher of ["single", "multiple"]) {
    it(`hostile arguments reach the program unchanged (${launcher})`, SLOW, async () => {
      const out = join(dir.path, `args-${launcher}.txt`);
      const args = HOSTILE.filter((a) => !a.includes("${")); // ${...} is expansion syntax
      const { final } = await runJob({
        executable: "/usr/bin/printf",
        arguments: ["%s\\0", ...args],
        launcher,
        directory: dir.path,
        stdoutPath: out,
      });
      assert.equal(final.state, JobState.COMPLETED, final.message);
      assert.equal(readFileSync(out, "utf8"), args.map((a) => `${a}\0`).join(""));
      assert.throws(() => readFileSync(join(dir.path, "pwned")), "no command ran");
    });
  }

  it(
    "scenario 13: 2 nodes × 2 processes per node → 4 ranks; PSIJ_NODEFILE has 4 lines",
    SLOW,
    async () => {
      const out = join(dir.path, "ranks.txt");
      const { final } = await runJob({
        executable: "/bin/sh",
        arguments: [
          "-c",
          'echo "$PSIJ_PROCESS_INDEX $_PSI_J_PROCESS_INDEX_ $PSIJ_PROCESS_COUNT $(wc -l < "$PSIJ_NODEFILE") $(sort -u "$PSIJ_NODEFILE")"',
        ],
        launcher: "multiple",
        resources: { nodeCount: 2, processesPerNode: 2 },
        stdoutPath: out,
      });
      assert.equal(final.state, JobState.COMPLETED, final.message);
      const lines = readFileSync(out, "utf8").trim().split("\n").sort();
      assert.deepEqual(lines, [0, 1, 2, 3].map((i) => `${i} ${i + 1} 4 4 ${hostname()}`));
    },
  );

  it("multiple: the first non-zero status of the copies is the job's", SLOW, async () => {
    const { final } = await runJob({
      executable: "/bin/sh",
      arguments: ["-c", '[ "$PSIJ_PROCESS_INDEX" = 1 ] && exit 5; exit 0'],
      launcher: "multiple",
      resources: { processCount: 3 },
    });
    assert.equal(final.state, JobState.FAILED);
    assert.equal(final.exitCode, 5);
  });

  it("scenario 13: the single launcher runs once, with a one-line nodefile", SLOW, async () => {
    const out = join(dir.path, "single.txt");
    const { final } = await runJob({
      executable: "/bin/sh",
      arguments: ["-c", 'wc -l < "$PSIJ_NODEFILE"'],
      stdoutPath: out,
    });
    assert.equal(final.state, JobState.COMPLETED);
    assert.equal(readFileSync(out, "utf8").trim(), "1");
  });

  const mpirun = findOnPath("mpirun");
  it(
    "scenario 13 (mpirun): 2 nodes × 2 ppn → 4 ranks",
    mpirun ? SLOW : { skip: "no mpirun on PATH" },
    async () => {
      const out = join(dir.path, "mpi.txt");
      const { final } = await runJob({
        executable: "/bin/hostname",
        launcher: "mpirun",
        resources: { nodeCount: 2, processesPerNode: 2 },
        stdoutPath: out,
      });
      assert.equal(final.state, JobState.COMPLETED, final.message);
      assert.equal(readFileSync(out, "utf8").trim().split("\n").length, 4);
    },
  );

  it("mpirun without an mpirun on PATH is refused at submit, saying why", {
    skip: mpirun ? "an mpirun is on PATH" : undefined,
  }, () => {
    assert.throws(() => getLauncher("mpirun"), /"mpirun" cannot run here: no mpirun on PATH/);
  });

  it("a batch executor can render mpirun for a compute node without checking this machine", () => {
    const text = getLauncher("mpirun", { checkAvailable: false }).script({
      executable: "/bin/hostname",
      arguments: [],
      resources: new ResourceSpecV1({ nodeCount: 2, processesPerNode: 2 }).computed(),
    });
    assert.match(text, /^mpirun -n 4 \/bin\/hostname$/m);
  });
});
