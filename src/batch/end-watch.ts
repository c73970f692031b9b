/**
 * Hears a job's exit-code file appear in the work directory (`<native id>.ec`,
 * which the job script moves into place as its last act), so its end is known
 * at once instead of at the scheduler's next record and the next status poll.
 *
 * It is only a shortcut: where the directory cannot be watched (no inotify
 * slots left, a filesystem that reports nothing) or a write is made on another
 * host (NFS, Lustre and GPFS do not tell this host's inotify), the status poll
 * still finds the file, as before. So a watcher that fails is closed quietly.
 * @module
 */

import { type FSWatcher, watch } from "node:fs";

const EXIT_CODE_FILE = /^(.+)\.ec$/;

export class EndWatch {
  #watcher?: FSWatcher;
  #dir?: string;
  #failed = false;

  /** @param onEnd called with the native id whose exit-code file appeared (maybe twice). */
  constructor(readonly onEnd: (nativeId: string) => void) {}

  /** Starts watching `dir` (once; the work directory must exist). */
  start(dir: string): void {
    if (this.#watcher || this.#failed) return;
    this.#dir = dir;
    try {
      this.#watcher = watch(dir, { persistent: false }, (_event, name) => {
        const m = typeof name === "string" ? EXIT_CODE_FILE.exec(name) : null;
        if (m) this.onEnd(m[1]);
      });
      this.#watcher.on("error", () => this.#fail());
    } catch {
      this.#fail();
    }
  }

  get watching(): string | undefined {
    return this.#watcher ? this.#dir : undefined;
  }

  #fail(): void {
    this.#failed = true;
    this.close();
  }

  close(): void {
    try {
      this.#watcher?.close();
    } catch {
      // closed already
    }
    this.#watcher = undefined;
  }
}
