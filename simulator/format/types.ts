/**
 * @module
 * The shapes the simulator engine hands to the qstat formatters.
 */

/** One attribute as the server returns it: `name[.resource] = value`. */
export interface StatAttr {
  name: string;
  resource?: string;
  value: string;
}

/** One job's status: attributes in any order (formatters order them as PBS does). */
export interface StatJob {
  id: string;
  attrs: StatAttr[];
}

/** The root keys of `qstat -F json`. */
export interface QstatHeader {
  timestamp: number;
  pbsVersion: string;
  pbsServer: string;
}
