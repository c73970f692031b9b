/**
 * The user's own batch script through the agent: `submit --script`'s
 * document, POST /v1/jobs with a batchScript on the PBS executor (simulator,
 * execute mode), the agent keeping no output of its own for it (the script's
 * directives say where it goes), and the refusals as 422s naming
 * $.batchScript and the line, with nothing stored.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { batchScriptDocument, callerDefaults } from "../../src/agent/cli/submit-cmds.ts";
import { createApp } from "../../src/agent/http/app.ts";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { LocalJobExecutor } from "../../src/executors/local.ts";
import { executeRig } from "../pbs/helpers.ts";

const rig = executeRig("psij-agent-user-script-");
const service = new JobService({
  store: new JobStore(":memory:"),
  executors: { sim: rig.executor(), local: new LocalJobExecutor() },
  defaultExecutor: "sim",
  outputDir: join(rig.base, "kept"),
});
const app = createApp(service);
after(async () => {
  await service.close();
  await rig.close();
});

async function post(doc: unknown, executor = "sim") {
  const res = await app.request(`/v1/jobs?executor=${executor}`, {
    method: "POST",
    body: JSON.stringify(doc),
    headers: { "content-type": "application/json" },
  });
  return { status: res.status, body: await res.json() as any };
}

async function final(id: string): Promise<any> {
  for (let i = 0; i < 600; i++) {
    const job = await (await app.request(`/v1/jobs/${id}`)).json() as any;
    if (["COMPLETED", "FAILED", "CANCELED"].includes(job.state)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not end`);
}

describe("submit --script: the document it sends", () => {
  it("carries the script's text, its arguments, the file's name and the caller's directory", async () => {
    const file = join(rig.base, "job.pbs");
    writeFileSync(file, "#!/bin/sh\n#PBS -l walltime=1:00\necho hi\n");
    const ctx = { values: { script: file }, positionals: ["a", "b c"], io: {} as any };
    const doc = callerDefaults(await batchScriptDocument(ctx as any), ctx as any, "/home/u/run");
    assert.deepEqual(doc, {
      version: 1,
      batchScript: "#!/bin/sh\n#PBS -l walltime=1:00\necho hi\n",
      name: "job.pbs",
      arguments: ["a", "b c"],
      directory: "/home/u/run",
    });
  });
});

describe(
  "a batchScript through the agent (PBS simulator, execute mode)",
  { timeout: 90_000 },
  () => {
    it("runs as written, its output where its directives say, its exit code the job's", async () => {
      const dir = join(rig.base, "here");
      mkdirSync(dir);
      const { status, body } = await post({
        version: 1,
        name: "job.pbs",
        directory: dir,
        batchScript: "#!/bin/bash\n#PBS -o mine.txt\necho from the script\nexit 7\n",
      });
      assert.equal(status, 201, JSON.stringify(body));
      assert.equal(body.spec.stdoutPath, undefined, "the agent keeps no output of its own for it");
      const job = await final(body.id);
      assert.equal(job.state, "FAILED", job.message);
      assert.equal(job.exitCode, 7);
      assert.equal(readFileSync(join(dir, "mine.txt"), "utf8"), "from the script\n");
    });

    it("a directive that would break tracking is a 422 naming $.batchScript and the line", async () => {
      const before = service.list({}).jobs.length;
      const { status, body } = await post({
        version: 1,
        batchScript: "#!/bin/bash\n#PBS -N ok\n#PBS -J 1-10\necho hi\n",
      });
      assert.equal(status, 422, JSON.stringify(body));
      assert.match(JSON.stringify(body), /\$\.batchScript: line 3 \(#PBS -J 1-10\) has -J/);
      assert.equal(service.list({}).jobs.length, before, "nothing stored");
    });

    it("the local executor refuses a batchScript at $.batchScript", async () => {
      const { status, body } = await post(
        { version: 1, batchScript: "#!/bin/sh\necho hi\n" },
        "local",
      );
      assert.equal(status, 422, JSON.stringify(body));
      assert.match(JSON.stringify(body), /\$\.batchScript: the local executor has no scheduler/);
    });
  },
);
