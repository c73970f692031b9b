/**
 * Script rendering: mustache templates with no HTML escaping. Every value a
 * template receives is already quoted for its context (quote.ts), so the
 * template only places text.
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import Mustache from "mustache";
import { TEMPLATES } from "./templates.generated.ts";

const templatesDir = new URL("../../templates/", import.meta.url);

/**
 * A template added to templates/ after the module was last generated is read
 * from disk (a source checkout); the compiled binary has only the module.
 */
function loadTemplate(name: string): string | undefined {
  if (TEMPLATES[name] !== undefined) return TEMPLATES[name];
  if (!/^[a-z0-9_-]+$/i.test(name)) return undefined;
  try {
    const url = new URL(`${name}.mustache`, templatesDir);
    return existsSync(url) ? readFileSync(url, "utf8") : undefined;
  } catch {
    return undefined;
  }
}

const parsed = new Set<string>();

export function templateNames(): string[] {
  return Object.keys(TEMPLATES).sort();
}

export function renderTemplate(name: string, view: Record<string, unknown>): string {
  const template = loadTemplate(name);
  if (template === undefined) {
    throw new Error(`no template "${name}"; known: ${templateNames().join(", ")}`);
  }
  if (!parsed.has(name)) {
    Mustache.parse(template); // cached by mustache; parsed once per template
    parsed.add(name);
  }
  return Mustache.render(template, view, undefined, { escape: (s: string) => s });
}
