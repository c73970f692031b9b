/**
 * The `#SBATCH` directives of a user's own batch script (a spec's
 * `batchScript`): kept as written, checked, and merged with what the spec
 * itself asks for. The script's directives are the job's: the executor
 * generates a directive only for a spec field that is given (never a default
 * time limit or task count), and one the script also sets is left out.
 * @module
 */

import {
  checkOwnDirectives,
  dependencyValue,
  effectiveDuration,
  formatArrayRange,
  type JobSpec,
  lineError,
  parseArrayRange,
  resourcesOf,
  type ScriptDirective,
  scriptDirectives,
} from "../../kit.ts";
import {
  canonicalOption,
  customDirectives,
  type Directive,
  type DirectiveOptions,
  memoryPerNode,
  slurmJobName,
  slurmTime,
  STAMP_COMMENT_PREFIX,
} from "./directives.ts";
import { isSlurmJobId } from "./status.ts";

const SHORT_REFUSED: Record<string, string> = { a: "array", W: "wait", D: "chdir" };

/** Options a user's script cannot keep: what sbatch would do with them is not what is tracked. */
const REFUSED: Record<string, string> = {
  array: "a job array is psij-agent's array field (run --array), which tracks every " +
    "element; an --array in the script would run elements nobody follows",
  wait: "sbatch would not return until the job ends",
  "test-only": "sbatch would make no job",
  wrap: "the script is the job; --wrap would replace it",
  comment: "the job's comment carries psij-agent's stamp, which finds the job again after a " +
    "lost reply",
};

/** The long name of each option a directive sets (`-J x` → job-name, `--mem=4G` → mem). */
function optionNames(d: ScriptDirective): string[] {
  const out: string[] = [];
  for (const w of d.words) {
    const long = /^--([A-Za-z][A-Za-z0-9-]*)/.exec(w);
    const short = /^-([A-Za-z])/.exec(w);
    if (long) out.push(long[1].toLowerCase());
    else if (short) out.push(SHORT_REFUSED[short[1]] ?? canonicalOption(short[1]));
  }
  return out;
}

/** The script's directives, checked; each with the options it sets. */
function scriptOptions(text: string): Array<{ d: ScriptDirective; options: string[] }> {
  return scriptDirectives(text, "#SBATCH").map((d) => {
    const options = optionNames(d);
    for (const o of options) {
      if (Object.hasOwn(REFUSED, o)) {
        throw lineError(d.line, d.lines[0], `has --${o}, which is not supported: ${REFUSED[o]}`);
      }
    }
    return { d, options };
  });
}

/** The header of a batchScript job: the spec's given fields, then the script's own lines. */
export interface UserScriptHeader {
  /** Our generated directives and the user's custom attributes. */
  directives: Directive[];
  /** The script's own `#SBATCH` lines as written, after the prefix. */
  lines: string[];
  /** Whether the script chooses the working directory itself (-D / --chdir). */
  chdir: boolean;
}

export function userScriptHeader(spec: JobSpec, opts: DirectiveOptions): UserScriptHeader {
  checkOwnDirectives(spec.batchScript!, "#SBATCH", "slurm");

  const script = scriptOptions(spec.batchScript!);
  const custom = customDirectives(spec);
  const userSet = new Set([
    ...script.flatMap((s) => s.options.map(canonicalOption)),
    ...custom.map((d) => canonicalOption(d.option)),
  ]);
  const gen: Directive[] = [];
  const add = (option: string, value: string | undefined, field: string) => {
    if (!userSet.has(option)) gen.push({ option, value, field });
  };
  if (spec.name) add("job-name", slurmJobName(spec.name), "name");
  if (spec.resources !== undefined) {
    const r = resourcesOf(spec).computed();
    add("nodes", String(r.nodeCount), "resources.nodeCount");
    add("ntasks", String(r.processCount), "resources.processCount");
    add("ntasks-per-node", String(r.processesPerNode), "resources.processesPerNode");
    add("cpus-per-task", String(r.cpuCoresPerProcess), "resources.cpuCoresPerProcess");
    if (r.gpuCoresPerProcess > 0) {
      add("gpus-per-task", String(r.gpuCoresPerProcess), "resources.gpuCoresPerProcess");
    }
    if (r.memory !== undefined) {
      add("mem", memoryPerNode(r.memory, r.nodeCount), "resources.memory");
    }
    if (r.exclusiveNodeUse) add("exclusive", undefined, "resources.exclusiveNodeUse");
  }
  const a = spec.attributes ?? {};
  if (a.duration !== undefined) add("time", slurmTime(effectiveDuration(a)), "attributes.duration");
  if (a.queueName) add("partition", a.queueName, "attributes.queueName");
  if (a.account) add("account", a.account, "attributes.account");
  if (a.reservationId) add("reservation", a.reservationId, "attributes.reservationId");
  const depend = dependencyValue(spec, isSlurmJobId, "Slurm");
  if (depend) add("dependency", depend, "dependsOn");
  if (spec.hold) add("hold", undefined, "hold");
  // An array is the spec's (an --array in the script is refused above): one sbatch --array.
  if (spec.array !== undefined) {
    gen.push({
      option: "array",
      value: formatArrayRange(parseArrayRange(spec.array)),
      field: "array",
    });
  }
  gen.push({ option: "comment", value: `${STAMP_COMMENT_PREFIX}${opts.stamp}`, field: "stamp" });
  return {
    directives: [...gen, ...custom],
    lines: script.map((s) => s.d.lines[0].trimStart().slice("#SBATCH".length).trim()),
    chdir: userSet.has("chdir"),
  };
}
