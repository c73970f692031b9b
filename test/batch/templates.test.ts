import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  GENERATED_FILE,
  generateTemplatesModule,
  readTemplateFiles,
} from "../../src/batch/gen-templates.ts";
import { renderTemplate, templateNames } from "../../src/batch/render.ts";
import { TEMPLATES } from "../../src/batch/templates.generated.ts";

describe("templates.generated.ts", () => {
  // Templates added by other backends after the last regeneration are read
  // from disk by render.ts until the module is regenerated; those it holds
  // must match their files exactly.
  it("holds its templates byte for byte as in templates/ (regenerate: npx bun src/batch/gen-templates.ts)", () => {
    const files = readTemplateFiles();
    assert.ok("pbs" in TEMPLATES);
    for (const name of Object.keys(TEMPLATES)) {
      assert.equal(TEMPLATES[name], files[name], `templates/${name}.mustache differs`);
    }
  });

  it("is exactly what the generator writes", () => {
    const files = readTemplateFiles();
    const held = Object.fromEntries(Object.keys(TEMPLATES).sort().map((n) => [n, files[n]]));
    assert.equal(readFileSync(GENERATED_FILE, "utf8"), generateTemplatesModule(held));
  });
});

describe("renderTemplate", () => {
  it("places values without HTML escaping", () => {
    assert.ok(templateNames().includes("pbs"));
    const text = renderTemplate("pbs", {
      directives: ["-N a&b<c>'\""],
      launch: "echo '<&>'",
      marker: "M",
      stamp: "s",
      workDir: "/w",
      directory: ".",
      processCount: "1",
      cleanupFlags: "14",
    });
    assert.match(text, /^#PBS -N a&b<c>'"$/m);
    assert.match(text, /^echo '<&>'$/m);
  });

  it("names the known templates when asked for an unknown one", () => {
    assert.throws(() => renderTemplate("nope", {}), /no template "nope"; known: .*pbs/);
  });
});
