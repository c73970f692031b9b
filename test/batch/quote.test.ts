import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { directiveValue, shellName, shellWord, shellWords } from "../../src/batch/quote.ts";
import { InvalidJobException } from "../../src/core/errors.ts";
import { shellSplit } from "../../simulator/commands/directives.ts";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 100);

/** What bash reads back from `printf '%s\0' <words>`. */
function bashWords(text: string): string[] {
  const r = spawnSync("bash", ["-c", `printf '%s\\0' ${text}`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\0").slice(0, -1);
}

describe("shellWord", () => {
  it("leaves plain words bare and quotes everything else", () => {
    assert.equal(shellWord("/bin/date"), "/bin/date");
    assert.equal(shellWord(""), "''");
    assert.equal(shellWord("a b"), "'a b'");
    assert.equal(shellWord("it's"), `'it'\\''s'`);
  });

  it("bash reads back exactly the value, whatever it holds (property)", () => {
    const value = fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !s.includes("\0"));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 4 }), (words) => {
        assert.deepEqual(bashWords(shellWords(words)), words);
      }),
      { numRuns: Math.min(RUNS, 60) },
    );
  });

  it("refuses a NUL (no shell word can hold one)", () => {
    assert.throws(() => shellWord("a\0b"), /NUL/);
  });
});

describe("directiveValue", () => {
  it("is read back as one token by a PBS-style directive tokenizer", () => {
    for (const v of ["plain", "a b", "it's", `"q"`, "$(x)", "`x`", "#PBS -q evil", "back\\"]) {
      assert.deepEqual(shellSplit(`-A ${directiveValue(v, "attributes.account")}`), ["-A", v]);
    }
  });

  it("refuses line breaks, naming the field", () => {
    for (const v of ["a\nb", "a\rb", "a\0b"]) {
      assert.throws(
        () => directiveValue(v, "attributes.queueName"),
        (e: unknown) => e instanceof InvalidJobException && e.field === "attributes.queueName",
      );
    }
  });
});

describe("shellName", () => {
  it("accepts variable names and refuses anything else", () => {
    assert.equal(shellName("A_1", "environment.A_1"), "A_1");
    assert.throws(() => shellName("1A", "environment.1A"), /environment\.1A/);
    assert.throws(() => shellName("A;rm", "environment.x"), InvalidJobException);
  });
});
