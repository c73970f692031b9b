import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  compareVersions,
  createExecutor,
  findExecutor,
  listExecutors,
  registerExecutor,
  satisfies,
  UnknownExecutorException,
} from "../../src/core/index.ts";
import { TestExecutor } from "./helpers.ts";

// Names unique to this file: the registry is process-wide.
const made: unknown[] = [];
for (const version of ["1.2.0", "2.0.0", "0.9.1"]) {
  registerExecutor<{ tag: string }>({
    name: "RegTestPbs",
    aliases: ["regtest-pbspro", "RegTest-Torque"],
    version,
    create: (config) => {
      made.push({ version, config });
      return new TestExecutor();
    },
  });
}
registerExecutor({ name: "regtest-local", version: "0.1", create: () => new TestExecutor() });

describe("executor registry", () => {
  it("scenario 24: names are case-insensitive and aliases work", () => {
    for (
      const n of ["RegTestPbs", "regtestpbs", "REGTESTPBS", "regtest-pbspro", "REGTEST-TORQUE"]
    ) {
      assert.equal(findExecutor(n).name, "RegTestPbs", n);
    }
  });

  it("scenario 24: an unknown name is an error listing every known name and alias", () => {
    assert.throws(() => findExecutor("nosuch"), (err: unknown) => {
      assert.ok(err instanceof UnknownExecutorException);
      assert.match(err.message, /unknown executor "nosuch"/);
      for (const n of ["RegTestPbs", "regtest-pbspro", "RegTest-Torque", "regtest-local"]) {
        assert.ok(err.message.includes(n), `${n} listed in: ${err.message}`);
      }
      return true;
    });
  });

  it("createExecutor passes the config to the newest matching version", () => {
    made.length = 0;
    const ex = createExecutor("regtest-pbspro", { tag: "x" });
    assert.ok(ex instanceof TestExecutor);
    assert.deepEqual(made, [{ version: "2.0.0", config: { tag: "x" } }]);
    createExecutor("regtestpbs", { tag: "y" }, "<2");
    assert.deepEqual(made[1], { version: "1.2.0", config: { tag: "y" } });
  });

  it("version constraints pick the newest satisfying version", () => {
    const v = (c?: string) => findExecutor("regtestpbs", c).version;
    assert.equal(v(), "2.0.0");
    assert.equal(v(">=1.0 <2"), "1.2.0");
    assert.equal(v(">=1.0, <2"), "1.2.0");
    assert.equal(v(">= 1.0 < 2"), "1.2.0");
    assert.equal(v("^1.0"), "1.2.0");
    assert.equal(v("~0.9"), "0.9.1");
    assert.equal(v("0.9.1"), "0.9.1");
    assert.equal(v("=1.2"), "1.2.0");
    assert.equal(v(">1.2"), "2.0.0");
    assert.equal(v("<=1.2.0"), "1.2.0");
  });

  it("an unsatisfiable constraint is an error listing the available versions", () => {
    assert.throws(() => findExecutor("regtestpbs", "^3"), (err: unknown) => {
      assert.ok(err instanceof UnknownExecutorException);
      assert.match(err.message, /no version matching "\^3".*2\.0\.0, 1\.2\.0, 0\.9\.1/);
      return true;
    });
    assert.throws(() => findExecutor("regtestpbs", ">=banana"), UnknownExecutorException);
  });

  it("lists each descriptor once, and registering the same version again adds nothing", () => {
    registerExecutor({ name: "RegTestPbs", version: "2.0.0", create: () => new TestExecutor() });
    const mine = listExecutors().filter((d) => d.name === "RegTestPbs");
    assert.deepEqual(mine.map((d) => d.version).sort(), ["0.9.1", "1.2.0", "2.0.0"]);
  });

  it("compareVersions and satisfies follow numeric order, not string order", () => {
    assert.ok(compareVersions("1.10.0", "1.9.9") > 0);
    assert.equal(compareVersions("v1.2", "1.2.0"), 0);
    assert.ok(satisfies("1.10.0", "^1.9"));
    assert.ok(!satisfies("2.0.0", "^1.9"));
    assert.ok(!satisfies("1.3.0", "~1.2"));
    assert.throws(() => compareVersions("1.x", "1"), UnknownExecutorException);
  });
});
