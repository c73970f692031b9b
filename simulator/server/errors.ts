/**
 * PBS error numbers and the server's texts for them (pbs_error.h,
 * pbs_messages.c). A client exits with `code & 0xFF`.
 * @module
 */

export const PBSE = {
  UNKJOBID: 15001,
  NOATTR: 15002,
  IVALREQ: 15004,
  PERM: 15007,
  SYSTEM: 15010,
  BADATVAL: 15014,
  MODATRRUN: 15015,
  BADSTATE: 15016,
  UNKQUE: 15018,
  QUNOENB: 15021,
  QACESS: 15022,
  UNKRESC: 15035,
  EXCQRESC: 15036,
  QUENODFLT: 15037,
  MAXQUED: 15046,
  MAXARRAYSIZE: 15107,
  HISTJOBID: 15139,
  JOBHISTNOTSET: 15140,
  ENTLIMCT: 15142,
  ENTLIMRESC: 15143,
  NOHISTARRAYSUBJOB: 15159,
} as const;

const TEXT: Record<number, string> = {
  [PBSE.UNKJOBID]: "Unknown Job Id",
  [PBSE.PERM]: "Unauthorized Request ",
  [PBSE.SYSTEM]: "System error",
  [PBSE.BADATVAL]: "Illegal attribute or resource value",
  [PBSE.BADSTATE]: "Request invalid for state of job",
  [PBSE.UNKQUE]: "Unknown queue",
  [PBSE.QUNOENB]: "Queue is not enabled",
  [PBSE.QACESS]: "Access to queue is denied",
  [PBSE.UNKRESC]: "Unknown resource",
  [PBSE.EXCQRESC]: "Job violates queue and/or server resource limits",
  [PBSE.QUENODFLT]: "No default queue specified",
  [PBSE.MAXQUED]: "Maximum number of jobs already in queue",
  [PBSE.MAXARRAYSIZE]: "Array job exceeds server or queue size limit",
  [PBSE.HISTJOBID]: "Job has finished",
  [PBSE.JOBHISTNOTSET]: "PBS is not configured to maintain job history",
  [PBSE.NOHISTARRAYSUBJOB]: "Request invalid for finished array subjob",
};

/** A refusal from the simulated server: an error number and its text. */
export class PbsError extends Error {
  constructor(readonly code: number, text?: string) {
    super(text ?? TEXT[code] ?? `error ${code}`);
    this.name = "PbsError";
  }
  /** What the client process exits with. */
  get exitCode(): number {
    return this.code & 0xff;
  }
}

export function pbsText(code: number): string {
  return TEXT[code] ?? `error ${code}`;
}

export const PBSE_MORE = {
  BADNODESPEC: 15089,
  INVALSELECTRESC: 15108,
  INVALJOBRESC: 15109,
  PLACENOSELECT: 15111,
} as const;
