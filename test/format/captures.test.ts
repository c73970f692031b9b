/**
 * Every capture with qstat output: parse it with our parser, format it back
 * with the simulator's formatter, and demand the captured bytes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { captureFiles, loadCapture } from "./capture-loader.ts";
import { jsonHeader, recordToStatJob } from "./stat-job.ts";
import { parseQstatFull, parseQstatJson } from "../../src/executors/pbs/parse/index.ts";
import {
  formatFull,
  formatJsonV23,
  formatTableHeader,
  formatTableRow,
  type StatJob,
} from "../../simulator/format/index.ts";

const jsonCaptures = captureFiles().filter((f) => /qstat.*-F_json/.test(f));
const textCaptures = captureFiles().filter((f) => /qstat_(-x_)?-f_[A-Z]/.test(f));

describe("captured qstat -f -F json round-trips byte for byte", () => {
  for (const file of jsonCaptures) {
    it(file, () => {
      const cap = loadCapture(file);
      const parsed = parseQstatJson(cap.stdout);
      assert.deepEqual(parsed.problems, []);
      const jobs = [...parsed.jobs.values()].map(recordToStatJob);
      assert.equal(formatJsonV23(jsonHeader(cap.stdout), jobs), cap.stdout);
    });
  }
});

describe("captured qstat -f text round-trips byte for byte", () => {
  for (const file of textCaptures) {
    it(file, () => {
      const cap = loadCapture(file);
      const parsed = parseQstatFull(cap.stdout);
      assert.deepEqual(parsed.problems, []);
      assert.equal(formatFull([...parsed.jobs.values()].map(recordToStatJob)), cap.stdout);
    });
  }
  it("the JSON capture of a job formats to the text capture of the same job", () => {
    for (const n of ["05b", "06"]) {
      const json = captureFiles().find((f) => f.startsWith(n) && f.includes("json"))!;
      const text = captureFiles().find((f) => f.startsWith(n) && !f.includes("json"))!;
      const jobs = [...parseQstatJson(loadCapture(json).stdout).jobs.values()];
      assert.equal(formatFull(jobs.map(recordToStatJob)), loadCapture(text).stdout);
    }
  });
});

/** The plain table's rows read back into StatJobs (whitespace-separated columns). */
function tableJobs(stdout: string): StatJob[] {
  return stdout.split("\n").slice(2).filter((l) => l !== "").map((line) => {
    const [id, name, user, time, state, queue] = line.trim().split(/\s+/);
    return {
      id,
      attrs: [
        { name: "Job_Name", value: name },
        { name: "Job_Owner", value: `${user}@vm` },
        ...(time === "0" ? [] : [{ name: "resources_used", resource: "cput", value: time }]),
        { name: "job_state", value: state },
        { name: "queue", value: queue },
      ],
    };
  });
}

describe("captured plain qstat table", () => {
  it("07_qstat_plain_table.txt", () => {
    const cap = loadCapture("07_qstat_plain_table.txt");
    const rows = tableJobs(cap.stdout).map((j) => formatTableRow(j)).join("");
    assert.equal(formatTableHeader() + rows, cap.stdout);
  });
});
