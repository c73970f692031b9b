import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidJobException,
  InvalidStateException,
  PsijError,
  SubmitException,
  UnknownExecutorException,
} from "../../src/core/index.ts";

describe("errors", () => {
  it("every error is a PsijError and an Error, named for its class", () => {
    const all = [
      new InvalidJobException("m"),
      new SubmitException("m"),
      new InvalidStateException("m"),
      new UnknownExecutorException("m"),
    ];
    for (const e of all) {
      assert.ok(e instanceof PsijError);
      assert.ok(e instanceof Error);
      assert.equal(e.name, e.constructor.name);
      assert.equal(e.message, "m");
    }
  });

  it("InvalidJobException carries the field and the cause", () => {
    const cause = new Error("root");
    const e = new InvalidJobException("resources.nodeCount: bad", {
      field: "resources.nodeCount",
      cause,
    });
    assert.equal(e.field, "resources.nodeCount");
    assert.equal(e.cause, cause);
    assert.equal(new InvalidJobException("x").field, undefined);
  });

  it("SubmitException: transient defaults to false and carries the command output", () => {
    assert.equal(new SubmitException("refused").transient, false);
    const output = { exitCode: 15, stdout: "", stderr: "qsub: connection refused" };
    const e = new SubmitException("qsub failed", { transient: true, output });
    assert.equal(e.transient, true);
    assert.deepEqual(e.output, output);
  });
});
