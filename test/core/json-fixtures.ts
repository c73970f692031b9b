/** Shared fixtures: one spec using every field, and its two JSON forms. */
import assert from "node:assert/strict";
import { InvalidJobException, type JobSpec, ResourceSpecV1 } from "../../src/core/index.ts";

/** Through text, as a document really travels. */
export const viaText = (o: unknown) => JSON.parse(JSON.stringify(o));

export const full: JobSpec = {
  executable: "/bin/echo",
  arguments: ["-n", "", "${HOME}"],
  directory: "~/jobs",
  name: "echo test",
  inheritEnvironment: false,
  environment: { TEST_INT: 1, TEST_VAR: "_y_" },
  stdinPath: "/dev/null",
  stdoutPath: "out.txt",
  stderrPath: "err.txt",
  resources: new ResourceSpecV1({
    nodeCount: 2,
    processesPerNode: 4,
    gpuCoresPerProcess: 0,
    exclusiveNodeUse: false,
    memory: 8589934592,
  }),
  attributes: {
    duration: 90061.25,
    queueName: "workq",
    account: "proj1",
    reservationId: "R123",
    customAttributes: { "pbs.l": "place=scatter", "slurm.qos": 3, "pbs.r": true },
  },
  preLaunch: "setup.sh",
  postLaunch: "teardown.sh",
  launcher: "mpirun",
  stageIn: [{ source: "file:///data/in.txt", target: "in.txt", mode: "LINK" }],
  stageOut: [{ source: "out.txt", target: "/data/out.txt", mode: "COPY", flags: 3 }, {
    source: "log",
    target: "/data/log",
  }],
  cleanup: ["in.txt", "scratch"],
  cleanupFlags: 2,
};

export const fullOurs = {
  version: 1,
  executable: "/bin/echo",
  arguments: ["-n", "", "${HOME}"],
  directory: "~/jobs",
  name: "echo test",
  inheritEnvironment: false,
  environment: { TEST_INT: 1, TEST_VAR: "_y_" },
  stdinPath: "/dev/null",
  stdoutPath: "out.txt",
  stderrPath: "err.txt",
  resources: {
    nodeCount: 2,
    processesPerNode: 4,
    gpuCoresPerProcess: 0,
    exclusiveNodeUse: false,
    memory: 8589934592,
  },
  attributes: {
    duration: 90061.25,
    queueName: "workq",
    account: "proj1",
    reservationId: "R123",
    customAttributes: { "pbs.l": "place=scatter", "slurm.qos": 3, "pbs.r": true },
  },
  preLaunch: "setup.sh",
  postLaunch: "teardown.sh",
  launcher: "mpirun",
  stageIn: [{ source: "file:///data/in.txt", target: "in.txt", mode: "LINK" }],
  stageOut: [
    {
      source: "out.txt",
      target: "/data/out.txt",
      mode: "COPY",
      flags: ["IF_PRESENT", "ON_SUCCESS"],
    },
    { source: "log", target: "/data/log" },
  ],
  cleanup: ["in.txt", "scratch"],
  cleanupFlags: ["ON_SUCCESS"],
};

export const fullPsij = {
  executable: "/bin/echo",
  arguments: ["-n", "", "${HOME}"],
  directory: "~/jobs",
  name: "echo test",
  inherit_environment: false,
  environment: { TEST_INT: 1, TEST_VAR: "_y_" },
  stdin_path: "/dev/null",
  stdout_path: "out.txt",
  stderr_path: "err.txt",
  resources: {
    __version: 1,
    node_count: 2,
    processes_per_node: 4,
    gpu_cores_per_process: 0,
    exclusive_node_use: false,
    memory: 8589934592,
  },
  attributes: {
    duration: "90061.25 s",
    queue_name: "workq",
    account: "proj1",
    reservation_id: "R123",
    custom_attributes: { "pbs.l": "place=scatter", "slurm.qos": 3, "pbs.r": true },
  },
  pre_launch: "setup.sh",
  post_launch: "teardown.sh",
  launcher: "mpirun",
  stage_in: [{ source: "file:///data/in.txt", target: "in.txt", mode: "LINK" }],
  stage_out: [
    {
      source: "out.txt",
      target: "/data/out.txt",
      mode: "COPY",
      flags: ["IF_PRESENT", "ON_SUCCESS"],
    },
    { source: "log", target: "/data/log" },
  ],
  cleanup: ["in.txt", "scratch"],
  cleanup_flags: ["ON_SUCCESS"],
};

/** Asserts that `read(doc)` throws an InvalidJobException at `path` for `reason`. */
export function rejects(
  read: (doc: unknown) => JobSpec,
  doc: unknown,
  path: string,
  reason: RegExp,
): void {
  assert.throws(() => read(doc), (err: unknown) => {
    assert.ok(err instanceof InvalidJobException, String(err));
    assert.equal(err.field, path);
    assert.ok(err.message.startsWith(`${path}: `), err.message);
    assert.match(err.message, reason);
    return true;
  });
}
