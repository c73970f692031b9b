/**
 * qhold and qrls: `-h u|o|s|p` (default u); errors as prt_job_err prints them
 * (`Job has finished` carries no id).
 * @module
 */
import { PBSE, PbsError } from "../server/errors.ts";
import { type CommandContext, Out, type Output, PBS_VERSION_LINE, userOf } from "./context.ts";
import { getopt } from "./getopt.ts";

function holdCommand(ctx: CommandContext, cmd: "qhold" | "qrls"): Output {
  const o = new Out();
  const srv = ctx.server;
  const args = ctx.argv.slice(1);
  if (args[0] === "--version") {
    o.out(PBS_VERSION_LINE(srv));
    return o.result();
  }
  const usage = `usage: ${cmd} [-h hold_list] job_identifier...\n       ${cmd} --version\n`;
  const g = getopt(cmd, args, "h:");
  const types = g.opts.filter(([c]) => c === "h").at(-1)?.[1] ?? "u";
  if (!/^[uosp]+$/.test(types)) {
    o.err(`${cmd}: illegal -h value\n${usage}`);
    o.code = 2;
    return o.result();
  }
  if (g.error || g.operands.length === 0) {
    o.err(`${g.error ? `${g.error}\n` : ""}${usage}`);
    o.code = 2;
    return o.result();
  }
  const user = userOf(ctx.env);
  for (const operand of g.operands) {
    const id = srv.normalizeId(operand);
    if (id === undefined) {
      o.fail(`${cmd}: illegally formed job identifier: ${operand}`, 1);
      continue;
    }
    try {
      if (cmd === "qhold") srv.hold(id, user, types);
      else srv.release(id, user, types);
    } catch (e) {
      if (!(e instanceof PbsError)) throw e;
      if (e.code === PBSE.HISTJOBID) o.fail(`${cmd}: ${e.message}`, e.exitCode);
      else o.fail(`${cmd}: ${e.message} ${id}`, e.exitCode);
    }
  }
  return o.result();
}

export const qhold = (ctx: CommandContext) => holdCommand(ctx, "qhold");
export const qrls = (ctx: CommandContext) => holdCommand(ctx, "qrls");
