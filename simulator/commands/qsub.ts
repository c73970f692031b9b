/**
 * qsub: script or `-- exe args`, `#PBS` directives under command-line
 * precedence (`-l` merged per resource), client-side checks, then the server.
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { SubmitRequest } from "../server/job.ts";
import { PbsError } from "../server/errors.ts";
import { type CommandContext, Out, type Output, userOf, versionAnswer } from "./context.ts";
import { scanDirectives, shellSplit } from "./directives.ts";
import { getopt } from "./getopt.ts";
import {
  checkResourceValues,
  illegal,
  parseDateTime,
  parseResourceList,
  parseWList,
  QSUB_OPTS,
  QSUB_USAGE,
  QsubUsageError,
  validateOption,
} from "./qsub-options.ts";

type OptMap = Map<string, string[]>;

function collect(opts: [string, string | undefined][]): OptMap {
  const m: OptMap = new Map();
  for (const [c, v] of opts) {
    validateOption(c, v ?? "");
    const list = m.get(c) ?? [];
    list.push(v ?? "");
    m.set(c, list);
  }
  return m;
}

/** The script's base name; the 23.06 server drops its extension (captures: exit0.sh → exit0). */
function defaultJobName(operand: string): string {
  const b = basename(operand);
  const dot = b.lastIndexOf(".");
  return dot > 0 ? b.slice(0, dot) : b;
}

function readScript(
  ctx: CommandContext,
  operand: string | undefined,
): { text: string; name: string } {
  if (operand === undefined || operand === "-") return { text: ctx.stdin ?? "", name: "STDIN" };
  const path = resolve(ctx.cwd, operand);
  const given = ctx.server.config.files?.[path];
  if (given !== undefined) return { text: given, name: defaultJobName(operand) };
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new QsubUsageError("qsub: script file:: No such file or directory\n", 1);
  }
  if (!isFile) throw new QsubUsageError("qsub: script not a file\n", 1);
  try {
    return { text: readFileSync(path, "utf8"), name: defaultJobName(operand) };
  } catch (e) {
    throw new QsubUsageError(`qsub: opening script file:: ${(e as Error).message}\n`, 8);
  }
}

function baseVariables(ctx: CommandContext): [string, string][] {
  const e = ctx.env;
  const v: [string, string][] = [];
  const put = (k: string, val: string | undefined) => val !== undefined && v.push([k, val]);
  put("PBS_O_HOME", e.HOME);
  put("PBS_O_LANG", e.LANG);
  // The real qsub takes it from $LOGNAME only: unset, there is no PBS_O_LOGNAME.
  put("PBS_O_LOGNAME", e.LOGNAME || undefined);
  put("PBS_O_PATH", e.PATH);
  put("PBS_O_MAIL", e.MAIL);
  put("PBS_O_SHELL", e.SHELL);
  put("PBS_O_TZ", e.TZ);
  put("PBS_O_WORKDIR", ctx.cwd);
  put("PBS_O_SYSTEM", "Linux");
  return v;
}

export function qsub(ctx: CommandContext): Output {
  const version = versionAnswer(ctx);
  if (version) return version;
  const o = new Out();
  const args = ctx.argv.slice(1);
  try {
    return submit(ctx, args, o);
  } catch (e) {
    if (e instanceof QsubUsageError) {
      o.err(e.text);
      o.code = e.code;
      return o.result();
    }
    throw e;
  }
}

function submit(ctx: CommandContext, args: string[], o: Out): Output {
  const g = getopt("qsub", args, QSUB_OPTS);
  if (g.error) throw new QsubUsageError(`${g.error}\n${QSUB_USAGE}`, 2);
  if (g.operands.length > 1 || (g.afterDashDash && g.operands.length > 0)) {
    throw new QsubUsageError(QSUB_USAGE, 2);
  }
  if (g.afterDashDash && g.afterDashDash.length === 0) throw new QsubUsageError(QSUB_USAGE, 2);
  const cmd = collect(g.opts);
  let script = "";
  let defaultName = "STDIN";
  let executable: string | undefined;
  let argumentList: string[] | undefined;
  const dir: OptMap = new Map();
  if (g.afterDashDash) {
    [executable, ...argumentList] = g.afterDashDash;
  } else {
    const s = readScript(ctx, g.operands[0]);
    script = s.text;
    defaultName = s.name;
    if (/\r\n/.test(script)) throw new QsubUsageError("qsub: script contains cr, lf\n", 1);
    const prefix = cmd.get("C")?.at(-1) ?? ctx.env.PBS_DPREFIX ?? "#PBS";
    for (const d of scanDirectives(script, prefix)) {
      const tokens = shellSplit(d) ?? [];
      const dg = getopt("qsub", tokens, QSUB_OPTS);
      if (dg.error || dg.operands.length > 0) {
        const first = dg.error ? `${dg.error}\n` : "";
        throw new QsubUsageError(
          `${first}qsub: directive error: ${tokens.map((t) => `${t} `).join("")}\n`,
          1,
        );
      }
      const more = collect(dg.opts);
      for (const [k, v] of more) dir.set(k, [...(dir.get(k) ?? []), ...v]);
    }
  }
  const pick = (c: string): string | undefined => (cmd.get(c) ?? dir.get(c))?.at(-1);
  const has = (c: string) => cmd.has(c) || dir.has(c);

  const resources = new Map<string, string>();
  for (const src of [dir, cmd]) {
    for (const text of src.get("l") ?? []) {
      for (const [k, v] of parseResourceList(text)) resources.set(k, v);
    }
  }
  checkResourceValues([...resources]);
  const wAttrs = new Map<string, string>();
  for (const src of [dir, cmd]) {
    for (const text of src.get("W") ?? []) for (const [k, v] of parseWList(text)) wAttrs.set(k, v);
  }
  if (pick("r") === "n" && has("J")) {
    throw new QsubUsageError("qsub:  cannot submit non-rerunable Array Job\n", 2);
  }
  let executionTime: number | undefined;
  const a = pick("a");
  if (a !== undefined) {
    executionTime = parseDateTime(a, ctx.server.nowSec());
    if (executionTime === undefined) throw illegal("a");
  }
  const name = pick("N") ?? defaultName;
  // The real qsub follows this refusal with its usage, like every illegal value.
  if (!/^[A-Za-z0-9_+.-]+$/.test(name)) throw illegal("N");
  let variables = baseVariables(ctx);
  const vopt = pick("v");
  if (vopt !== undefined) {
    for (const item of vopt.split(/(?<!\\),/)) {
      const eq = item.indexOf("=");
      if (eq < 0) variables.push([item, ctx.env[item] ?? ""]);
      else variables.push([item.slice(0, eq), item.slice(eq + 1).replace(/\\,/g, ",")]);
    }
  }
  if (has("V")) {
    variables = [
      ...variables,
      ...Object.entries(ctx.env).filter(([k]) => !k.startsWith("PBS_O_")),
    ];
  }
  const queue = pick("q")?.split("@")[0];
  const extra: [string, string][] = [];
  for (const [k, v] of wAttrs) {
    if (!["depend", "block", "sandbox", "umask", "group_list", "stagein", "stageout"].includes(k)) {
      extra.push([k, v]);
    }
  }
  if (wAttrs.has("umask")) extra.push(["umask", wAttrs.get("umask")!]);
  if (wAttrs.has("group_list")) extra.push(["group_list", wAttrs.get("group_list")!]);
  const req: SubmitRequest = {
    user: userOf(ctx.env),
    name,
    queue: queue === "" ? undefined : queue,
    resources: [...resources],
    hold: has("h"),
    executionTime,
    depend: wAttrs.get("depend"),
    array: pick("J"),
    rerunable: pick("r") === undefined ? undefined : pick("r") === "y",
    priority: pick("p") === undefined ? undefined : Number(pick("p")),
    outputPath: pick("o"),
    errorPath: pick("e"),
    joinPath: pick("j"),
    keepFiles: pick("k"),
    mailPoints: pick("m"),
    mailUsers: pick("M"),
    checkpoint: pick("c"),
    project: pick("P"),
    account: pick("A"),
    shell: pick("S"),
    sandbox: wAttrs.get("sandbox"),
    variables,
    submitArguments: args.length ? args.join(" ") : undefined,
    workdir: ctx.cwd,
    home: ctx.env.HOME,
    script: executable === undefined ? script : undefined,
    executable,
    argumentList,
    extraAttributes: extra,
  };
  try {
    const job = ctx.server.submit(req);
    if (!has("z")) o.out(`${job.id}\n`);
  } catch (e) {
    if (!(e instanceof PbsError)) throw e;
    o.fail(`qsub: ${e.message}`, e.exitCode);
  }
  return o.result();
}
