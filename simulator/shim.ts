/**
 * Entry point for the PATH shims: `npx bun simulator/shim.ts qstat -f 1` (or
 * `npx deno run -A simulator/shim.ts ...`). Exits with the command's code.
 * @module
 */
import { simMain } from "./cli.ts";

process.exitCode = await simMain(process.argv.slice(2));
