/**
 * `qstat -B [-f] [server]`: the server's own status, as display_statserver
 * prints it (one table row, or `Server: <name>` and its attributes).
 * `-F json|dsv` with -B is not simulated and says so.
 * @module
 */
import { formatAttrLine } from "../format/full-text.ts";
import { serverAttrs, stateCounts } from "../server/server-status.ts";
import type { SimServer } from "../server/server.ts";
import { Out, type Output } from "./context.ts";

/** Left-justified (names) or right-justified (counts), truncated with `*` like qstat. */
function cell(s: string, width: number, left = false): string {
  const v = s.length > width ? `${s.slice(0, width - 1)}*` : s;
  return left ? v.padEnd(width) : v.padStart(width);
}

export function qstatServer(
  srv: SimServer,
  opts: { full: boolean; format?: string; operands: readonly string[] },
): Output {
  const o = new Out();
  if (opts.format !== undefined) {
    o.fail("qstat: -B with -F is not simulated", 1);
    return o.result();
  }
  const unknown = opts.operands.find((s) =>
    s !== srv.name && s !== srv.host && s !== `@${srv.name}`
  );
  if (unknown !== undefined) {
    o.fail(
      `Connection refused\nqstat: cannot connect to server ${
        unknown.replace(/^@/, "")
      } (errno=111)`,
      1,
    );
    return o.result();
  }
  srv.tick();
  if (opts.full) {
    const lines = serverAttrs(srv).map((a) => formatAttrLine(a));
    o.out(`Server: ${srv.name}\n${lines.join("\n")}\n\n`);
    return o.result();
  }
  const n = stateCounts(srv);
  const total = Object.values(n).reduce((a, b) => a + b, 0);
  o.out("Server             Max   Tot   Que   Run   Hld   Wat   Trn   Ext Status\n");
  o.out("---------------- ----- ----- ----- ----- ----- ----- ----- ----- -----------\n");
  const counts = [total, n.Q, n.R, n.H, n.W, n.T, n.E].map((c) => cell(String(c), 5));
  o.out(
    `${cell(srv.name, 16, true)} ${cell("0", 5)} ${counts.join(" ")} ${cell("Active", 10, true)}\n`,
  );
  return o.result();
}
