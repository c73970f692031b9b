import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  expandEnvironment,
  expandHome,
  expandSpec,
  expandString,
  InvalidJobException,
  type JobSpec,
} from "../../src/core/index.ts";

const env = { HOME: "/home/u", X: "1", EMPTY: "" };

describe("expandString", () => {
  const cases: Array<[string, string, string]> = [
    ["braced variable", "${HOME}/bin", "/home/u/bin"],
    ["several, adjacent", "${X}${X}-${HOME}", "11-/home/u"],
    ["unknown variable is empty", "a${NOPE}b", "ab"],
    ["empty variable", "a${EMPTY}b", "ab"],
    ["$NAME is not expanded", "$HOME/$X", "$HOME/$X"],
    ["lone $ is literal", "cost: 5$ and $", "cost: 5$ and $"],
    ["$$ without a brace is literal", "pid $$", "pid $$"],
    ["$( ) is literal", "$(id)", "$(id)"],
    ["$${NAME} writes a literal ${NAME}", "$${HOME}", "${HOME}"],
    ["$$${NAME} writes $ then the value", "$$${X}", "$1"],
    ["$$$${NAME} writes $${NAME}", "$$$${X}", "$${X}"],
    ["$${ with anything after is literal", "$${A:-b}", "${A:-b}"],
    ["a brace without $ is literal", "{X} }", "{X} }"],
    ["underscores and digits in names", "${_A1}", ""],
    ["no $ at all", "plain", "plain"],
  ];
  for (const [what, input, output] of cases) {
    it(`${what}: ${JSON.stringify(input)} → ${JSON.stringify(output)}`, () => {
      assert.equal(expandString(input, env), output);
    });
  }

  it("a value is not expanded twice (the result of an expansion is not rescanned)", () => {
    assert.equal(expandString("${A}", { A: "${X}", X: "1" }), "${X}");
  });

  it("unsupported Bash forms and unclosed braces are errors naming the field", () => {
    for (const bad of ["${A:-x}", "${1}", "${HOME", "${}", "a ${A B}", "$$${1}"]) {
      assert.throws(() => expandString(bad, env, "arguments[2]"), (err: unknown) => {
        assert.ok(err instanceof InvalidJobException, bad);
        assert.equal(err.field, "arguments[2]");
        assert.match(err.message, /^arguments\[2\]: .* is not a supported expansion/);
        return true;
      });
    }
  });
});

describe("expandHome", () => {
  it("~ and ~/ become the home directory; other paths are unchanged", () => {
    assert.equal(expandHome("~", "/home/u"), "/home/u");
    assert.equal(expandHome("~/work", "/home/u"), "/home/u/work");
    assert.equal(expandHome("~/work", "/home/u/"), "/home/u/work");
    assert.equal(expandHome("~/", "/"), "/");
    assert.equal(expandHome("~other/x", "/home/u"), "~other/x");
    assert.equal(expandHome("/abs/~/x", "/home/u"), "/abs/~/x");
    assert.equal(expandHome("rel", "/home/u"), "rel");
  });
});

describe("expandSpec", () => {
  const processEnv = { PATH: "/usr/bin", HOME: "/home/u", USER: "u" };

  it("environment values see earlier entries and the inherited environment", () => {
    const spec: JobSpec = {
      environment: { PATH: "/opt/bin:${PATH}", A: "${USER}-a", B: "${A}/${C}", C: "c", N: 7 },
    };
    assert.deepEqual(expandEnvironment(spec, processEnv), {
      PATH: "/opt/bin:/usr/bin",
      A: "u-a",
      B: "u-a/", // C comes later and is not inherited
      C: "c",
      N: "7",
    });
  });

  it("without inheritEnvironment, only the spec's own entries are visible", () => {
    const spec: JobSpec = { inheritEnvironment: false, environment: { P: "${PATH}", Q: "${P}x" } };
    assert.deepEqual(expandEnvironment(spec, processEnv), { P: "", Q: "x" });
  });

  it("arguments see the job's whole environment; directory gets ~ expanded", () => {
    const spec: JobSpec = {
      executable: "/bin/echo",
      arguments: ["${V}", "${HOME}", "$${V}", "$V"],
      environment: { V: "${USER}!" },
      directory: "~/jobs",
    };
    const out = expandSpec(spec, processEnv, "/home/u");
    assert.deepEqual(out.arguments, ["u!", "/home/u", "${V}", "$V"]);
    assert.deepEqual(out.environment, { V: "u!" });
    assert.equal(out.directory, "/home/u/jobs");
    assert.equal(out.executable, "/bin/echo");
  });

  it("arguments of a job that does not inherit see only its own environment", () => {
    const spec: JobSpec = {
      inheritEnvironment: false,
      arguments: ["${HOME}", "${V}"],
      environment: { V: "v" },
    };
    assert.deepEqual(expandSpec(spec, processEnv, "/h").arguments, ["", "v"]);
  });

  it("the given spec is not changed, and absent fields stay absent", () => {
    const spec: JobSpec = { arguments: ["${HOME}"], environment: { A: 1 }, directory: "~" };
    const copy = structuredClone(spec);
    expandSpec(spec, processEnv, "/home/u");
    assert.deepEqual(spec, copy);
    const bare = expandSpec({ executable: "x" }, processEnv, "/h");
    assert.deepEqual(bare, { executable: "x" });
  });

  it("errors name the field that holds the bad expansion", () => {
    for (
      const [spec, field] of [
        [{ arguments: ["ok", "${A:-x}"] }, "arguments[1]"],
        [{ environment: { GOOD: "1", BAD: "${" } }, "environment.BAD"],
      ] as Array<[JobSpec, string]>
    ) {
      assert.throws(
        () => expandSpec(spec, processEnv, "/h"),
        (e: unknown) => e instanceof InvalidJobException && e.field === field,
      );
    }
  });
});
