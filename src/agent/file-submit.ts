/**
 * A CommandRunner wrapper that turns `qsub` fed on stdin into `qsub <file>`.
 *
 * The PBS executor hands qsub the job script on stdin. If the agent is killed
 * while qsub is still reading it, qsub sees end-of-file and submits whatever
 * arrived: a truncated script, without the stamp that recovery looks for.
 * Writing the script to `<workDir>/<stamp>.job` first (whole, then renamed
 * into place) means qsub only ever starts with a complete script, and PBS's
 * `Submit_arguments` names the stamp too. The executor removes that file
 * with the job's other files.
 * @module
 */

import { renameSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { CommandOptions, CommandResult, CommandRunner } from "../core/command-runner.ts";

const STAMP_RE = /^export PSIJ_AGENT_STAMP='?([A-Za-z0-9_-]{1,100})'?$/m;

export class FileSubmitRunner implements CommandRunner {
  constructor(readonly inner: CommandRunner, readonly workDir: string) {}

  run(argv: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
    const stamp = options.stdin === undefined ? undefined : STAMP_RE.exec(options.stdin)?.[1];
    if (basename(argv[0] ?? "") !== "qsub" || argv.length !== 1 || stamp === undefined) {
      return this.inner.run(argv, options);
    }
    const path = join(options.cwd ?? this.workDir, `${stamp}.job`);
    writeFileSync(`${path}.tmp`, options.stdin!, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
    return this.inner.run([argv[0], path], { ...options, stdin: undefined });
  }
}
