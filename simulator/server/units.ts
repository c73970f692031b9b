/**
 * Resource value syntax as PBS accepts and displays it: sizes (`4gb`, `512mb`,
 * bare bytes) and durations (`[[H:]M:]S`).
 * @module
 */

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  w: 8,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

export interface Size {
  /** Bytes, exactly. */
  bytes: number;
  /** The unit suffix the user wrote (`kb`, `mb`, ...), so sums display in it. */
  unit: string;
}

/** Parses `4gb`, `512mb`, `100` (bytes), `2kw`; undefined when malformed. */
export function parseSize(text: string): Size | undefined {
  const m = /^(\d+)([kmgtp]?)([bw]?)$/i.exec(text.trim());
  if (!m) return undefined;
  const mult = m[2].toLowerCase();
  const word = (m[3] || "b").toLowerCase();
  const bytes = Number(m[1]) * (mult ? SIZE_UNITS[mult] : 1) * (word === "w" ? 8 : 1);
  return { bytes, unit: `${mult}${word === "w" ? "w" : "b"}` };
}

/** Displays bytes in `unit` when exact, else in kb (PBS's own fallback). */
export function formatSize(bytes: number, unit = "kb"): string {
  const mult = unit.length > 1 ? SIZE_UNITS[unit[0]] : 1;
  const word = unit.endsWith("w") ? 8 : 1;
  const div = mult * word;
  if (bytes % div === 0) return `${bytes / div}${unit}`;
  if (bytes % 1024 === 0) return `${bytes / 1024}kb`;
  return `${bytes}b`;
}

/** The largest exact unit: 8gb rather than 8388608kb (scheduler comments). */
export function formatSizeShort(bytes: number): string {
  for (const u of ["tb", "gb", "mb", "kb"]) {
    const d = SIZE_UNITS[u[0]];
    if (bytes >= d && bytes % d === 0) return `${bytes / d}${u}`;
  }
  return `${bytes}b`;
}

/** Parses `[[H:]M:]S` (S may carry a fraction); undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+(:\d+){0,2}(\.\d+)?$/.test(t)) return undefined;
  const parts = t.split(":").map(Number);
  let secs = 0;
  for (const p of parts) secs = secs * 60 + p;
  return Math.floor(secs);
}

/** `HH:MM:SS`, hours unbounded, as qstat shows walltime and cput. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${
    String(sec).padStart(2, "0")
  }`;
}
