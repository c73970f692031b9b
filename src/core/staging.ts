/**
 * Staging: files copied, linked or moved into the job directory before the
 * job and out of it afterwards, with stage-out conditions.
 * @module
 */

export const StagingMode = { COPY: "COPY", LINK: "LINK", MOVE: "MOVE" } as const;
export type StagingMode = (typeof StagingMode)[keyof typeof StagingMode];

/** Bit flags; ALWAYS = ON_SUCCESS | ON_ERROR | ON_CANCEL. */
export const StageOutFlags = {
  NONE: 0,
  IF_PRESENT: 1,
  ON_SUCCESS: 2,
  ON_ERROR: 4,
  ON_CANCEL: 8,
  ALWAYS: 14,
} as const;
export type StageOutFlagName = keyof typeof StageOutFlags;

export interface StageIn {
  /** A path or a `file://` URI. Relative paths are taken from the job directory. */
  source: string;
  target: string;
  mode?: StagingMode;
}

export interface StageOut {
  source: string;
  target: string;
  mode?: StagingMode;
  /**
   * Bitmask of StageOutFlags; default ALWAYS. As in PSI/J, a mask with none of
   * ON_SUCCESS/ON_ERROR/ON_CANCEL means all three (NONE = ALWAYS, IF_PRESENT =
   * IF_PRESENT | ALWAYS).
   */
  flags?: number;
}

/** PSI/J's default: stage out whatever the outcome. */
export const DEFAULT_STAGE_OUT_FLAGS = StageOutFlags.ALWAYS;

/** The mask with PSI/J's rule applied: no outcome bit means every outcome. */
export function normalizeStageOutFlags(flags: number): number {
  return (flags & StageOutFlags.ALWAYS) === 0 ? flags | StageOutFlags.ALWAYS : flags;
}

/** Flag names for a bitmask (ALWAYS collapsed), for messages and JSON. */
export function stageOutFlagNames(flags: number): StageOutFlagName[] {
  const names: StageOutFlagName[] = [];
  if (flags & StageOutFlags.IF_PRESENT) names.push("IF_PRESENT");
  if ((flags & StageOutFlags.ALWAYS) === StageOutFlags.ALWAYS) names.push("ALWAYS");
  else {
    if (flags & StageOutFlags.ON_SUCCESS) names.push("ON_SUCCESS");
    if (flags & StageOutFlags.ON_ERROR) names.push("ON_ERROR");
    if (flags & StageOutFlags.ON_CANCEL) names.push("ON_CANCEL");
  }
  return names.length ? names : ["NONE"];
}

export function stageOutFlagsFromNames(names: readonly string[]): number {
  let flags = 0;
  for (const n of names) {
    // hasOwn, not `in`: "toString" must not pass as a flag
    if (!Object.hasOwn(StageOutFlags, n)) throw new Error(`unknown stage-out flag "${n}"`);
    flags |= StageOutFlags[n as StageOutFlagName];
  }
  return flags;
}

/** Whether a stage-out with these flags runs for a job that ended this way. */
export function stageOutApplies(
  flags: number,
  outcome: "success" | "error" | "cancel",
): boolean {
  const bit = outcome === "success"
    ? StageOutFlags.ON_SUCCESS
    : outcome === "error"
    ? StageOutFlags.ON_ERROR
    : StageOutFlags.ON_CANCEL;
  return (normalizeStageOutFlags(flags) & bit) !== 0;
}
