/**
 * @module
 * The value transformations qstat itself makes before printing (in both the
 * `-f` text and the JSON paths of `display_statjob`). The engine passes server
 * values; times already as `ctime` strings (see docs/pbs-formats.md).
 */
import type { StatAttr } from "./types.ts";

const HPCBP_EXEC_TAG = "jsdl-hpcpa:Executable";

/** The value qstat hands to `prt_attr` for this attribute. */
export function displayValue(a: StatAttr): string {
  if (a.name === "executable") return `<${HPCBP_EXEC_TAG}>${a.value}</${HPCBP_EXEC_TAG}>`;
  return a.value;
}
