/**
 * The dashboard's table query on a real store: filters, sorts, pages, and a
 * row whose stored spec is damaged still listed (never an error for the page).
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { JobStore } from "../../src/agent/store/store.ts";
import { tablePage, tableQueryOf } from "../../src/agent/ui/table-query.ts";
import { JobState } from "../../src/core/job-state.ts";

function storeWith(names: Array<string | undefined>): JobStore {
  const store = new JobStore(":memory:");
  names.forEach((name, i) => {
    const id = `jt${String(i).padStart(3, "0")}`;
    const spec = { version: 1, executable: "/bin/true", ...(name ? { name } : {}) };
    store.createJob({
      id,
      executor: "sim",
      specJson: JSON.stringify(spec),
      createdAt: 1000 + i,
      stamp: id,
    });
    store.recordTransition(id, {
      state: JobState.QUEUED,
      time: 2000 + i,
      metadata: { evidence: "submit" },
    });
  });
  return store;
}

const q = (search: string) => tableQueryOf(new URLSearchParams(search));

describe("the dashboard's table query", () => {
  it("lists a job whose stored spec is damaged in place, and filters and sorts around it", () => {
    const store = storeWith(["alpha", "beta", "gamma"]);
    try {
      store.db.prepare("UPDATE jobs SET spec = '{broken' WHERE id = 'jt001'").run();
      const all = tablePage(store, q(""));
      assert.deepEqual(all.rows.map((r) => r.id), ["jt002", "jt001", "jt000"]);
      assert.equal(all.rows[1].name, undefined, "no name from a damaged spec");
      assert.deepEqual(tablePage(store, q("q=gam")).rows.map((r) => r.id), ["jt002"]);
      assert.deepEqual(
        tablePage(store, q("sort=name&dir=asc")).rows.map((r) => r.name),
        ["alpha", "gamma", undefined],
        "a row without a name sorts last",
      );
    } finally {
      store.close();
    }
  });

  it("pages by 50 and takes a text filter literally (% and _ are not wildcards)", () => {
    const store = storeWith(Array.from({ length: 120 }, (_, i) => (i === 7 ? "a_%b" : `n${i}`)));
    try {
      const p3 = tablePage(store, q("page=3"));
      assert.equal(p3.total, 120);
      assert.equal(p3.pages, 3);
      assert.equal(p3.rows.length, 20);
      assert.equal(tablePage(store, q("page=99")).rows.length, 20, "past the end: the last page");
      assert.deepEqual(tablePage(store, q("q=_%25")).rows.map((r) => r.name), ["a_%b"]);
      assert.equal(tablePage(store, q("state=FAILED")).total, 0);
      assert.equal(tablePage(store, q("state=queued,bogus")).total, 120);
    } finally {
      store.close();
    }
  });
});
