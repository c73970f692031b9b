/**
 * A spec that the executor refuses (its script or directives cannot carry a
 * value, a launcher it does not know, a qsub option it cannot follow) is
 * refused before anything is recorded: 422 naming the JSON path of the value
 * as the client wrote it, no job stored, no scheduler command run, however
 * often it is retried. PBS over the simulator, Slurm (refused before sbatch
 * would run) and local.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createApp } from "../../src/agent/http/app.ts";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { InvalidJobException } from "../../src/core/errors.ts";
import type { JobExecutor } from "../../src/core/executor.ts";
import { LocalJobExecutor } from "../../src/executors/local.ts";
import { SlurmExecutor } from "../../src/executors/slurm.ts";
import { rig } from "../pbs/helpers.ts";

function agentOver(name: string, executor: JobExecutor) {
  const store = new JobStore(":memory:");
  const service = new JobService({ store, executors: { [name]: executor }, defaultExecutor: name });
  const close = async () => {
    await service.close();
    store.close();
  };
  return { store, service, app: createApp(service), close };
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "psij-validate-"));
  dirs.push(d);
  return d;
}

type Case = [label: string, doc: Record<string, unknown>, field: string, reason: RegExp];

const ours = (extra: Record<string, unknown>) => ({
  version: 1,
  executable: "/bin/true",
  ...extra,
});

/** Refused by every batch executor: their scripts and directives cannot hold these. */
const BATCH_CASES: Case[] = [
  [
    "an account with a line break",
    ours({ attributes: { account: "a\nb" } }),
    "$.attributes.account",
    /line break/,
  ],
  [
    "a variable the job script uses itself",
    ours({ environment: { _psij_dir: "/" } }),
    "$.environment._psij_dir",
    /reserved/,
  ],
  ["an unknown launcher", ours({ launcher: "evil" }), "$.launcher", /unknown launcher "evil"/],
  [
    "a staging URL",
    ours({ stageIn: [{ source: "https://x/y", target: "y" }] }),
    "$.stageIn[0].source",
    /only local paths/,
  ],
  [
    "psij-python's form, named in its own keys",
    { executable: "/bin/true", attributes: { queue_name: "q\nr" } },
    "$.attributes.queue_name",
    /line break/,
  ],
];

const PBS_CASES: Case[] = [
  ...BATCH_CASES,
  [
    "a qsub option the executor cannot follow",
    ours({ attributes: { customAttributes: { "pbs.J": "1-3" } } }),
    '$.attributes.customAttributes["pbs.J"]',
    /-J is not supported/,
  ],
];

async function post(app: ReturnType<typeof createApp>, doc: unknown) {
  const res = await app.request("/v1/jobs", {
    method: "POST",
    body: JSON.stringify(doc),
    headers: { "content-type": "application/json" },
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe("agent: a spec the executor refuses is refused before it is recorded", () => {
  for (const [label, doc, field, reason] of PBS_CASES) {
    it(`PBS (simulator): ${label} is a 422 naming ${field}; nothing stored or sent, retries alike`, async () => {
      const { executor, runner } = rig();
      const { store, app, close } = agentOver("pbs", executor);
      try {
        for (let attempt = 0; attempt < 2; attempt++) {
          const { status, body } = await post(app, doc);
          assert.equal(status, 422, JSON.stringify(body));
          assert.equal(body.type.split("/").at(-1), "invalid-job-spec");
          assert.equal(body.field, field);
          assert.ok(body.detail.startsWith(`${field}: `), body.detail);
          assert.match(body.detail, reason);
        }
        assert.equal(store.countJobs(), 0, "no job stored");
        assert.equal(runner.count("qsub"), 0, "qsub never ran");
      } finally {
        await close();
      }
    });
  }

  for (const [label, doc, field, reason] of BATCH_CASES) {
    it(`Slurm: ${label} is refused naming ${field}; nothing stored`, async () => {
      const { store, service, close } = agentOver(
        "slurm",
        new SlurmExecutor({ workDir: tempDir() }),
      );
      try {
        await assert.rejects(service.submit(doc), (err: unknown) => {
          assert.ok(err instanceof InvalidJobException, String(err));
          assert.equal(err.field, field);
          assert.match(err.message, reason);
          return true;
        });
        assert.equal(store.countJobs(), 0);
      } finally {
        await close();
      }
    });
  }

  const LOCAL_CASES: Case[] = [
    ["an unknown launcher", ours({ launcher: "evil" }), "$.launcher", /unknown launcher/],
    [
      "a staging URL",
      ours({ stageIn: [{ source: "https://x/y", target: "y" }] }),
      "$.stageIn[0].source",
      /stages only file paths/,
    ],
    [
      "a cleanup path outside the job directory",
      { executable: "/bin/true", directory: "/tmp", cleanup: ["../etc"] },
      "$.cleanup[0]",
      /not inside the job directory/,
    ],
  ];
  for (const [label, doc, field, reason] of LOCAL_CASES) {
    it(`local: ${label} is a 422 naming ${field}; nothing stored`, async () => {
      const { store, app, close } = agentOver("local", new LocalJobExecutor());
      try {
        const { status, body } = await post(app, doc);
        assert.equal(status, 422, JSON.stringify(body));
        assert.equal(body.field, field);
        assert.match(body.detail, reason);
        assert.equal(store.countJobs(), 0);
      } finally {
        await close();
      }
    });
  }

  it("a spec's own validation names the JSON path too ($.executable, not executable)", async () => {
    const { store, app, close } = agentOver("local", new LocalJobExecutor());
    try {
      const { status, body } = await post(app, { version: 1, arguments: ["x"] });
      assert.equal(status, 422);
      assert.equal(body.field, "$.executable");
      assert.match(body.detail, /^\$\.executable: is required/);
      assert.equal(store.countJobs(), 0);
    } finally {
      await close();
    }
  });

  it("a spec the executor accepts is still submitted (the check sends nothing itself)", async () => {
    const { executor, runner } = rig();
    const { store, app, close } = agentOver("pbs", executor);
    try {
      const { status } = await post(app, ours({ attributes: { account: "proj1" } }));
      assert.equal(status, 201);
      assert.equal(store.countJobs(), 1);
      assert.equal(runner.count("qsub"), 1);
    } finally {
      await close();
    }
  });
});
