/**
 * Walltime strings as PSI/J writes them.
 *
 * Accepted: `hh:mm:ss`, `hh:mm`, `mm` (minutes), `N[h|m|s]` with N a decimal
 * number and optional blanks before the unit (`90s`, `1.5h`, `7230.0 s`), and `d-hh:mm:ss` for multi-day limits. Seconds may be
 * fractional (`00:00:01.5`). Hours may exceed 24. Results are seconds.
 * @module
 */

import { InvalidJobException } from "./errors.ts";

const NUM = String.raw`\d+(?:\.\d+)?`;
// psij-python writes and reads `N s` with a space (`7230.0 s`).
const UNIT_RE = new RegExp(`^(${NUM})\\s*([hms])$`);
const CLOCK_RE = new RegExp(String.raw`^(?:(\d+)-)?(\d+)(?::(\d+)(?::(${NUM}))?)?$`);

export function parseWalltime(text: string, field = "attributes.duration"): number {
  const s = text.trim();
  const unit = UNIT_RE.exec(s);
  if (unit) {
    const n = Number(unit[1]);
    return n * (unit[2] === "h" ? 3600 : unit[2] === "m" ? 60 : 1);
  }
  const m = CLOCK_RE.exec(s);
  if (!m) {
    throw new InvalidJobException(
      `${field}: cannot parse walltime "${text}" (expected hh:mm:ss, hh:mm, mm, N[h|m|s] or d-hh:mm:ss)`,
      { field },
    );
  }
  const [, days, a, b, c] = m;
  const d = days ? Number(days) * 86400 : 0;
  if (b === undefined) {
    if (days) {
      throw new InvalidJobException(`${field}: "${text}" needs hh:mm after the days`, { field });
    }
    return Number(a) * 60; // a lone number is minutes
  }
  if (c === undefined) return d + Number(a) * 3600 + Number(b) * 60; // hh:mm
  return d + Number(a) * 3600 + Number(b) * 60 + Number(c);
}

/** `HH:MM:SS` with hours past 24 allowed; fractional seconds rounded up. */
export function formatHms(seconds: number): string {
  const total = Math.ceil(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(h)}:${two(m)}:${two(s)}`;
}
