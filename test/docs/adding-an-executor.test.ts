// docs/adding-an-executor.md shows the worked example's real files: every
// code block that names a file is a contiguous run of that file's lines, and
// every line of every file of examples/executors/sge/ is shown somewhere.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PAGE = readFileSync(`${ROOT}docs/adding-an-executor.md`, "utf8");
const EXAMPLE = "examples/executors/sge/";

/** The page's code blocks that name a file: ```lang path. */
function namedBlocks(): Array<{ path: string; lines: string[] }> {
  return [...PAGE.matchAll(/^```\w+ (\S+)\n([\s\S]*?)\n```$/gm)].map((m) => ({
    path: m[1],
    lines: m[2].split("\n"),
  }));
}

function fileLines(path: string): string[] {
  const lines = readFileSync(ROOT + path, "utf8").split("\n");
  return lines.at(-1) === "" ? lines.slice(0, -1) : lines;
}

/** Where `part` sits in `whole` as consecutive lines, or -1. */
function indexOfRun(whole: string[], part: string[]): number {
  for (let i = 0; i + part.length <= whole.length; i++) {
    if (part.every((l, j) => whole[i + j] === l)) return i;
  }
  return -1;
}

describe("docs/adding-an-executor.md", () => {
  it("each code block naming a file is that file's text, line for line", () => {
    const blocks = namedBlocks();
    assert.ok(blocks.length >= 10, `only ${blocks.length} named blocks`);
    for (const b of blocks) {
      assert.ok(b.path.startsWith(EXAMPLE), `${b.path} is not a file of the worked example`);
      assert.notEqual(
        indexOfRun(fileLines(b.path), b.lines),
        -1,
        `a block of ${b.path} is not in the file`,
      );
    }
  });

  it("every line of every file of the worked example is on the page", () => {
    const blocks = namedBlocks();
    for (const f of readdirSync(ROOT + EXAMPLE).sort()) {
      const path = EXAMPLE + f;
      const lines = fileLines(path);
      const shown = new Array(lines.length).fill(false);
      for (const b of blocks.filter((x) => x.path === path)) {
        const at = indexOfRun(lines, b.lines);
        for (let i = 0; i < b.lines.length && at >= 0; i++) shown[at + i] = true;
      }
      const missing = lines.map((l, i) => ({ l, i })).filter(({ l, i }) =>
        !shown[i] && l.trim() !== ""
      );
      assert.deepEqual(missing.map(({ i, l }) => `${path}:${i + 1}: ${l}`), [], path);
    }
  });
});
