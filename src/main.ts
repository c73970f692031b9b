/**
 * The psij-agent binary's entry: parses nothing itself, hands argv to the
 * CLI, and is the only place that sets the process's exit code.
 * @module
 */

import { cli } from "./agent/cli/index.ts";

const stop = new AbortController();
let signals = 0;
for (const [sig, n] of [["SIGINT", 2], ["SIGTERM", 15]] as const) {
  process.on(sig, () => {
    // A client command ends at the first signal (the CLI returns 128 + n); `serve` shuts down
    // gracefully, and a second signal there means "now".
    if (++signals > 1) process.exit(128 + n);
    stop.abort(sig);
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const code = await cli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text + "\n"),
  err: (text) => process.stderr.write(text + "\n"),
  write: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
  readStdin,
  mainPath: process.argv[1] ?? "",
  signal: stop.signal,
  env: process.env,
});
process.exitCode = code;
// Pending timers or sockets (an SSE stream, a detached child's pipe) must not keep a finished
// command alive; stdout is flushed first.
process.stdout.write("", () => process.exit(code));
