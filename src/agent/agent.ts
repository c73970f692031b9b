/**
 * One running agent: the store, the service over the chosen executor, restart
 * recovery, and the listeners (the unix socket always, TCP on request with a
 * token). `stop()` is the graceful shutdown: stop accepting, end event
 * streams, stop the executors, close the store, remove the socket.
 * @module
 */

import { chmodSync, closeSync, openSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { type AgentPaths, ensureHome, ensureToken, type TcpAddress } from "./access.ts";
import { chooseExecutor, type ChosenExecutor, type ExecutorChoice } from "./executors.ts";
import { acquireLock } from "./lock.ts";
import type { SimShape } from "./sim-executor.ts";
import { createApp } from "./http/app.ts";
import { type Listener, serve } from "./http/serve.ts";
import type { RecoveryReport } from "./recovery.ts";
import { JobService } from "./service.ts";
import { JobStore } from "./store/store.ts";
import { VERSION } from "./version.ts";
import { loginLines, startUi, type UiServer } from "./ui/server.ts";

export interface AgentOptions {
  paths: AgentPaths;
  executor: ExecutorChoice | ChosenExecutor;
  /** A TCP listener, always behind the bearer token. */
  listen?: TcpAddress;
  log?: (line: string) => void;
  /** See JobServiceOptions.intentSettleMs. */
  intentSettleMs?: number;
  /** PBS's job history retention, when given instead of read from `qstat -Bf`. */
  pbsHistoryMs?: number;
  /** Serve the dashboard at start (`serve --ui`); `port` as in ui/server.ts. */
  ui?: { port?: number };
  /** The embedded simulator's nodes (executor sim or auto without PBS). */
  simShape?: SimShape;
}

export interface RunningAgent {
  service: JobService;
  store: JobStore;
  executor: ChosenExecutor;
  listeners: Listener[];
  /** The TCP token, when TCP is served. */
  token?: string;
  /** Restart recovery, which runs while the agent already serves. */
  recovery: Promise<RecoveryReport>;
  /** The dashboard, started now if it is not yet (by `serve --ui` or `psij-agent ui`). */
  openUi(): Promise<UiServer>;
  stop(): Promise<void>;
}

/** True when something answers on the socket (a live agent, not a stale file). */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** A directory of this home that holds files of earlier jobs, if one does. */
function earlierJobFiles(paths: AgentPaths): string | undefined {
  for (const dir of [paths.workDir, paths.output]) {
    try {
      if (readdirSync(dir).length) return dir;
    } catch {
      // not there: nothing ran from this home yet
    }
  }
  return undefined;
}

/**
 * What a new, empty store means. On a home that ran jobs before, an earlier
 * store was lost (deleted, moved aside): the scheduler may still hold jobs
 * that nothing follows now, and the user must hear it.
 */
function freshStoreNotice(db: string, traces: string | undefined): string {
  const head = `job store: a new, empty store at ${db} (there was none)`;
  if (traces === undefined) return head;
  return `${head}, but this home ran jobs before (${traces} holds their files): the jobs an ` +
    "earlier store followed are not tracked now. Find those still at the scheduler " +
    "(qstat -u $USER) and follow each again with: psij-agent attach <native-id>";
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const { paths } = options;
  const log = options.log ?? (() => {});
  ensureHome(paths);
  if (await socketAnswers(paths.socket)) {
    throw new Error(`an agent is already running at ${paths.socket}`);
  }
  const release = await acquireLock(paths.lock, () => socketAnswers(paths.socket));
  rmSync(paths.socket, { force: true }); // a stale socket from a killed agent
  const traces = earlierJobFiles(paths); // before an executor makes its directories

  let chosen: ChosenExecutor;
  try {
    chosen = typeof options.executor === "string"
      ? await chooseExecutor(options.executor, {
        workDir: paths.workDir,
        pbsHistoryMs: options.pbsHistoryMs,
        simShape: options.simShape,
      })
      : options.executor;
  } catch (err) {
    release();
    throw err;
  }
  // Created 0600 before SQLite opens it: its -wal and -shm files copy these rights.
  let store: JobStore;
  try {
    closeSync(openSync(paths.db, "a", 0o600));
    store = new JobStore(paths.db);
  } catch (err) {
    release();
    throw err;
  }
  if (store.fresh) store.notice = freshStoreNotice(paths.db, traces);
  const service = new JobService({
    store,
    executors: { [chosen.name]: chosen.executor },
    defaultExecutor: chosen.name,
    intentSettleMs: options.intentSettleMs,
    outputDir: paths.output,
    log,
  });
  const shutdown = new AbortController();
  const listeners: Listener[] = [];
  let token: string | undefined;
  let ui: Promise<UiServer> | undefined;
  const openUi = (port?: number) => {
    ui ??= startUi(service, paths, { port, shutdown: shutdown.signal });
    ui.catch(() => (ui = undefined)); // a failed start may be asked again
    return ui;
  };
  const uiLogin = async (port?: number) => (await openUi(port)).login();
  try {
    const unixApp = createApp(service, { shutdown: shutdown.signal, uiLogin });
    listeners.push(await serve(unixApp.fetch, { unix: paths.socket }));
    chmodSync(paths.socket, 0o600);
    if (options.listen) {
      token = ensureToken(paths.token, log);
      const app = createApp(service, { token, shutdown: shutdown.signal });
      listeners.push(await serve(app.fetch, options.listen));
    }
    if (options.ui) await openUi(options.ui.port);
  } catch (err) {
    shutdown.abort();
    await Promise.all(listeners.map((l) => l.stop()));
    await service.close();
    store.close();
    release();
    throw err;
  }
  writeFileSync(
    paths.state,
    JSON.stringify({
      pid: process.pid,
      version: VERSION,
      executor: chosen.name,
      listeners: listeners.map((l) => l.url),
      startedAt: new Date().toISOString(),
    }) + "\n",
    { mode: 0o600 },
  );
  log(`psij-agent ${VERSION} (pid ${process.pid})`);
  for (const line of chosen.banner.split("\n")) log(line);
  if (store.notice) log(store.notice);
  for (const l of listeners) {
    log(`listening on ${l.url}${l.port ? " (bearer token in " + paths.token + ")" : ""}`);
  }
  if (ui) { for (const line of loginLines((await ui).login())) log(line); }
  let stopped = false;
  const recovery = service.recover();
  recovery.then((r) => {
    if (r.reattached.length + r.reconciled.length + r.resubmitted.length + r.failed.length) {
      log(
        `recovered: ${r.reattached.length} re-attached, ${r.reconciled.length} reconciled, ` +
          `${r.resubmitted.length} resubmitted, ${r.failed.length} failed`,
      );
    }
    if (r.untracked.length) {
      log(
        `${r.untracked.length} unfinished jobs belong to executors this agent does not serve; ` +
          "they are left as they are (start the agent with their --executor to follow them)",
      );
    }
  }, (err) => {
    if (!stopped) {
      log(`recovery stopped with an error: ${err instanceof Error ? err.message : err}`);
    }
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      stopped = true;
      shutdown.abort();
      const dashboard = ui && await ui.catch(() => undefined);
      await Promise.all([...listeners, ...(dashboard ? [dashboard] : [])].map((l) => l.stop()));
      await service.close();
      store.close();
      rmSync(paths.socket, { force: true });
      rmSync(paths.state, { force: true });
      release();
    })();
  return {
    service,
    store,
    executor: chosen,
    listeners,
    token,
    recovery,
    openUi: () => openUi(),
    stop,
  };
}
