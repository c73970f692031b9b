/**
 * `dependsOn` as a batch scheduler reads it: `afterok:1:2,afterany:3` is
 * the value of both `qsub -W depend=` and `sbatch --dependency=`. To an
 * executor a dependency names a native id of its own scheduler (the agent
 * translates its ids before the executor sees them).
 * @module
 */

import { InvalidJobException } from "../core/errors.ts";
import type { DependencyWhen, JobSpec } from "../core/job-spec.ts";

const AFTER: Record<DependencyWhen, string> = {
  ok: "afterok",
  notok: "afternotok",
  any: "afterany",
};

/**
 * The dependency clause for a spec, or undefined when it has none. An id the
 * scheduler would not print is refused naming `dependsOn[i].job`: it goes on
 * a directive line, where `:` or `,` would add a dependency of its own.
 */
export function dependencyValue(
  spec: JobSpec,
  isNativeId: (id: string) => boolean,
  label: string,
): string | undefined {
  const deps = spec.dependsOn ?? [];
  if (!deps.length) return undefined;
  const byType = new Map<string, string[]>();
  deps.forEach((d, i) => {
    if (!isNativeId(d.job) || /[:,\s]/.test(d.job)) {
      const field = `dependsOn[${i}].job`;
      throw new InvalidJobException(`${field}: "${d.job}" is not a ${label} job id`, { field });
    }
    const type = AFTER[d.when ?? "ok"];
    byType.set(type, [...(byType.get(type) ?? []), d.job]);
  });
  return [...byType].map(([type, ids]) => `${type}:${ids.join(":")}`).join(",");
}
