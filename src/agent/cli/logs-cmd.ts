/**
 * `logs <id>`: a job's standard output (or error) file, whole, as this
 * machine reads it; `--follow` keeps printing what the job adds until the
 * job is final. The files are the spec's, or the ones the agent keeps for a
 * spec that names none (agent/job-output.ts).
 * @module
 */

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { type Command, type Context, expectOk, expectPositionals } from "./command.ts";
import { outputFile } from "./output-tail.ts";

const FINAL = new Set(["COMPLETED", "FAILED", "CANCELED"]);
const CHUNK = 64 * 1024;
const FILE_POLL_MS = 250;
const STATE_POLL_MS = 1000;

/**
 * Writes `path` from byte `offset` on; returns the new offset, or undefined
 * when the file is not there (yet). A file that shrank is read again from 0.
 */
function drain(
  path: string,
  offset: number,
  decoder: StringDecoder,
  write: (s: string) => void,
): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    if (fstatSync(fd).size < offset) offset = 0; // truncated: start over
    const buf = Buffer.alloc(CHUNK);
    for (let n; (n = readSync(fd, buf, 0, CHUNK, offset)) > 0;) {
      write(decoder.write(buf.subarray(0, n)));
      offset += n;
    }
    return offset;
  } finally {
    closeSync(fd);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

async function followFile(ctx: Context, job: any, path: string): Promise<number> {
  const stream = ctx.values.stderr ? "stderr" : "stdout";
  const jobPath = `/v1/jobs/${encodeURIComponent(job.id)}`;
  const decoder = new StringDecoder("utf8");
  let offset: number | undefined = 0;
  let checked = Date.now();
  for (;;) {
    // The state is read before the file: once final, one more read has everything written.
    const final = FINAL.has(job.state);
    offset = drain(path, offset ?? 0, decoder, ctx.io.write);
    if (final || !ctx.values.follow) break;
    await sleep(FILE_POLL_MS, ctx.io.signal);
    if (ctx.io.signal.aborted) return 130;
    if (Date.now() - checked >= STATE_POLL_MS) {
      job = expectOk(await ctx.client().request("GET", jobPath));
      checked = Date.now();
    }
  }
  ctx.io.write(decoder.end());
  if (offset !== undefined) return 0;
  if (FINAL.has(job.state)) {
    throw new Error(`job ${job.id} is ${job.state} and its ${stream} file ${path} does not exist`);
  }
  ctx.io.err(`psij-agent logs: no ${stream} yet (job ${job.id} is ${job.state}); --follow waits`);
  return 0;
}

export const logsCommand: Command = {
  name: "logs",
  summary: "print a job's standard output (or error); --follow until it ends",
  usage: "psij-agent logs <id | native-id> [--stderr] [--follow]",
  details: `Prints the job's stdout file (--stderr: its stderr file) as it is now; with --follow,
keeps printing what the job writes until the job is final. A job whose spec names no
file has its output kept by the agent (<home>/output/<id>.out and .err). The file is
read on this machine: the agent's, or one sharing its file system.`,
  options: {
    stderr: { type: "boolean", help: "the job's standard error instead" },
    follow: { type: "boolean", short: "f", help: "keep printing until the job is final" },
  },
  async run(ctx) {
    const [ref] = expectPositionals(ctx, ["id"]);
    const job = expectOk(await ctx.client().request("GET", `/v1/jobs/${encodeURIComponent(ref)}`));
    const stream = ctx.values.stderr ? "stderr" : "stdout";
    const spec = job.spec ?? {};
    const path = outputFile(spec, stream);
    const named = stream === "stdout" ? spec.stdoutPath : spec.stderrPath;
    if (path === "/dev/null") throw new Error(`job ${job.id}'s ${stream} is discarded (/dev/null)`);
    if (path === undefined) {
      throw new Error(
        named
          ? `job ${job.id}'s ${stream} file "${named}" is relative and the job has no directory`
          : typeof spec.batchScript === "string"
          ? `job ${job.id} is your own batch script: its ${stream} goes where its directives say ` +
            `(#PBS -o/-e, #SBATCH --output/--error), or to the scheduler's default file in ` +
            `${spec.directory ?? "the directory it was submitted from"}`
          : `job ${job.id} has no ${stream} file (it was attached, or made before the agent kept output)`,
      );
    }
    return followFile(ctx, job, path);
  },
};
