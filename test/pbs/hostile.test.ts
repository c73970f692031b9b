import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { InvalidJobException } from "../../src/core/errors.ts";
import { type JobSpec, validateJobSpec } from "../../src/core/job-spec.ts";
import { pbsJobName } from "../../src/executors/pbs/directives.ts";
import { renderPbsScript } from "../../src/executors/pbs/script.ts";
import { COMPLETION_MARKER } from "../../src/batch/protocol.ts";
import { parsedDirectives } from "./helpers.ts";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 100);

/** Strings built to break out: quotes, line breaks, substitutions, directives, NUL, long, non-ASCII. */
const hostile = fc.oneof(
  fc.constantFrom(
    "'",
    '"',
    "a'b\"c",
    "x\n#PBS -q evil",
    "\n#PBS -l select=99",
    "$(touch /tmp/psij-pwned)",
    "`touch /tmp/psij-pwned`",
    "${HOME}",
    "#PBS -q evil",
    "a\\",
    "\\'",
    "a\0b",
    "x".repeat(5000),
    "日本語 ünïcödé 🎉",
    "; rm -rf ~ ;",
    "a\r\nb",
    "-N evil",
    "   ",
  ),
  fc.string({ unit: "binary", maxLength: 60 }),
);

const WORK = "/w";
const STAMP = "stamp-1";
const BASE: JobSpec = { executable: "/bin/date" };

type Field = {
  name: string;
  set: (v: string) => JobSpec;
  /** The directive the value lands in, if any: [flag, value as PBS must read it]. */
  directive?: (v: string) => string[];
  /** Directives of the baseline that this field replaces. */
  replaces?: (d: string[]) => boolean;
};

const FIELDS: Field[] = [
  {
    name: "name",
    set: (v) => ({ ...BASE, name: v }),
    directive: (v) => ["-N", pbsJobName(v)],
    replaces: (d) => d[0] === "-N",
  },
  {
    name: "executable",
    set: (v) => ({ executable: v }),
    directive: (v) => ["-N", pbsJobName(v.split("/").filter(Boolean).pop() ?? "job")],
    replaces: (d) => d[0] === "-N",
  },
  { name: "arguments", set: (v) => ({ ...BASE, arguments: [v, "x"] }) },
  { name: "directory", set: (v) => ({ ...BASE, directory: v }) },
  { name: "environment", set: (v) => ({ ...BASE, environment: { HOSTILE: v } }) },
  { name: "stdinPath", set: (v) => ({ ...BASE, stdinPath: v }) },
  { name: "stdoutPath", set: (v) => ({ ...BASE, stdoutPath: v }) },
  { name: "stderrPath", set: (v) => ({ ...BASE, stderrPath: v }) },
  { name: "preLaunch", set: (v) => ({ ...BASE, preLaunch: v }) },
  { name: "postLaunch", set: (v) => ({ ...BASE, postLaunch: v }) },
  { name: "stageIn", set: (v) => ({ ...BASE, stageIn: [{ source: v, target: v }] }) },
  { name: "stageOut", set: (v) => ({ ...BASE, stageOut: [{ source: v, target: v }] }) },
  { name: "cleanup", set: (v) => ({ ...BASE, cleanup: [v] }) },
  {
    name: "attributes.account",
    set: (v) => ({ ...BASE, attributes: { account: v } }),
    directive: (v) => ["-A", v],
  },
  {
    name: "attributes.queueName",
    set: (v) => ({ ...BASE, attributes: { queueName: v } }),
    directive: (v) => ["-q", v],
  },
  {
    name: "attributes.reservationId",
    set: (v) => ({ ...BASE, attributes: { reservationId: v } }),
    directive: (v) => ["-q", v],
  },
  {
    name: "attributes.customAttributes",
    set: (v) => ({ ...BASE, attributes: { customAttributes: { "pbs.W": v } } }),
    // an empty value is the bare option
    directive: (v) => (v === "" ? ["-W"] : ["-W", v]),
  },
];

const baseline = parsedDirectives(renderPbsScript(BASE, { workDir: WORK, stamp: STAMP }).text);

/** Renders the spec as the executor would, or says which field was refused. */
function renderOrRefuse(spec: JobSpec): string | InvalidJobException {
  try {
    validateJobSpec(spec);
    return renderPbsScript(spec, { workDir: WORK, stamp: STAMP }).text;
  } catch (e) {
    if (e instanceof InvalidJobException) return e;
    throw e;
  }
}

describe("scenario 14: hostile values change nothing but the value they sit in", () => {
  for (const field of FIELDS) {
    it(`${field.name}: PBS's directive parser sees exactly the intended directives (property)`, () => {
      fc.assert(
        fc.property(hostile, (v) => {
          const out = renderOrRefuse(field.set(v));
          if (out instanceof InvalidJobException) {
            // Refused with a clear error naming a field: nothing was submitted.
            assert.ok(out.field, `refusal of ${JSON.stringify(v)} names no field`);
            return;
          }
          const got = parsedDirectives(out);
          let expected = baseline.filter((d) => !field.replaces?.(d));
          if (field.directive) {
            const d = field.directive(v);
            expected = field.replaces
              ? [...baseline.map((b) => (field.replaces!(b) ? d : b))]
              : [...expected.slice(0, 4), d, ...expected.slice(4)];
          }
          if (field.name === "attributes.customAttributes") {
            expected = [...baseline, field.directive!(v)];
          }
          assert.deepEqual(got, expected);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe("scenario 14: hostile values reach the job intact when the script runs", () => {
  it(
    "arguments and environment values arrive byte for byte (bash runs the rendered script, property)",
    {
      timeout: 60000,
    },
    () => {
      const dir = mkdtempSync(join(tmpdir(), "psij-hostile-"));
      const value = hostile.filter((v) => !v.includes("\0"));
      let n = 0;
      fc.assert(
        fc.property(value, value, (arg, env) => {
          const id = `${++n}.sim`;
          const out = join(dir, `${n}.args`);
          const spec: JobSpec = {
            executable: "/bin/bash",
            arguments: [
              "-c",
              'printf "%s\\0" "$@" >"$OUT"; printf "%s" "$HOSTILE" >"$OUT.env"',
              "_",
              arg,
            ],
            environment: { HOSTILE: env, OUT: out },
            directory: dir,
          };
          const script = renderPbsScript(spec, { workDir: dir, stamp: `s${n}` }).text;
          const r = spawnSync("bash", ["-s"], {
            input: script,
            env: { PATH: process.env.PATH, HOME: dir, PBS_JOBID: id },
            encoding: "utf8",
          });
          assert.equal(r.status, 0, readFileSync(join(dir, `${id}.out`), "utf8"));
          assert.deepEqual(readFileSync(out, "utf8").split("\0").slice(0, -1), [arg]);
          assert.equal(readFileSync(`${out}.env`, "utf8"), env);
          assert.equal(readFileSync(join(dir, `${id}.ec`), "utf8"), "0\n");
          assert.ok(
            readFileSync(join(dir, `${id}.out`), "utf8").trimEnd().endsWith(COMPLETION_MARKER),
          );
        }),
        { numRuns: Math.min(RUNS, 40) },
      );
    },
  );
});
