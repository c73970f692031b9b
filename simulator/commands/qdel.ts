/**
 * qdel (v22+ batched form): `qdel: <text> <id>` per failure, exit = the last
 * failure's code; `-W force`, `-W suppress_email=N`, `-x`.
 * @module
 */
import {
  type CommandContext,
  eachJobOperand,
  Out,
  type Output,
  userOf,
  versionAnswer,
} from "./context.ts";
import { getopt } from "./getopt.ts";
import { PBSE } from "../server/errors.ts";

const USAGE =
  "usage:\n\tqdel [-W force|suppress_email=X] [-x] job_identifier...\n\tqdel --version\n";

export function qdel(ctx: CommandContext): Output {
  const version = versionAnswer(ctx);
  if (version) return version;
  const o = new Out();
  const args = ctx.argv.slice(1);
  const g = getopt("qdel", args, "W:x");
  let force = false;
  for (const [c, v] of g.opts) {
    if (c !== "W") continue;
    if (v === "force") force = true;
    else if (!/^suppress_email=\d+$/.test(v ?? "")) return o.usage("qdel: illegal -W value", USAGE);
  }
  if (g.error || g.operands.length === 0) return o.usage(g.error, USAGE);
  const srv = ctx.server;
  const purge = g.opts.some(([c]) => c === "x");
  const user = userOf(ctx.env);
  // The real qdel names an unknown id as it was typed (`qdel 99` → `Unknown Job Id 99`), unlike
  // qhold/qrls and its other refusals, which name the full id.
  eachJobOperand(
    o,
    ctx,
    "qdel",
    g.operands,
    (id) => srv.deleteJob(id, user, { force, purge }),
    (e, id, operand) => `qdel: ${e.message} ${e.code === PBSE.UNKJOBID ? operand : id}`,
  );
  return o.result();
}
