/**
 * A job store that is damaged, replaced or gone: the agent says which file,
 * what is wrong and what to do, and never serves broken JSON.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentPaths } from "../../src/agent/access.ts";
import { startAgent } from "../../src/agent/agent.ts";
import { AgentClient } from "../../src/agent/cli/client.ts";
import { formatHealth, formatJob } from "../../src/agent/cli/format.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; !(await cond());) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let starts = 0;

/**
 * Starts an agent (local executor) on `home`, its log lines collected. Each
 * start gets a socket path of its own: Bun's HTTP client keeps connections
 * alive per socket path and would write to the stopped agent's.
 */
async function agentOn(home: string) {
  const paths = { ...agentPaths(home), socket: join(home, `agent-${++starts}.sock`) };
  const lines: string[] = [];
  const agent = await startAgent({ paths, executor: "local", log: (l) => lines.push(l) });
  const client = new AgentClient({ socket: paths.socket });
  return { agent, client, lines, paths };
}

/** Submits `doc` and waits until the job is final; returns its id. */
async function runToEnd(client: AgentClient, doc: unknown): Promise<string> {
  const res = await client.request("POST", "/v1/jobs", doc);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const id = res.body.id as string;
  await until(
    async () => (await client.request("GET", `/v1/jobs/${id}`)).body.state === "COMPLETED",
    "the job to complete",
  );
  return id;
}

/** Overwrites every occurrence of `from` in the file with `to` (same length), in place. */
function patchBytes(file: string, from: string, to: string): number {
  assert.equal(from.length, to.length);
  const bytes = readFileSync(file);
  const a = Buffer.from(from), b = Buffer.from(to);
  let n = 0;
  for (let i = bytes.indexOf(a); i >= 0; i = bytes.indexOf(a, i + 1), n++) b.copy(bytes, i);
  writeFileSync(file, bytes);
  return n;
}

describe("a damaged or missing job store", () => {
  it("a store file that is not a database is refused naming its path and what to do", async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-store-damage-"));
    try {
      const paths = agentPaths(home);
      writeFileSync(paths.db, "this is not a database\n".repeat(100), { mode: 0o600 });
      await assert.rejects(startAgent({ paths, executor: "local" }), (err: Error) => {
        assert.ok(err.message.includes(paths.db), `names the file: ${err.message}`);
        assert.match(err.message, /file is not a database/);
        assert.match(err.message, /move it aside \(mv /);
        assert.match(err.message, /psij-agent attach <native-id>/);
        return true;
      });
      // Moved aside as advised, the agent starts (the refused start let go of the lock).
      rmSync(paths.db);
      const { agent } = await agentOn(home);
      await agent.stop();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("a deleted store is replaced by a fresh one that says so, in the log and in health", {
    timeout: 60_000,
  }, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-store-damage-"));
    try {
      const first = await agentOn(home);
      const health1 = (await first.client.request("GET", "/v1/health")).body;
      assert.equal(health1.store.fresh, true, "the very first store is fresh");
      assert.doesNotMatch(health1.store.notice, /ran jobs before/, "nothing was lost yet");
      await runToEnd(first.client, { version: 1, executable: "/bin/true" });
      await first.agent.stop();

      const again = await agentOn(home);
      const health2 = (await again.client.request("GET", "/v1/health")).body;
      assert.equal(health2.store.fresh, false, "the same store, opened again");
      assert.equal(health2.store.notice, undefined);
      await again.agent.stop();

      for (const f of ["", "-wal", "-shm"]) rmSync(first.paths.db + f, { force: true });
      const third = await agentOn(home);
      const health3 = (await third.client.request("GET", "/v1/health")).body;
      assert.equal(health3.store.fresh, true);
      assert.match(health3.store.notice, /a new, empty store at .*agent\.db/);
      assert.match(health3.store.notice, /ran jobs before/);
      assert.match(health3.store.notice, /psij-agent attach <native-id>/);
      assert.ok(
        third.lines.includes(health3.store.notice),
        `the log says it too:\n${third.lines.join("\n")}`,
      );
      await third.agent.stop();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("a store removed under the running agent makes health degraded, saying what it means", async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-store-damage-"));
    try {
      const { agent, client, paths } = await agentOn(home);
      assert.equal((await client.request("GET", "/v1/health")).body.store.status, "ok");
      rmSync(paths.db);
      const h = (await client.request("GET", "/v1/health")).body;
      assert.equal(h.status, "degraded");
      assert.equal(h.store.status, "degraded");
      assert.match(h.store.lastError, /agent\.db was removed while this agent runs/);
      assert.match(h.store.lastError, /psij-agent list/);
      assert.match(formatHealth(h), /^ {2}store .*agent\.db: degraded \(.*was removed while/m);
      await agent.stop();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("a job whose stored spec is damaged is still followed at restart; recovery does not stop", {
    timeout: 60_000,
  }, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-store-damage-"));
    try {
      const first = await agentOn(home);
      const res = await first.client.request("POST", "/v1/jobs", {
        version: 1,
        executable: "/bin/sleep",
        arguments: ["300"],
        environment: { MARK: "DAMAGE-ME" },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const id = res.body.id as string;
      await first.agent.stop();
      assert.ok(patchBytes(first.paths.db, '"DAMAGE-ME"}', '"DAMAGE-ME}}') > 0);

      const { agent, client } = await agentOn(home);
      const report = await agent.recovery; // rejected before: the spec's JSON.parse threw
      const job = (await client.request("GET", `/v1/jobs/${id}`)).body;
      assert.ok(
        report.reattached.includes(id) || report.failed.some((f) => f.id === id),
        JSON.stringify(report),
      );
      assert.equal(job.spec, null);
      assert.deepEqual(job.damaged.map((d: { part: string }) => d.part), ["spec"]);
      await agent.stop();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("a row damaged in place is served as JSON naming the damaged parts, and the agent goes on", {
    timeout: 60_000,
  }, async () => {
    const home = mkdtempSync(join(tmpdir(), "psij-store-damage-"));
    try {
      const first = await agentOn(home);
      const id = await runToEnd(first.client, {
        version: 1,
        executable: "/bin/true",
        environment: { MARK: "DAMAGE-ME" },
      });
      await first.agent.stop(); // the WAL is folded into agent.db

      // Bytes changed inside the row: the spec's JSON and the rendered history's.
      assert.ok(patchBytes(first.paths.db, '"DAMAGE-ME"}', '"DAMAGE-ME}}') > 0);
      assert.ok(patchBytes(first.paths.db, '[{"seq":1,', '[{"seq":1;') > 0);

      const { agent, client, lines } = await agentOn(home);
      const res = await client.request("GET", `/v1/jobs/${id}`);
      assert.equal(res.status, 200);
      assert.equal(typeof res.body, "object", `served as JSON: ${String(res.body).slice(0, 200)}`);
      assert.equal(res.body.state, "COMPLETED");
      assert.equal(res.body.spec, null);
      assert.deepEqual(res.body.damaged.map((d: { part: string }) => d.part).sort(), [
        "history",
        "spec",
      ]);
      for (const d of res.body.damaged) assert.match(d.problem, /not valid JSON/);
      assert.equal(res.body.history.at(-1).state, "COMPLETED", "rebuilt from the transitions");
      assert.match(formatJob(res.body), /^damaged {4}spec: the stored spec is not valid JSON/m);
      assert.ok(
        lines.some((l) => l.includes(`job ${id} is damaged`) && l.includes("agent.db")),
        `logged, naming the store:\n${lines.join("\n")}`,
      );
      // The agent goes on: other requests, and new jobs, are served.
      assert.equal((await client.request("GET", "/v1/jobs")).status, 200);
      await runToEnd(client, { version: 1, executable: "/bin/true" });
      await agent.stop();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
