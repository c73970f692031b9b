/**
 * The PSI/J job model: the public surface of src/core.
 * @module
 */

export * from "./callbacks.ts";
export * from "./clock.ts";
export * from "./command-runner.ts";
export * from "./errors.ts";
export * from "./executor.ts";
export * from "./job-attributes.ts";
export * from "./job-spec.ts";
export * from "./job-state.ts";
export * from "./job-status.ts";
export * from "./job.ts";
export * from "./registry.ts";
export * from "./resources.ts";
export * from "./staging.ts";
export * from "./walltime.ts";
export * from "./expand.ts";
export * from "./json/index.ts";
