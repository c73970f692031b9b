/**
 * qdel (v22+ batched form): `qdel: <text> <id>` per failure, exit = the last
 * failure's code; `-W force`, `-W suppress_email=N`, `-x`.
 * @module
 */
import { PbsError } from "../server/errors.ts";
import { type CommandContext, Out, type Output, PBS_VERSION_LINE, userOf } from "./context.ts";
import { getopt } from "./getopt.ts";

const USAGE =
  "usage:\n\tqdel [-W force|suppress_email=X] [-x] job_identifier...\n\tqdel --version\n";

export function qdel(ctx: CommandContext): Output {
  const o = new Out();
  const srv = ctx.server;
  const args = ctx.argv.slice(1);
  if (args[0] === "--version") {
    o.out(PBS_VERSION_LINE(srv));
    return o.result();
  }
  const g = getopt("qdel", args, "W:x");
  let force = false;
  for (const [c, v] of g.opts) {
    if (c !== "W") continue;
    if (v === "force") force = true;
    else if (!/^suppress_email=\d+$/.test(v ?? "")) {
      o.err(`qdel: illegal -W value\n${USAGE}`);
      o.code = 2;
      return o.result();
    }
  }
  if (g.error || g.operands.length === 0) {
    o.err(`${g.error ? `${g.error}\n` : ""}${USAGE}`);
    o.code = 2;
    return o.result();
  }
  const purge = g.opts.some(([c]) => c === "x");
  const user = userOf(ctx.env);
  for (const operand of g.operands) {
    const id = srv.normalizeId(operand);
    if (id === undefined) {
      o.fail(`qdel: illegally formed job identifier: ${operand}`, 1);
      continue;
    }
    try {
      srv.deleteJob(id, user, { force, purge });
    } catch (e) {
      if (!(e instanceof PbsError)) throw e;
      o.fail(`qdel: ${e.message} ${id}`, e.exitCode);
    }
  }
  return o.result();
}
