// docs/glossary.md settles one word per thing; the other pages keep to it:
// "scheduler", not PSI/J's "local resource manager" or its synonyms (the
// glossary and the tutorial, which follows PSI/J's, name them once to map them).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PAGES = [
  "README.md",
  ...readdirSync(`${ROOT}docs`).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
];
const MAPPING_PAGES = new Set(["docs/glossary.md", "docs/adding-an-executor.md"]);
const SYNONYMS = /\b(local resource manager|LRM|batch system|workload manager|resource manager)\b/i;

describe("docs/glossary.md", () => {
  it("defines the terms the tutorial asks about", () => {
    const text = readFileSync(`${ROOT}docs/glossary.md`, "utf8");
    for (
      const term of [
        "scheduler",
        "local resource manager",
        "allocation",
        "job",
        "executor",
        "launcher",
        "native id",
        "job id",
        "evidence",
        "descriptor",
        "executor kit",
      ]
    ) assert.match(text, new RegExp(`\\| \\*\\*${term}\\*\\*|\\(PSI/J: \\*${term}\\*`, "i"), term);
  });

  it("no other page calls the scheduler by PSI/J's synonyms", () => {
    const offenders: string[] = [];
    for (const page of PAGES.filter((p) => !MAPPING_PAGES.has(p))) {
      readFileSync(ROOT + page, "utf8").split("\n").forEach((line, i) => {
        if (SYNONYMS.test(line)) offenders.push(`${page}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(offenders, []);
  });
});
