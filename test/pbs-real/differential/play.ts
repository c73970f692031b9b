// Plays a differential scenario against one side (the real PBS, or the
// simulator behind its shims) and returns what the commands printed, then
// normalises only what must differ between two servers: sequence numbers,
// times, host and server names, pids and session ids, temp paths.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** One command line (sh), a file written first, or a wait that prints nothing. */
export type Step =
  | { sh: string; stdin?: string }
  | { file: string; text: string }
  | { until: string; state: string };

export interface Scenario {
  name: string;
  steps: Step[];
  /** Who runs the commands: `alice` (the default, a normal user as the agent's users are) or `root`. */
  user?: "alice" | "root";
}

export interface Side {
  /** `real` (commands run as the scenario's user) or `sim` (told the user by $USER). */
  name: "real" | "sim";
  /** What goes first on PATH: PBS's bin directory or the simulator's shims. */
  bin: string;
  env: Record<string, string>;
  /** The side's scratch directory; each scenario plays in a folder of its own under it. */
  dir: string;
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, side: Side, cwd: string, user: string, stdin?: string): Promise<Ran> {
  const argv = side.name === "real" && user !== "root"
    ? ["runuser", "-u", user, "--", "sh", "-c", cmd]
    : ["sh", "-c", cmd];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      env: {
        ...side.env,
        USER: user,
        LOGNAME: user,
        HOME: homeOf(user), // runuser sets it so for the real side
        PATH: `${side.bin}:${side.env.PATH ?? "/usr/bin:/bin"}`,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function homeOf(user: string): string {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) =>
    l.startsWith(`${user}:`)
  );
  return line?.split(":")[5] || "/";
}

/**
 * Runs the steps; `$J1`, `$J2`, ... in a command are the ids the 1st, 2nd, ...
 * qsub printed (also as shell variables). Returns the raw transcript.
 */
export async function play(scenario: Scenario, side: Side, timeoutMs = 120_000): Promise<string> {
  const cwd = join(side.dir, scenario.name.replace(/[^A-Za-z0-9_.-]+/g, "_"));
  mkdirSync(cwd, { recursive: true });
  chmodSync(cwd, 0o777); // the scenario's user writes its jobs' output here
  const user = scenario.user ?? "alice";
  const ids: string[] = [];
  const vars = () =>
    ids.map((id, i) => `J${i + 1}='${id}'; S${i + 1}='${id.split(".")[0]}'; `).join("");
  let out = "";
  for (const step of scenario.steps) {
    if ("file" in step) {
      writeFileSync(join(cwd, step.file), step.text, { mode: 0o755 });
      continue;
    }
    if ("until" in step) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = await sh(`${vars()}qstat -x -f -F json ${step.until}`, side, cwd, user);
        if (new RegExp(`"job_state":"${step.state}"`).test(r.stdout)) break;
        if (Date.now() > deadline) {
          throw new Error(
            `${side.name}/${scenario.name}: ${step.until} not ${step.state} in ${timeoutMs} ms; ` +
              `qstat said (exit ${r.code}): ${(r.stdout + r.stderr).slice(0, 2000)}`,
          );
        }
        await sleep(300);
      }
      continue;
    }
    const r = await sh(`${vars()}${step.sh}`, side, cwd, user, step.stdin);
    const last = r.stdout.trim().split("\n").pop() ?? "";
    if (/\bqsub\b/.test(step.sh) && r.code === 0 && /^\d+(\[\d*\])?\.\S+$/.test(last)) {
      ids.push(last);
    }
    out += `$ ${step.sh}${step.stdin !== undefined ? ` <<< ${JSON.stringify(step.stdin)}` : ""}\n` +
      r.stdout + (r.stderr ? `[stderr]\n${r.stderr}` : "") + `[exit ${r.code}]\n`;
  }
  return out;
}

const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const MON = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";

/**
 * What must differ between two servers, replaced by placeholders. `hosts` are
 * the side's host, server and node names; `paths` its scratch and bin paths.
 */
export function normalise(text: string, hosts: string[], paths: string[]): string {
  // qstat -f folds long values at a fixed width (continuation lines start
  // with a tab): where it folds depends on the lengths of the paths replaced below.
  let t = text.replace(/\n\t/g, "");
  for (const p of [...paths].sort((a, b) => b.length - a.length)) t = t.split(p).join("<PATH>");
  // Sequence numbers: the n-th distinct one seen becomes <n>.
  const seqs = new Map<string, string>();
  const hostRe = hosts.map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  // In a table the id's column keeps its width: the padding after an id
  // absorbs the difference in length of the sequence numbers.
  t = t.replace(
    new RegExp(`\\b(\\d+)(\\[\\d*\\])?\\.(${hostRe})\\b( {2,})?`, "g"),
    (m, n, arr, _h, pad) => {
      if (!seqs.has(n)) seqs.set(n, `#${seqs.size + 1}`);
      const token = `${seqs.get(n)}${arr ?? ""}.<SERVER>`;
      return pad ? token + " ".repeat(Math.max(1, m.length - token.length)) : token;
    },
  );
  // PBS names a job's default output files after its sequence number (STDIN.o123).
  t = t.replace(/(\.[oe])(\d+)\b/g, (m, oe, n) => seqs.has(n) ? `${oe}${seqs.get(n)}` : m);
  t = t.replace(new RegExp(`\\b(${hostRe})\\b`, "g"), "<HOST>");
  // exec_host's cpu slot (vm/0, vm/1*2) depends on what else runs on the node.
  t = t.replace(/<HOST>\/\d+/g, "<HOST>/<SLOT>");
  t = t.replace(new RegExp(`${DAY} ${MON} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}`, "g"), "<CTIME>");
  t = t.replace(new RegExp(`${DAY} ${MON} \\d\\d at \\d\\d:\\d\\d`, "g"), "<DAY> at <HH:MM>");
  t = t.replace(/\b\d\d:\d\d:\d\d\b/g, "<HH:MM:SS>").replace(/\b\d\d:\d\d\b/g, "<HH:MM>");
  t = t.replace(/("?(?:session_id|timestamp|queue_rank)"?\s*[:=]\s*)\d+/g, "$1<N>");
  // The SessID column of qstat -a/-n/-s rows (id, user, queue, name, then the session id).
  t = t.replace(
    /^(#\S+ +\S+ +\S+ +\S+ )( *\d+)( )/gm,
    (_m, head, sid, tail) => head + "<SID>".padStart(sid.length) + tail,
  );
  return t;
}
