/**
 * The PBS simulator's public surface (see docs/simulator.md).
 * @module
 */
export { SimServer } from "./server/server.ts";
export type { Executor, QueueState } from "./server/server.ts";
export type { Outcome, OutcomeQuery, QueueConfig, ServerConfig } from "./server/config.ts";
export { defaultNodes } from "./server/config.ts";
export type { NodeSpec } from "./server/nodes.ts";
export type { JobState, SubmitRequest } from "./server/job.ts";
export { PBSE, PbsError } from "./server/errors.ts";
export { createSimRunner, runCommand, type SimRunner } from "./runner.ts";
export { type CommandFault, type Fault, Faults, type TimedFault } from "./faults.ts";
export { attachMom, LocalMom } from "./mom.ts";
export { simMain } from "./cli.ts";
export { durableRunner, persistServer, SimJournal } from "./journal.ts";
