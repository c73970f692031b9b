import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { SLOW, WAIT_MS } from "./helpers.ts";

describe("examples/local-demo.ts", () => {
  it("prints every transition of /bin/echo hello, its output and exit code 0", SLOW, () => {
    const demo = new URL("../../examples/local-demo.ts", import.meta.url).pathname;
    const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
    const out = execFileSync(process.execPath, isBun ? [demo] : ["run", "-A", demo], {
      encoding: "utf8",
      timeout: WAIT_MS,
    });
    const states = [...out.matchAll(/ms {2}([A-Z_]+)/g)].map((m) => m[1]);
    assert.deepEqual(states, ["QUEUED", "STAGE_IN", "ACTIVE", "STAGE_OUT", "CLEANUP", "COMPLETED"]);
    assert.match(out, /^output:\nhello$/m);
    assert.match(out, /final state: COMPLETED, exit code: 0/);
  });
});
