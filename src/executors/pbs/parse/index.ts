/**
 * @module
 * Parsers for what the PBS commands print. None of them throws: unreadable
 * input yields fewer jobs plus a list of problems. See docs/pbs-formats.md.
 */
export type { ParseResult, PbsJobRecord } from "./types.ts";
export { parseQstatJson } from "./json.ts";
export { parseQstatFull, splitVariableList } from "./full.ts";
export { type JobErrors, parseQdelErrors, parseQstatErrors } from "./errors.ts";
export { isPbsJobId, parseCtime, parseQselect, parseQsubId } from "./simple.ts";
