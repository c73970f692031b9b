/**
 * What the default reporter writes when a status callback throws: the
 * error's message and a few stack frames, as text. Logging the Error object
 * let Bun render the source lines around the throw — in the compiled agent a
 * screenful of minified code in agent.log for every failed store write.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { selfCommand } from "../../src/agent/http/serve.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/throwing-callback.ts", import.meta.url));

describe("a throwing status callback", () => {
  it("is reported as its message and at most five stack frames, with no source code", () => {
    const [exe, ...args] = selfCommand(FIXTURE);
    const r = spawnSync(exe, args, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    assert.equal(r.status, 0, r.stderr);
    const reports = r.stderr.split(/^(?=psij: )/m).filter((s) => s.trim() !== "");
    assert.ok(reports.length > 0, `nothing reported:\n${r.stderr}`);
    for (const report of reports) {
      const [head, ...rest] = report.trimEnd().split("\n");
      assert.match(head, /^psij: a status callback for job \S+ threw: Error: the callback broke$/);
      assert.ok(rest.length <= 5, `at most five frames:\n${report}`);
      for (const line of rest) assert.match(line, /^ {4}at /, `only stack frames:\n${report}`);
    }
  });
});
