/**
 * Slurm executor configuration: the shared batch options (Slurm has none of
 * its own yet).
 * @module
 */

import { type BatchExecutorConfig } from "../../kit.ts";

export type SlurmExecutorConfig = BatchExecutorConfig;
