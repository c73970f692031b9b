import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  COMPLETION_MARKER,
  failureMessage,
  jobFiles,
  readOutcome,
  removeJobFiles,
} from "../../src/batch/protocol.ts";

describe("exit-code / output file protocol", () => {
  const dir = mkdtempSync(join(tmpdir(), "psij-protocol-"));

  it("reads the exit code and sees the completion marker", () => {
    writeFileSync(join(dir, "1.srv.ec"), "3\n");
    writeFileSync(join(dir, "1.srv.out"), `some output\n${COMPLETION_MARKER}\n`);
    assert.deepEqual(readOutcome(dir, "1.srv"), {
      exitCode: 3,
      markerSeen: true,
      output: "some output",
    });
  });

  it("without the marker the output becomes the failure message", () => {
    writeFileSync(join(dir, "2.srv.ec"), "1\n");
    writeFileSync(join(dir, "2.srv.out"), "cp: cannot stat 'missing': No such file\n");
    const o = readOutcome(dir, "2.srv");
    assert.equal(o.markerSeen, false);
    assert.equal(failureMessage(o), "cp: cannot stat 'missing': No such file");
  });

  it("a missing or garbled file is simply not seen", () => {
    assert.deepEqual(readOutcome(dir, "3.srv"), { exitCode: undefined, markerSeen: false });
    writeFileSync(join(dir, "4.srv.ec"), "");
    assert.equal(readOutcome(dir, "4.srv").exitCode, undefined);
  });

  it("keeps only the tail of a huge output", () => {
    writeFileSync(join(dir, "5.srv.out"), "a".repeat(10000) + "END");
    const o = readOutcome(dir, "5.srv");
    assert.ok(o.output!.length < 4100);
    assert.ok(o.output!.endsWith("END"));
  });

  it("removes a job's files and tolerates missing ones", () => {
    const f = jobFiles(dir, "stamp", "1.srv");
    writeFileSync(f.script, "#!/bin/bash\n");
    removeJobFiles([f.script, f.exitCode, f.output, join(dir, "nothing-here")]);
    assert.equal(existsSync(f.script) || existsSync(f.exitCode) || existsSync(f.output), false);
  });
});
