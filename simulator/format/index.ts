/**
 * @module
 * qstat's output formats, as pure functions: `-f` text, `-F json` (released
 * encoder and cJSON encoder) and the default table. See docs/pbs-formats.md.
 */
export type { QstatHeader, StatAttr, StatJob } from "./types.ts";
export { JOB_ATTR_ORDER, orderAttrs } from "./attr-order.ts";
export { ctimeString } from "./ctime.ts";
export { formatAttrLine, formatFull, formatFullJob } from "./full-text.ts";
export { formatJsonV23, looksNumeric, v23Escape } from "./json-v23.ts";
export { formatJsonCjson } from "./json-cjson.ts";
export { formatTableHeader, formatTableRow, type TableOptions } from "./table.ts";
export { escapeDelimiter, formatDsv } from "./dsv.ts";
export { splitVarListFixed, splitVarListV23 } from "./var-list.ts";
