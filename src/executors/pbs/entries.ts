/**
 * What the PBS executor keeps per native job beyond the shared book
 * (src/batch/entries.ts): the state of a qdel, the wait for the `.ec` of
 * a script that stopped early, and an end taken from the `.ec` before PBS's record.
 * @module
 */

import { type BatchEntry } from "../../kit.ts";
import type { PbsJobRecord } from "./parse/types.ts";

export interface Entry extends BatchEntry<PbsJobRecord> {
  /** qdel found no such job, or its reply was lost: with no other evidence, the cancel is the end. */
  cancelRequested?: boolean;
  /** A qdel has been sent and has not answered yet. */
  qdelInFlight?: boolean;
  /** When PBS was first seen to end a script that stopped early: the wait for `.ec` starts. */
  stoppedEarlyAt?: number;
  /** When its end was taken from its exit-code file, before PBS's record (pbs/early-end.ts). */
  endedOnFileAt?: number;
}
