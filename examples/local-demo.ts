/**
 * psij-agent's first command: run one job on this machine and watch it.
 *
 *   npm run demo                          # runs /bin/echo hello
 *   npx bun examples/local-demo.ts ls -l /    # or any command you like
 *   npx deno run -A examples/local-demo.ts date
 * @module
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Job } from "../src/core/index.ts";
import { LocalJobExecutor } from "../src/executors/local.ts";

const [executable = "/bin/echo", ...args] = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ["/bin/echo", "hello"];
const scratch = mkdtempSync(join(tmpdir(), "psij-demo-"));
const stdoutPath = join(scratch, "stdout.txt");

const job = new Job({ executable, arguments: args, stdoutPath });
const start = Date.now();
job.addStatusCallback((_job, status) => {
  const at = new Date(status.time).toISOString().slice(11, 23);
  const elapsed = `+${status.time - start} ms`.padStart(9);
  const note = status.message ? `  (${status.message})` : "";
  console.log(`${at} ${elapsed}  ${status.state}${note}`);
});

console.log(`submitting: ${[executable, ...args].join(" ")}`);
await new LocalJobExecutor().submit(job);
console.log(`native id: ${job.nativeId}`);
const final = await job.wait();

let output = "";
try {
  output = readFileSync(stdoutPath, "utf8");
} catch {
  // the job never got as far as opening its output
}
rmSync(scratch, { recursive: true, force: true });
if (output) console.log(`output:\n${output.trimEnd()}`);
console.log(`final state: ${final?.state}, exit code: ${final?.exitCode ?? "none"}`);
process.exitCode = final?.state === "COMPLETED" ? 0 : 1;
