/**
 * `submit` (a JobSpec document) and `run` (a job from the command line).
 * @module
 */

import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseWalltime } from "../../core/walltime.ts";
import { absolute } from "../access.ts";
import { ensureAgent } from "./autostart.ts";
import { callerEnvironment, withCallerEnvironment } from "./caller-env.ts";
import { type Command, type Context, expectOk, type OptionDecl, UsageError } from "./command.ts";
import { formatJob } from "./format.ts";
import { customAttributeOptions, positiveInt, resourceOptions } from "./run-options.ts";
import { waitForJob } from "./wait.ts";

const SUBMIT_COMMON: Record<string, OptionDecl> = {
  executor: {
    type: "string",
    value: "name",
    help: "an executor the agent serves (default: its own); an agent started for this command " +
      "serves it",
  },
  "idempotency-key": {
    type: "string",
    value: "key",
    help: "a repeat with the same key returns the first job instead of submitting again",
  },
  "export-all": {
    type: "boolean",
    short: "V",
    help: "send this shell's environment with the job (as qsub -V; PSIJ_*, PBS_*, SLURM_* " +
      "and session variables such as PWD, TERM, SSH_* left out)",
  },
  wait: { type: "boolean", help: "wait for the job to end; exit code as for `wait`" },
  parsable: {
    type: "boolean",
    short: "q",
    help: "print the job id alone (ID=$(psij-agent ...)); with --wait, nothing more",
  },
  "no-start": { type: "boolean", help: "do not start an agent in the background if none runs" },
  hold: {
    type: "boolean",
    help: "submit held (QUEUED, held): it starts once `psij-agent release <id>` (as qsub -h)",
  },
};

async function post(ctx: Context, doc: unknown): Promise<number> {
  if (ctx.values.parsable && ctx.json) {
    throw new UsageError("--parsable and --json exclude each other");
  }
  await ensureAgent(ctx);
  const headers: Record<string, string> = {};
  if (ctx.values["idempotency-key"]) headers["idempotency-key"] = ctx.values["idempotency-key"];
  const q = ctx.values.executor ? `?executor=${encodeURIComponent(ctx.values.executor)}` : "";
  const job = expectOk(await ctx.client().request("POST", `/v1/jobs${q}`, doc, headers));
  if (ctx.values.parsable) {
    // The id alone, at once: a script has it even while --wait blocks (as sbatch --parsable --wait).
    ctx.io.out(job.id);
    return ctx.values.wait ? waitForJob({ ...ctx, print: () => {} }, job.id) : 0;
  }
  if (ctx.values.wait) return waitForJob(ctx, job.id);
  ctx.print(job, () => `${job.id}  ${job.state}${job.nativeId ? `  ${job.nativeId}` : ""}`);
  return 0;
}

const PRINTS = `Prints "<id>  <state>  <native id>" (-q/--parsable: the id alone, for
ID=$(psij-agent ...); --json: the whole job; --wait: the job once final, as \`wait\`).`;

export const submitCommand: Command = {
  name: "submit",
  summary: "submit a job described by a JobSpec document",
  usage:
    "psij-agent submit <spec.json | -> [options]\n       psij-agent submit --script <job.pbs | job.sbatch | -> [options] [args...]",
  details: `The document is our JSON form ({"version": 1, "executable": ...}) or psij-python's
(snake_case). "-" reads it from standard input. Without a running agent, one is started
in the background.
--script submits a batch script you already have, as qsub/sbatch would: its #PBS (or
#SBATCH) lines are honoured, its output goes where they say, and its exit code is the
job's. Directives that would break tracking (-J/--array, -W block=true, -z, -I,
--wait) are refused, naming the line.
${PRINTS}`,
  options: {
    script: {
      type: "string",
      value: "file",
      help: "submit your own batch script (#PBS / #SBATCH lines honoured); words after it are " +
        "its arguments",
    },
    ...SUBMIT_COMMON,
  },
  async run(ctx) {
    if (ctx.values.script !== undefined) {
      return post(ctx, callerDefaults(await batchScriptDocument(ctx), ctx));
    }
    if (ctx.positionals.length !== 1) throw new UsageError("expected one <spec.json> or -");
    const file = ctx.positionals[0];
    let text: string;
    try {
      text = file === "-" ? await ctx.io.readStdin() : readFileSync(file, "utf8");
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new UsageError(
        `${file === "-" ? "standard input" : file} is not JSON: ${(err as Error).message}`,
      );
    }
    return post(ctx, callerDefaults(doc, ctx));
  },
};

/**
 * `submit --script job.pbs [args...]`: the script's text as the document's
 * batchScript, the job named after the file as qsub and sbatch name it (a
 * `-N`/`--job-name` in the script still wins).
 */
export async function batchScriptDocument(ctx: Context): Promise<Record<string, unknown>> {
  const file: string = ctx.values.script;
  let text: string;
  try {
    text = file === "-" ? await ctx.io.readStdin() : readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const name = file === "-" ? "STDIN" : basename(file);
  const doc: Record<string, unknown> = { version: 1, batchScript: text, name };
  if (ctx.positionals.length) doc.arguments = ctx.positionals;
  return doc;
}

/**
 * What `submit` takes from the caller, as qsub does: the job runs in the
 * caller's directory unless the document names one (a relative one is taken
 * from the caller's directory), and with -V gets the caller's environment
 * under the document's own entries. Anything else is left for the agent to
 * validate (and to name the bad field).
 */
export function callerDefaults(
  doc: unknown,
  ctx: Pick<Context, "values" | "io">,
  cwd = process.cwd(),
): unknown {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return doc;
  const out: Record<string, unknown> = { ...doc };
  if (out.directory === undefined || out.directory === null) out.directory = cwd;
  else if (
    typeof out.directory === "string" && out.directory !== "" && !out.directory.startsWith("~")
  ) {
    out.directory = absolute(out.directory, cwd);
  }
  if (ctx.values.hold) out.hold = true;
  const env = out.environment;
  const envIsObject = env === undefined || env === null ||
    (typeof env === "object" && !Array.isArray(env));
  if (ctx.values["export-all"] && envIsObject) {
    out.environment = withCallerEnvironment(
      callerEnvironment(ctx.io.env),
      (env ?? undefined) as Record<string, unknown> | undefined,
    );
  }
  return out;
}

/** The JobSpec document (our form) that `run`'s options describe. */
export function runSpec(
  values: Record<string, any>,
  argv: string[],
  cwd = process.cwd(),
  callerEnv: Record<string, string | undefined> = process.env,
): Record<string, unknown> {
  if (argv.length === 0) throw new UsageError("expected an executable after the options");
  const spec: Record<string, any> = { version: 1, executable: argv[0], arguments: argv.slice(1) };
  if (values.name) spec.name = values.name;
  // Paths on the command line mean what they mean in the caller's shell: the
  // job runs in the caller's directory unless --dir says otherwise.
  spec.directory = absolute(values.dir ?? ".", cwd);
  if (values.stdout) spec.stdoutPath = absolute(values.stdout, cwd);
  if (values.stderr) spec.stderrPath = absolute(values.stderr, cwd);
  let environment: Record<string, unknown> | undefined;
  if (values.env?.length) {
    environment = {};
    for (const kv of values.env as string[]) {
      const i = kv.indexOf("=");
      if (i <= 0) throw new UsageError(`--env wants NAME=VALUE, got "${kv}"`);
      environment[kv.slice(0, i)] = kv.slice(i + 1);
    }
  }
  if (values["export-all"]) {
    environment = withCallerEnvironment(callerEnvironment(callerEnv), environment);
  }
  if (environment) spec.environment = environment;
  const nodes = positiveInt(values.nodes, "nodes");
  const ppn = positiveInt(values.ppn, "ppn");
  if (nodes !== undefined || ppn !== undefined) {
    spec.resources = { nodeCount: nodes ?? 1, processesPerNode: ppn ?? 1 };
  }
  const more = resourceOptions(values);
  if (Object.keys(more).length) spec.resources = { ...spec.resources, ...more };
  // Checked by the agent, which names $.array and the reason.
  if (values.array !== undefined) spec.array = values.array;
  if (values.stdin) spec.stdinPath = absolute(values.stdin, cwd);
  if (values.launcher) spec.launcher = values.launcher;
  if (values.join) {
    if (values.stderr) {
      throw new UsageError("--join sends stderr to the --stdout file: drop --stderr");
    }
    if (!spec.stdoutPath) throw new UsageError("--join needs --stdout <path>, the file both go to");
    spec.stderrPath = spec.stdoutPath;
  }
  const attributes: Record<string, unknown> = {};
  if (values.walltime !== undefined) {
    try {
      attributes.duration = parseWalltime(values.walltime, "--walltime");
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (values.queue) attributes.queueName = values.queue;
  if (values.account) attributes.account = values.account;
  if (values.attr?.length) attributes.customAttributes = customAttributeOptions(values.attr);
  if (Object.keys(attributes).length) spec.attributes = attributes;
  if (values.after?.length) spec.dependsOn = (values.after as string[]).flatMap(afterOption);
  if (values.hold) spec.hold = true;
  return spec;
}

const AFTER_WHEN: Record<string, string> = {
  ok: "ok",
  afterok: "ok",
  notok: "notok",
  afternotok: "notok",
  any: "any",
  afterany: "any",
};

/** `--after ok:<id>[:<id>...]` (also notok:, any:, and qsub's afterok: spellings). */
export function afterOption(text: string): Array<{ job: string; when: string }> {
  const [head, ...ids] = text.split(":");
  const when = AFTER_WHEN[head];
  if (!when || ids.length === 0 || ids.some((id) => id === "")) {
    throw new UsageError(
      `--after wants ok:<id>, notok:<id> or any:<id> (ids of psij-agent jobs), got "${text}"`,
    );
  }
  return ids.map((job) => ({ job, when }));
}

export const runCommand: Command = {
  name: "run",
  summary: "submit a job given on the command line",
  usage: "psij-agent run [options] [--] <executable> [args...]",
  details: `Options come before the executable; every word after it is the program's own
(psij-agent run /bin/echo --nodes 2 passes "--nodes 2" to echo). A "--" before the
executable ends the options too.
Example: psij-agent run --nodes 2 --ppn 4 --walltime 00:10:00 --wait hostname
--print-spec shows the JobSpec document instead of submitting it.
${PRINTS}`,
  programAfterOptions: true,
  options: {
    nodes: { type: "string", value: "n", help: "node count" },
    ppn: { type: "string", value: "n", help: "processes per node" },
    walltime: { type: "string", value: "time", help: "hh:mm:ss, mm, or N[h|m|s]" },
    queue: { type: "string", value: "name", help: "queue" },
    account: { type: "string", value: "name", help: "account (project) to charge" },
    name: { type: "string", value: "name", help: "job name" },
    env: {
      type: "string",
      value: "K=V",
      multiple: true,
      help: "environment variable (repeatable)",
    },
    dir: { type: "string", value: "path", help: "working directory (default: the current one)" },
    stdout: {
      type: "string",
      value: "path",
      help: "file for standard output (default: kept by the agent, shown by `logs`)",
    },
    stderr: {
      type: "string",
      value: "path",
      help: "file for standard error (default: kept by the agent, `logs --stderr`)",
    },
    mem: { type: "string", value: "size", help: "memory for the whole job (512mb, 4gb)" },
    gpus: { type: "string", value: "n", help: "GPUs per process" },
    "cores-per-process": { type: "string", value: "n", help: "CPU cores per process" },
    exclusive: { type: "boolean", help: "nodes not shared with other jobs" },
    stdin: { type: "string", value: "path", help: "file for standard input" },
    launcher: {
      type: "string",
      value: "name",
      help: "how the processes start: single, multiple, mpirun (srun on Slurm)",
    },
    join: { type: "boolean", help: "standard error into the --stdout file (as qsub -j oe)" },
    attr: {
      type: "string",
      value: "key=value",
      multiple: true,
      help: "scheduler option as a custom attribute (pbs.l=mem=4gb, slurm.qos=high; repeatable)",
    },
    array: {
      type: "string",
      value: "range",
      help: "job array, first-last[:step][%limit] (as qsub -J 1-100:2%10): one element per " +
        "index, ids <id>[<index>], $PSIJ_ARRAY_INDEX, {index} in --stdout/--stderr",
    },
    after: {
      type: "string",
      value: "when:id",
      multiple: true,
      help: "start only after job <id> ends: ok:<id> completed, notok:<id> failed, any:<id> " +
        "either (repeatable; as qsub -W depend=afterok:<id>)",
    },
    "print-spec": { type: "boolean", help: "print the JobSpec document and exit" },
    ...SUBMIT_COMMON,
  },
  run(ctx) {
    const spec = runSpec(ctx.values, ctx.positionals, process.cwd(), ctx.io.env);
    if (ctx.values["print-spec"]) {
      ctx.io.out(JSON.stringify(spec, null, 2));
      return Promise.resolve(0);
    }
    return post(ctx, spec);
  },
};

export { formatJob };
