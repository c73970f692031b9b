/**
 * The `#PBS` directives of a user's own batch script (a spec's
 * `batchScript`), read as qsub reads them, checked, and merged with what the
 * spec itself asks for. The script's directives are the job's: the executor
 * generates a directive only for a spec field that is given (never a default
 * walltime or select), and a script's option wins over the spec's.
 * @module
 */

import {
  checkOwnDirectives,
  dependencyValue,
  effectiveDuration,
  formatArrayRange,
  formatHms,
  InvalidJobException,
  type JobSpec,
  lineError,
  parseArrayRange,
  resourcesOf,
  scriptDirectives,
} from "../../kit.ts";
import {
  checkSupported,
  customDirectives,
  type Directive,
  type DirectiveOptions,
  getoptLetters,
  pbsJobName,
  placeValue,
  QSUB_GETOPT,
  reservationQueue,
  resourceNames,
  selectValue,
} from "./directives.ts";
import { isPbsJobId } from "./parse/index.ts";

/**
 * Options a user's script cannot keep, beyond those refused for custom
 * attributes (-z, -I, -X, -W block=true): -J makes subjobs this submission
 * does not follow, and -S would run psij-agent's bash wrapper with another shell.
 */
const SCRIPT_REFUSED: Record<string, string> = {
  J: "a job array is psij-agent's array field (run --array), which tracks every element; " +
    "a -J in the script would run subjobs nobody follows",
  S: "the job's shell runs psij-agent's wrapper, which needs bash; put the interpreter on " +
    "the script's #! line instead",
};

function takesValue(letter: string): boolean {
  const at = QSUB_GETOPT.indexOf(letter);
  return at >= 0 && QSUB_GETOPT[at + 1] === ":";
}

/** Each option of the script's `#PBS` lines, in order, with the line it came from. */
export function scriptOptions(text: string): Directive[] {
  const out: Directive[] = [];
  for (const d of scriptDirectives(text, "#PBS")) {
    const field = `batchScript line ${d.line}`;
    const fail = (reason: string) => lineError(d.line, d.lines[0], reason);
    for (let i = 0; i < d.words.length; i++) {
      const word = d.words[i];
      if (!/^-[A-Za-z]/.test(word)) throw fail(`has "${word}" where qsub expects an option`);
      for (const { letter, inline } of getoptLetters(word.slice(1))) {
        if (!/[A-Za-z]/.test(letter) || QSUB_GETOPT.indexOf(letter) < 0) {
          throw fail(`has -${letter}, which is not a qsub option`);
        }
        let value = inline;
        if (takesValue(letter) && value === undefined) {
          value = d.words[++i];
          if (value === undefined) throw fail(`has -${letter} without its value`);
        }
        if (Object.hasOwn(SCRIPT_REFUSED, letter)) {
          throw fail(`has -${letter}, which is not supported: ${SCRIPT_REFUSED[letter]}`);
        }
        try {
          checkSupported(letter, value, field);
        } catch (err) {
          if (!(err instanceof InvalidJobException)) throw err;
          throw fail(`has ${err.message.slice(field.length + 2)}`);
        }
        out.push({ flag: letter, value, field });
      }
    }
  }
  return out;
}

/** The directives of a batchScript job: the spec's given fields, then the script's own. */
export function userScriptDirectives(spec: JobSpec, opts: DirectiveOptions): Directive[] {
  checkOwnDirectives(spec.batchScript!, "#PBS", "pbs");
  const script = scriptOptions(spec.batchScript!);
  const custom = customDirectives(spec);
  const user = [...script, ...custom];
  const userFlags = new Set(user.map((d) => d.flag));
  const userResources = new Set(
    user.filter((d) => d.flag === "l" && d.value).flatMap((d) => [...resourceNames(d.value!)]),
  );
  const gen: Directive[] = [];
  const add = (flag: string, value: string, field: string, resource?: string) => {
    if (resource ? userResources.has(resource) : userFlags.has(flag)) return;
    gen.push({ flag, value, field });
  };
  if (spec.name) add("N", pbsJobName(spec.name), "name");
  if (spec.resources !== undefined) {
    const r = resourcesOf(spec).computed();
    add("l", `select=${selectValue(r)}`, "resources", "select");
    add("l", `place=${placeValue(r)}`, "resources.exclusiveNodeUse", "place");
  }
  const a = spec.attributes ?? {};
  if (a.duration !== undefined) {
    add("l", `walltime=${formatHms(effectiveDuration(a))}`, "attributes.duration", "walltime");
  }
  if (a.account) add("A", a.account, "attributes.account");
  if (a.reservationId) add("q", reservationQueue(a.reservationId), "attributes.reservationId");
  else if (a.queueName) add("q", a.queueName, "attributes.queueName");
  // An array is the spec's (a -J in the script is refused above): one qsub -J.
  if (spec.array !== undefined) {
    gen.push({ flag: "J", value: formatArrayRange(parseArrayRange(spec.array)), field: "array" });
  }
  const depend = dependencyValue(spec, isPbsJobId, "PBS");
  if (depend) gen.push({ flag: "W", value: `depend=${depend}`, field: "dependsOn" });
  if (spec.hold && !userFlags.has("h")) gen.push({ flag: "h", field: "hold" });
  // qsub keeps the last -v it reads: the stamp and the script's variables go in one.
  const vars = user.filter((d) => d.flag === "v" && d.value).map((d) => d.value!);
  gen.push({
    flag: "v",
    value: [`PSIJ_AGENT_STAMP=${opts.stamp}`, ...vars].join(","),
    field: "stamp",
  });
  return [...gen, ...user.filter((d) => d.flag !== "v")];
}
