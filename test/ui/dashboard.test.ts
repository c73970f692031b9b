/**
 * The dashboard in a real headless Chromium, against an agent running the
 * embedded PBS simulator (jobs run for real on this machine). Each scenario
 * saves a screenshot in this run's screenshot folder (printed).
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { agentPaths } from "../../src/agent/access.ts";
import { type RunningAgent, startAgent } from "../../src/agent/agent.ts";
import { JobState } from "../../src/core/job-state.ts";
import { launch, screenshotDir, SKIP } from "./browser.ts";

const OPT = { timeout: 120_000, skip: SKIP };
const WAIT = { timeout: 60_000 };

describe("the dashboard in a browser", { skip: SKIP }, () => {
  let browser: Browser;
  let agent: RunningAgent;
  let home: string;
  let shots: string;
  let base: string;

  const login = () => agent.openUi().then((ui) => ui.login().url);
  /** A browser context signed in with a fresh one-time URL. */
  async function signedIn(): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(await login());
    return { ctx, page };
  }
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const submit = async (args: string[], name: string) =>
    (await agent.service.submit({
      version: 1,
      name,
      executable: "/bin/sh",
      arguments: ["-c", ...args],
    })).job.id;
  const stateOf = (id: string) => agent.service.getRecord(id).state;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "psij-ui-"));
    shots = screenshotDir();
    agent = await startAgent({ paths: agentPaths(home), executor: "sim", ui: {} });
    base = `http://127.0.0.1:${(await agent.openUi()).port}`;
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await agent?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("refuses a browser without the token, and a token used twice", OPT, async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const res = await page.goto(base + "/");
    assert.equal(res?.status(), 401);
    assert.match(await page.locator("h1").innerText(), /Sign in first/);
    await shot(page, "refused");
    const api = await page.goto(base + "/v1/jobs");
    assert.equal(api?.status(), 401, "the API behind the dashboard is refused too");
    const url = await login();
    const ok = await page.goto(url);
    assert.equal(ok?.status(), 200);
    const again = await (await browser.newContext()).newPage().then((p) => p.goto(url));
    assert.equal(again?.status(), 403, "a login token works once");
    const other = await page.goto(base.replace("127.0.0.1", "127.0.0.2") + "/").catch(() => null);
    if (other) assert.notEqual(other.status(), 200, "another address for this port is refused");
    await ctx.close();
  });

  it(
    "with the token shows the job table, behind a strict CSP and an HttpOnly cookie",
    OPT,
    async () => {
      const id = await submit(["exit 0"], "table-shown");
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const res = await page.goto(await login());
      assert.equal(new URL(page.url()).pathname, "/", "the token left the address bar");
      const csp = res?.headers()["content-security-policy"] ?? "";
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      const [cookie] = await ctx.cookies();
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, "Strict");
      await page.locator(`#jobs tr[data-id="${id}"]`).waitFor(WAIT);
      assert.equal(await page.locator("#jobs thead th").count(), 10);
      await page.locator("#live").filter({ hasText: "live" }).waitFor(WAIT);
      await shot(page, "table");
      await ctx.close();
    },
  );

  it(
    "submits from the form and shows QUEUED, ACTIVE, COMPLETED without a reload",
    OPT,
    async () => {
      const { ctx, page } = await signedIn();
      await page.locator("#live").filter({ hasText: "live" }).waitFor(WAIT);
      // Every state the table shows for any row, in order, and a mark a reload would wipe.
      // (A string: this runs in the page, and the test's own type check has no DOM.)
      await page.evaluate(`(() => {
      window.seen = [];
      window.notReloaded = true;
      const record = () => {
        for (const tr of document.querySelectorAll("#jobs tbody tr")) {
          const s = tr.querySelector("[data-col=state]")?.textContent ?? "";
          const last = window.seen.findLast((x) => x[0] === tr.dataset.id);
          if (!last || last[1] !== s) window.seen.push([tr.dataset.id, s]);
        }
      };
      new MutationObserver(record).observe(document.querySelector("#jobs tbody"), {
        subtree: true, childList: true, characterData: true,
      });
    })()`);
      await page.locator("#submit-panel summary").click();
      await page.getByLabel("Executable").fill("/bin/sh");
      await page.getByLabel("Arguments").fill("-c\nsleep 3; echo from the form");
      await page.getByLabel("Name").fill("from-the-form");
      await page.locator("#submit-form button[type=submit]").click();
      const link = page.locator("#submit-result a");
      await link.waitFor(WAIT);
      const id = await link.innerText();
      const row = page.locator(`#jobs tr[data-id="${id}"]`);
      await row.locator("[data-col=state]", { hasText: "COMPLETED" }).waitFor(WAIT);
      const inRow: string[] = await page.evaluate(
        (id) =>
          (globalThis as any).seen.filter((x: string[]) => x[0] === id).map((x: string[]) => x[1]),
        id,
      );
      // The page first says the submission's state beside the form (the POST's answer); on a
      // loaded machine the row may arrive after the job left QUEUED, so both count, in order.
      const answered = /\((\w+)\)$/.exec(await page.locator("#submit-result").innerText())?.[1];
      const seen = [answered ?? "?", ...inRow].filter((s, i, all) => s !== all[i - 1]);
      assert.equal(await page.evaluate(() => (globalThis as any).notReloaded), true, "no reload");
      assert.deepEqual(
        seen.filter((s) => ["QUEUED", "ACTIVE", "COMPLETED"].includes(s)),
        ["QUEUED", "ACTIVE", "COMPLETED"],
        `states shown: ${seen.join(" → ")}`,
      );
      assert.equal(await row.locator("[data-col=exit]").innerText(), "0");
      await shot(page, "submitted");
      await ctx.close();
    },
  );

  it("shows a bad field's error beside that field", OPT, async () => {
    const { ctx, page } = await signedIn();
    await page.locator("#submit-panel summary").click();
    await page.getByLabel("Executable").fill("/bin/true");
    await page.getByLabel("Nodes").fill("0");
    await page.locator("#submit-form button[type=submit]").click();
    const err = page.locator("#f-nodes-error");
    await err.waitFor({ state: "visible", ...WAIT });
    assert.match(await err.innerText(), /nodeCount/);
    assert.equal(await page.getByLabel("Nodes").getAttribute("aria-invalid"), "true");
    assert.equal(await page.getByLabel("Nodes").getAttribute("aria-describedby"), "f-nodes-error");
    assert.equal(await page.locator("#f-executable-error").isVisible(), false);
    await shot(page, "bad-field");
    await ctx.close();
  });

  it("cancels a running job from its page, after a confirm, and shows CANCELED", OPT, async () => {
    const id = await submit(["sleep 2; echo output-while-running; sleep 300"], "to-cancel");
    await waitFor(() => stateOf(id) === "ACTIVE");
    const { ctx, page } = await signedIn();
    await page.goto(`${base}/jobs/${id}`);
    // The output tail is refreshed while the job runs.
    await page.locator("#tail-stdout", { hasText: "output-while-running" }).waitFor(WAIT);
    let asked = "";
    page.once("dialog", (d) => {
      asked = d.message();
      void d.accept();
    });
    await page.locator("#cancel").click();
    await page.locator("#job-state", { hasText: "CANCELED" }).waitFor(WAIT);
    assert.match(asked, new RegExp(`Cancel job ${id}`));
    assert.equal(stateOf(id), "CANCELED");
    assert.equal(await page.locator("#cancel").count(), 0, "no cancel button on a final job");
    await shot(page, "canceled");
    await ctx.close();
  });

  it("shows the evidence of each state in the table and on the job page", OPT, async () => {
    const id = await submit(["exit 3"], "evidence");
    await waitFor(() => stateOf(id) === "FAILED" || stateOf(id) === "COMPLETED");
    const history = agent.service.store.transitions(id);
    const { ctx, page } = await signedIn();
    const cell = page.locator(`#jobs tr[data-id="${id}"] [data-col=evidence]`);
    await cell.waitFor(WAIT);
    const last = history[history.length - 1];
    assert.ok(last.evidence, "the store holds evidence for the final state");
    assert.equal(await cell.innerText(), last.evidence);
    await page.goto(`${base}/jobs/${id}`);
    const shown = await page.locator("#timeline li .evidence").allInnerTexts();
    assert.deepEqual(shown, history.filter((t) => t.evidence).map((t) => t.evidence));
    await shot(page, "evidence");
    await ctx.close();
  });

  it("filters by state and text, sorts by a column, and pages", OPT, async () => {
    // 120 finished jobs written straight to the store: every 4th FAILED, names bulk-000...
    const store = agent.service.store;
    for (let i = 0; i < 120; i++) {
      const id = `jbulk${String(i).padStart(3, "0")}`;
      const name = `bulk-${String((i * 37) % 120).padStart(3, "0")}`;
      store.createJob({
        id,
        executor: "sim",
        specJson: JSON.stringify({ version: 1, name, executable: "/bin/true" }),
        createdAt: Date.now(),
        stamp: id,
      });
      const failed = i % 4 === 0;
      store.recordTransition(id, {
        state: failed ? JobState.FAILED : JobState.COMPLETED,
        time: Date.now(),
        exitCode: failed ? 1 : 0,
        metadata: { evidence: "exit-code-file" },
      });
    }
    const { ctx, page } = await signedIn();
    const names = () => page.locator("#jobs tbody [data-col=name]").allInnerTexts();
    const states = () => page.locator("#jobs tbody [data-col=state]").allInnerTexts();
    await page.getByLabel("Search").fill("bulk-");
    await page.getByRole("checkbox", { name: "FAILED" }).check();
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/state=FAILED/);
    assert.equal(await page.locator("#job-count").innerText(), "30");
    assert.deepEqual([...new Set(await states())], ["FAILED"]);
    assert.ok((await names()).every((n) => n.startsWith("bulk-")));
    // Sort by name, ascending (a second click on the header), then page on.
    await page.goto(`${base}/?q=bulk-`);
    assert.equal(await page.locator("#job-count").innerText(), "120");
    assert.match(await page.locator("#page-of").innerText(), /Page 1 of 3/);
    await page.getByRole("link", { name: /^Name/ }).click();
    await page.waitForURL(/sort=name/);
    await page.getByRole("link", { name: /^Name/ }).click();
    await page.waitForURL(/sort=name&dir=asc/);
    assert.equal(await page.locator("th[aria-sort]").getAttribute("aria-sort"), "ascending");
    const first = await names();
    assert.equal(first.length, 50);
    assert.deepEqual(first, [...first].sort(), "sorted by name");
    assert.equal(first[0], "bulk-000");
    await page.getByRole("link", { name: "Next" }).click();
    await page.waitForURL(/page=2/);
    assert.match(await page.locator("#page-of").innerText(), /Page 2 of 3/);
    assert.equal((await names())[0], "bulk-050", "page 2 goes on where page 1 ended");
    await shot(page, "sorted-paged");
    await ctx.close();
  });

  it(
    "shows each executor's health: status, poll cadence, the last status command",
    OPT,
    async () => {
      const id = await submit(["exit 0"], "for-health");
      await waitFor(() => stateOf(id) === "COMPLETED");
      const { ctx, page } = await signedIn();
      await page.goto(`${base}/health`);
      const sim = page.locator("section.executor", { has: page.locator("h2", { hasText: "sim" }) });
      assert.match(await sim.locator("h2").innerText(), /sim: (ok|degraded)/);
      const facts = await sim.locator("dt").allInnerTexts();
      for (
        const label of [
          "Poll cadence (ms)",
          "Last status command",
          "Last status command took (ms)",
          "Status commands per minute",
        ]
      ) {
        assert.ok(facts.includes(label), `${label} in ${facts.join(", ")}`);
      }
      assert.match(await page.locator("#store-h").innerText(), /Store: ok/);
      await shot(page, "health");
      await ctx.close();
    },
  );

  it("works by keyboard and in a narrow window", OPT, async () => {
    const ctx = await browser.newContext({ viewport: { width: 380, height: 800 } });
    const page = await ctx.newPage();
    await page.goto(await login());
    await page.locator("#live").filter({ hasText: "live" }).waitFor(WAIT);
    // The page itself never scrolls sideways; the table scrolls in its own region.
    const overflow = await page.evaluate("document.documentElement.scrollWidth - innerWidth");
    assert.ok(Number(overflow) <= 0, `the page is ${overflow}px wider than the window`);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate("document.activeElement.textContent"), "Skip to content");
    // Open the form and submit a job with the keyboard alone.
    await page.locator("#submit-panel summary").focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate("document.activeElement.id"), "f-executable");
    await page.keyboard.type("/bin/true");
    await page.keyboard.press("Enter");
    await page.locator("#submit-result a").waitFor(WAIT);
    // Every input has a label a screen reader reads out.
    const unlabelled = await page.evaluate(
      `[...document.querySelectorAll("input, textarea, select")].filter((el) => el.type !== "hidden" && !el.labels?.length).map((el) => el.name)`,
    );
    assert.deepEqual(unlabelled, []);
    await shot(page, "narrow");
    await ctx.close();
  });

  it("resumes after the agent restarts while the page is open", OPT, async () => {
    const { ctx, page } = await signedIn();
    await page.locator("#live").filter({ hasText: "live" }).waitFor(WAIT);
    await page.evaluate(() => ((globalThis as any).notReloaded = true));
    const port = (await agent.openUi()).port;
    await agent.stop();
    await page.locator("#live").filter({ hasText: "reconnecting" }).waitFor(WAIT);
    agent = await startAgent({ paths: agentPaths(home), executor: "sim", ui: {} });
    assert.equal((await agent.openUi()).port, port, "the dashboard came back on its port");
    await page.locator("#live").filter({ hasText: "live" }).waitFor(WAIT);
    const id = await submit(["exit 0"], "after-restart");
    const row = page.locator(`#jobs tr[data-id="${id}"]`);
    await row.locator("[data-col=state]", { hasText: "COMPLETED" }).waitFor(WAIT);
    assert.equal(await page.evaluate(() => (globalThis as any).notReloaded), true, "no reload");
    await shot(page, "resumed");
    await ctx.close();
  });
});

async function waitFor(cond: () => boolean, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
