/**
 * The commands the documentation tells a person to type must work after
 * `npm ci` alone: Bun and Deno are devDependencies, so they are not on PATH
 * outside npm scripts; a page says `npx bun ...` / `npx deno ...`.
 * @module
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Files a person reads for commands: the README, docs/, and the usage headers of examples/ and bench/. */
function pages(): string[] {
  const inDir = (dir: string, ext: string) =>
    readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(ext)).map((f) => join(dir, f));
  return [
    "README.md",
    ...inDir("docs", ".md"),
    ...inDir("examples", ".ts"),
    ...inDir("bench", ".ts"),
  ];
}

// `bun <path|run|test>` or `deno run|test|check` as a command: at a line's start (after `#`/`*`
// comment marks, a `$ ` prompt, `Usage:` or VAR=value assignments), after a backtick, `(`, `&&`
// or `;`.
const BARE =
  /(?:^[\s#*$]*(?:Usage:\s*)?(?:[A-Z_]+=\S*\s+)*|`|\(|&&\s*|;\s*)((?:bun|deno) (?:run|test|check|[\w./-]+\.ts)\b)/;

function bareRuntimeCommands(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split("\n")) {
    const m = BARE.exec(line);
    if (m) found.push(line.trim());
  }
  return found;
}

describe("documented commands", () => {
  it("the matcher finds a bare `bun`/`deno` command and passes `npx bun` and prose", () => {
    assert.deepEqual(bareRuntimeCommands("bun examples/local-demo.ts ls -l /"), [
      "bun examples/local-demo.ts ls -l /",
    ]);
    assert.equal(bareRuntimeCommands("runs unbuilt as `deno run -A src/main.ts ...`").length, 1);
    assert.equal(bareRuntimeCommands(" *   JOBS=2000 bun bench/pbs.ts").length, 1);
    assert.equal(bareRuntimeCommands("npm run slurm:up && bun bench/slurm.ts").length, 1);
    assert.equal(bareRuntimeCommands(" * Usage: bun bench/sim.ts [jobs]").length, 1);
    assert.deepEqual(bareRuntimeCommands("npx bun src/main.ts list"), []);
    assert.deepEqual(bareRuntimeCommands("`npx deno run -A src/main.ts`"), []);
    assert.deepEqual(bareRuntimeCommands("the same sources run under Bun and Deno"), []);
    assert.deepEqual(bareRuntimeCommands("npm run build   # bun build --compile → dist/"), []);
    assert.deepEqual(bareRuntimeCommands("`npm test -- --only bun test/core/`"), []);
  });

  it("no page tells a person to run bare `bun ...` or `deno ...` (not on PATH after npm ci)", () => {
    const offenders: string[] = [];
    for (const page of pages()) {
      for (const line of bareRuntimeCommands(readFileSync(join(ROOT, page), "utf8"))) {
        offenders.push(`${page}: ${line}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
