/**
 * Headless Chromium for the dashboard tests: Debian's /usr/bin/chromium
 * (or $PSIJ_CHROMIUM) driven by playwright-core. Without one the tests skip,
 * saying why, unless REQUIRE_BROWSER=1 (CI), where a missing browser fails.
 */

import { existsSync, mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";

export const CHROMIUM = process.env.PSIJ_CHROMIUM ?? "/usr/bin/chromium";
const REQUIRED = process.env.REQUIRE_BROWSER === "1";

function driverInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve("playwright-core");
    return true;
  } catch {
    return false;
  }
}

/** Why the browser tests cannot run here, or undefined when they can. */
export const SKIP: string | undefined = REQUIRED
  ? undefined
  : !existsSync(CHROMIUM)
  ? `no Chromium at ${CHROMIUM} (apt-get install chromium, or set PSIJ_CHROMIUM; ` +
    "REQUIRE_BROWSER=1 makes this a failure)"
  : !driverInstalled()
  ? "playwright-core is not installed (npm ci); REQUIRE_BROWSER=1 makes this a failure"
  : undefined;

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
  }
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    // As root Chromium refuses to start inside its own sandbox.
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
  });
}

/** Where this run's screenshots go (kept after the run for a person to look at). */
export function screenshotDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "psij-ui-shots-"));
  console.log(`dashboard screenshots: ${dir}`);
  return dir;
}
