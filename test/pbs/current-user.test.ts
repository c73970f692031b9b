// The user list() and the stamp look-up ask qselect about: the process's own,
// under both runtimes, also without $USER (Bun's os.userInfo() then says
// "unknown", and `qselect -u unknown` finds none of the user's jobs).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CONFIG = fileURLToPath(new URL("../../src/executors/pbs/config.ts", import.meta.url));
const SIM = fileURLToPath(new URL("../../simulator/commands/context.ts", import.meta.url));
const g = globalThis as { Deno?: unknown };

function userInChild(env: Record<string, string>, sim = false): string {
  const code = sim
    ? `import { userOf } from ${JSON.stringify(SIM)}; console.log(userOf({}));`
    : `import { currentUser } from ${JSON.stringify(CONFIG)}; console.log(currentUser());`;
  const argv = g.Deno ? ["eval", code] : ["-e", code];
  const r = spawnSync(process.execPath, argv, { env, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe("currentUser", () => {
  const me = spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim();

  it("is the uid's name when $USER and $LOGNAME are unset", () => {
    assert.ok(me, "id -un answered");
    assert.equal(userInChild({ PATH: process.env.PATH ?? "/usr/bin:/bin" }), me);
  });

  it("is the uid's name when $USER is set", () => {
    assert.equal(userInChild({ PATH: process.env.PATH ?? "/usr/bin:/bin", USER: me }), me);
  });

  it("the simulator's qsub names the same user without $USER (as PBS names the uid's)", () => {
    assert.equal(userInChild({ PATH: process.env.PATH ?? "/usr/bin:/bin" }, true), me);
  });
});
