/**
 * The dashboard's figures with 10,000 stored jobs: how long the server takes
 * to render the job table (first page, a far page, sorted by name, filtered
 * by text), the bytes each sends, and (with Chromium) the time to the first
 * render in a real browser and how many events per second the open page
 * keeps up with. Prints figures; never passes or fails on them.
 *
 * The events for the last figure are published on the agent's event bus
 * (not stored) for the 50 jobs the page shows, at rising rates; a rate is
 * "kept up with" when the page shows the last event less than 1 s after it
 * was sent.
 *
 * Usage: npx bun bench/ui.ts [--jobs 10000]   (npx deno run -A bench/ui.ts works too)
 * @module
 */

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { agentPaths, ensureHome } from "../src/agent/access.ts";
import { startAgent } from "../src/agent/agent.ts";
import { specToJson } from "../src/agent/spec-input.ts";
import { JobStore } from "../src/agent/store/store.ts";
import { JobState } from "../src/core/job-state.ts";

const { values } = parseArgs({ options: { jobs: { type: "string", default: "10000" } } });
const JOBS = Number(values.jobs);
const CHROMIUM = process.env.PSIJ_CHROMIUM ?? "/usr/bin/chromium";

function seed(db: string, n: number): void {
  const store = new JobStore(db);
  const spec = (i: number) =>
    specToJson({ name: `bench-${i}`, executable: "/bin/echo", arguments: ["hello"] });
  const t0 = Date.now() - n * 1000;
  for (let i = 0; i < n; i++) {
    const id = `jb${i.toString(36).padStart(8, "0")}`;
    store.createJob({
      id,
      executor: "sim",
      specJson: spec(i),
      createdAt: t0 + i * 1000,
      stamp: id,
    });
    store.recordNativeId(id, `${i}.pbs-sim`, t0 + i * 1000 + 5);
    store.recordTransition(id, {
      state: JobState.QUEUED,
      time: t0 + i * 1000 + 10,
      metadata: { evidence: "submit" },
    });
    store.recordTransition(id, {
      state: i % 7 === 0 ? JobState.FAILED : JobState.COMPLETED,
      time: t0 + i * 1000 + 500,
      exitCode: i % 7 === 0 ? 1 : 0,
      metadata: { evidence: "exit-code-file" },
    });
  }
  store.close();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), "psij-bench-ui-"));
  const paths = agentPaths(home);
  ensureHome(paths);
  let t = performance.now();
  seed(paths.db, JOBS);
  console.log(
    `seeded ${JOBS.toLocaleString("en-US")} jobs in ${(performance.now() - t).toFixed(0)} ms`,
  );
  const agent = await startAgent({ paths, executor: "sim", ui: {} });
  try {
    const ui = await agent.openUi();
    const base = `http://127.0.0.1:${ui.port}`;
    const signIn = await fetch(ui.login().url, { redirect: "manual" });
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0];
    await signIn.body?.cancel();

    console.log("\nserver render (median of 20, loopback HTTP, signed in):");
    const pages: Array<[string, string]> = [
      ["first page", "/"],
      ["page 100", "/?page=100"],
      ["sorted by name", "/?sort=name&dir=asc"],
      ["text filter", "/?q=bench-99"],
      ["one job", "/jobs/jb00000001"],
    ];
    for (const [label, path] of pages) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < 20; i++) {
        t = performance.now();
        const res = await fetch(base + path, { headers: { cookie } });
        bytes = (await res.arrayBuffer()).byteLength;
        times.push(performance.now() - t);
      }
      console.log(
        `  ${label.padEnd(16)} ${median(times).toFixed(1).padStart(6)} ms  ${kib(bytes)}`,
      );
    }
    for (const asset of ["/ui/app.js", "/ui/app.css"]) {
      const n = (await (await fetch(base + asset)).arrayBuffer()).byteLength;
      console.log(`  ${asset.padEnd(16)} ${kib(n).padStart(9)} (once; no bundler, no framework)`);
    }

    if (!existsSync(CHROMIUM)) {
      console.log(`\nno Chromium at ${CHROMIUM}: browser figures skipped`);
      return;
    }
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
    });
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(ui.login().url);
      const firsts: number[] = [];
      for (let i = 0; i < 5; i++) {
        await page.reload({ waitUntil: "load" });
        const nav = await page.evaluate(
          `(() => { const n = performance.getEntriesByType("navigation")[0]; return [n.responseEnd - n.startTime, n.domContentLoadedEventEnd - n.startTime, n.loadEventEnd - n.startTime]; })()`,
        ) as number[];
        firsts.push(nav[1]);
        if (i === 4) {
          console.log(
            `\nbrowser, first page of ${JOBS.toLocaleString("en-US")} jobs: response ${
              nav[0].toFixed(0)
            } ms, table rendered (DOMContentLoaded) ${nav[1].toFixed(0)} ms, load ${
              nav[2].toFixed(0)
            } ms`,
          );
        }
      }
      console.log(`  median DOMContentLoaded over 5 loads: ${median(firsts).toFixed(0)} ms`);
      await page.locator("#live").filter({ hasText: "live" }).waitFor({ timeout: 30_000 });

      // The 50 rows shown; each event raises one row's seq and changes its state cell.
      const ids = await page.evaluate(
        `[...document.querySelectorAll("#jobs tbody tr")].map((tr) => tr.dataset.id)`,
      ) as string[];
      const seqs = new Map(ids.map((id) => [id, 1000]));
      let eventId = agent.store.lastEventId() + 1_000_000;
      console.log(`\nlive events to the open page (${ids.length} rows shown):`);
      for (const rate of [200, 1000, 5000, 10000, 20000, 50000]) {
        const total = Math.min(rate * 3, 30_000);
        const sent = performance.now();
        let last = { id: ids[0], seq: 0 };
        for (let i = 0; i < total; i++) {
          const id = ids[i % ids.length];
          const seq = seqs.get(id)! + 1;
          seqs.set(id, seq);
          last = { id, seq };
          agent.service.events.publish({
            eventId: eventId++,
            jobId: id,
            seq,
            state: i % 2 ? JobState.ACTIVE : JobState.QUEUED,
            time: Date.now(),
            evidence: "bench",
          });
          // Paced in slices of 10 ms.
          const due = sent + ((i + 1) / rate) * 1000;
          if (i % Math.max(1, Math.floor(rate / 100)) === 0 && performance.now() < due) {
            await new Promise((r) => setTimeout(r, due - performance.now()));
          }
        }
        const sentFor = performance.now() - sent;
        // Polled from outside: the page's CSP (rightly) forbids evaluating strings inside it.
        const shown = `document.querySelector('#jobs tr[data-id="${last.id}"]')?.dataset.seq`;
        const deadline = performance.now() + 60_000;
        while (await page.evaluate(shown) !== String(last.seq) && performance.now() < deadline) {
          await new Promise((r) => setTimeout(r, 10));
        }
        const lag = performance.now() - sent - sentFor;
        console.log(
          `  ${String(rate).padStart(6)} events/s asked, ${
            Math.round(total / (sentFor / 1000))
          } sent/s: the page showed the last ${lag.toFixed(0)} ms after it was sent${
            lag < 1000 ? " (kept up)" : " (fell behind)"
          }`,
        );
      }
    } finally {
      await browser.close();
    }
  } finally {
    await agent.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
