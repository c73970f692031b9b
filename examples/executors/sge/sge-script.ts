/**
 * JobSpec → `#$` directives and the job script (sge.mustache beside this
 * file). qsub's directive reader drops quotes rather than honouring them
 * (`#$ -N a"b` names the job `ab`), so a value is kept only when every
 * character in it is one qsub takes literally; anything else is refused
 * naming the field, and job names are made safe instead.
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { JobSpec, Kit, RenderedScript } from "../../../src/kit.ts";

const TEMPLATE = readFileSync(new URL("./sge.mustache", import.meta.url), "utf8");
const SAFE = /^[A-Za-z0-9_.,:@%+=\/*-]+$/;

/** The parallel environment process counts go to (`-pe smp N`), unless configured. */
export const DEFAULT_PE = "smp";

export interface SgeScriptOptions {
  workDir: string;
  stamp: string;
  parallelEnvironment: string;
}

/** Grid Engine's own output file for a submission (the script's stray output). */
export function sgeOutputPath(workDir: string, stamp: string): string {
  return join(workDir, `${stamp}.sge.o`);
}

/** A job name qsub accepts: safe characters only, never a digit first. */
export function sgeJobName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, "_") || "job";
  return /^[0-9]/.test(safe) ? `j${safe}` : safe;
}

export function renderSgeScript(
  kit: Kit,
  spec: JobSpec,
  opts: SgeScriptOptions,
): RenderedScript<string> {
  const value = (v: string, field: string): string => {
    if (!SAFE.test(v)) {
      throw new kit.InvalidJobException(
        `${field}: ${JSON.stringify(v)} cannot be placed in a #$ directive (qsub drops quotes); ` +
          "use letters, digits and _ . , : @ % + = / * -",
        { field },
      );
    }
    return v;
  };
  const r = kit.resourcesOf(spec).computed();
  const a = spec.attributes ?? {};
  if (r.memory !== undefined) {
    throw new kit.InvalidJobException(
      "resources.memory: Grid Engine has no portable memory request; give the site's complex " +
        'as a custom attribute instead, e.g. "sge.l": "h_vmem=2G"',
      { field: "resources.memory" },
    );
  }
  const directives = [
    `-N ${sgeJobName(kit.jobName(spec))}`,
    "-S /bin/bash",
    "-cwd",
    // The script exports the spec's environment itself; PSI/J jobs inherit the submitter's.
    "-V",
    `-o ${value(sgeOutputPath(opts.workDir, opts.stamp), "workDir")}`,
    "-j y",
    `-l h_rt=${kit.formatHms(Math.ceil(kit.effectiveDuration(a)))}`,
  ];
  if (r.processCount > 1) {
    directives.push(
      `-pe ${value(opts.parallelEnvironment, "parallelEnvironment")} ${r.processCount}`,
    );
  }
  if (a.queueName) directives.push(`-q ${value(a.queueName, "attributes.queueName")}`);
  if (a.account) directives.push(`-A ${value(a.account, "attributes.account")}`);
  if (a.reservationId) directives.push(`-ar ${value(a.reservationId, "attributes.reservationId")}`);
  const rule = "a qsub option name (letters, digits and _)";
  for (const o of kit.customOptions(spec, "sge", /^[A-Za-z][A-Za-z0-9_]*$/, rule)) {
    directives.push(o.value === undefined ? `-${o.name}` : `-${o.name} ${value(o.value, o.field)}`);
  }
  const launcher = kit.getLauncher(spec.launcher, { checkAvailable: false });
  const { view } = kit.commonScriptView(spec, opts, launcher);
  return { text: kit.renderMustache(TEMPLATE, { ...view, directives }), directives };
}
