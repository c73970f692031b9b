/**
 * qhold and qrls: `-h u|o|s|p` (default u); errors as prt_job_err prints them
 * (`Job has finished` carries no id).
 * @module
 */
import { PBSE } from "../server/errors.ts";
import {
  type CommandContext,
  eachJobOperand,
  Out,
  type Output,
  userOf,
  versionAnswer,
} from "./context.ts";
import { getopt } from "./getopt.ts";

function holdCommand(ctx: CommandContext, cmd: "qhold" | "qrls"): Output {
  const version = versionAnswer(ctx);
  if (version) return version;
  const o = new Out();
  const srv = ctx.server;
  const args = ctx.argv.slice(1);
  const usage = `usage: ${cmd} [-h hold_list] job_identifier...\n       ${cmd} --version\n`;
  const g = getopt(cmd, args, "h:");
  const types = g.opts.filter(([c]) => c === "h").at(-1)?.[1] ?? "u";
  if (!/^[uosp]+$/.test(types)) return o.usage(`${cmd}: illegal -h value`, usage);
  if (g.error || g.operands.length === 0) return o.usage(g.error, usage);
  const user = userOf(ctx.env);
  eachJobOperand(
    o,
    ctx,
    cmd,
    g.operands,
    (id) => cmd === "qhold" ? srv.hold(id, user, types) : srv.release(id, user, types),
    // "Job has finished" is printed without the id, as prt_job_err does.
    (e, id) => e.code === PBSE.HISTJOBID ? `${cmd}: ${e.message}` : `${cmd}: ${e.message} ${id}`,
  );
  return o.result();
}

export const qhold = (ctx: CommandContext) => holdCommand(ctx, "qhold");
export const qrls = (ctx: CommandContext) => holdCommand(ctx, "qrls");
