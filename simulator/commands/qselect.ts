/**
 * qselect: ids of the jobs that match, one per line (`-u`, `-s`, `-q`, `-N`,
 * `-x`, `-J`, `-T`, `-H`).
 * @module
 */
import { type CommandContext, Out, type Output, versionAnswer } from "./context.ts";
import { getopt } from "./getopt.ts";

const USAGE = "usage: qselect [-a [op]date_time] [-A account_string] [-c [op]interval]\n" +
  "\t[-h hold_list] [-H] [-J] [-l resource_list] [-N name] [-p [op]priority]\n" +
  "\t[-q destination] [-r y|n] [-s states] [-t subopt[op]date_time] [-T] [-P project_name]\n" +
  "\t[-x] [-u user_name]\n" +
  "       qselect --version\n";

export function qselect(ctx: CommandContext): Output {
  const version = versionAnswer(ctx);
  if (version) return version;
  const o = new Out();
  const srv = ctx.server;
  const args = ctx.argv.slice(1);
  const g = getopt("qselect", args, "a:A:c:h:HJl:N:p:q:r:s:t:TxP:u:");
  if (g.error || g.operands.length > 0) return o.usage(g.error, USAGE);
  const val = (c: string) => g.opts.filter(([k]) => k === c).at(-1)?.[1];
  const has = (c: string) => g.opts.some(([k]) => k === c);
  const users = val("u")?.split(",").map((u) => u.split("@")[0]);
  const states = val("s");
  const queue = val("q")?.split("@")[0];
  const name = val("N");
  const history = has("x") || has("H");
  srv.tick();
  if (queue && !srv.queues.has(queue)) {
    o.fail(`qselect: Unknown queue destination ${val("q")}`, 170);
    return o.result();
  }
  for (const j of srv.order()) {
    const jobs = has("T") && j.subjobs ? [j, ...j.subjobs] : [j];
    for (const job of jobs) {
      if (job.isHistory && !history) continue;
      if (has("H") && !job.isHistory) continue;
      if (has("J") && !job.subjobs && !job.parent) continue;
      if (users && !users.includes(job.req.user)) continue;
      if (states && !states.includes(job.state)) continue;
      if (queue && job.queue !== queue) continue;
      if (name !== undefined && job.name !== name) continue;
      o.out(`${job.id}\n`);
    }
  }
  return o.result();
}
