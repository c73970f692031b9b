import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as kit from "../../src/kit.ts";

const executorsDir = fileURLToPath(new URL("../../src/executors/", import.meta.url));

/** Every source file of the built-in batch executors (PBS and Slurm). */
function builtInBatchFiles(): string[] {
  const out: string[] = [];
  for (const name of ["pbs", "slurm"]) {
    out.push(`${name}.ts`);
    for (const f of readdirSync(executorsDir + name)) {
      if (f.endsWith(".ts")) out.push(`${name}/${f}`);
    }
  }
  return out;
}

describe("the executor kit (src/kit.ts)", () => {
  it("the built-in PBS and Slurm executors reach core, batch and launchers only through the kit", () => {
    const private_: string[] = [];
    for (const f of builtInBatchFiles()) {
      const text = readFileSync(executorsDir + f, "utf8");
      for (const m of text.matchAll(/from "((?:\.\.\/)+)(core|batch|launchers)\/([^"]+)"/g)) {
        // Registering the descriptor is the registry's, not an author's, business.
        if (m[2] === "core" && m[3] === "registry.ts") continue;
        private_.push(`${f}: ${m[0]}`);
      }
    }
    assert.deepEqual(private_, []);
  });

  it("renderMustache places quoted values verbatim: no HTML escaping", () => {
    const value = kit.shellWord(`it's <b>&"`);
    const text = kit.renderMustache("echo {{{v}}} {{w}}\n", { v: value, w: "a&b" });
    assert.equal(text, `echo 'it'\\''s <b>&"' a&b\n`);
  });

  it("offers the pieces the tutorial names", () => {
    for (
      const name of [
        "BatchExecutor",
        "ProcessRunner",
        "JobState",
        "isFinal",
        "InvalidJobException",
        "SubmitException",
        "commonScriptView",
        "directiveValue",
        "shellWord",
        "readOutcome",
        "exitCodeFileUpdate",
        "userCanceledUpdate",
        "COMPLETION_MARKER",
        "customOptions",
      ] as const
    ) assert.ok(kit[name] !== undefined, name);
  });
});
