/**
 * Script rendering: mustache templates with no HTML escaping. Every value a
 * template receives is already quoted for its context (quote.ts), so the
 * template only places text.
 * @module
 */

import Mustache from "mustache";
import { TEMPLATES } from "./templates.generated.ts";

const parsed = new Set<string>();

export function templateNames(): string[] {
  return Object.keys(TEMPLATES).sort();
}

export function renderTemplate(name: string, view: Record<string, unknown>): string {
  const template = TEMPLATES[name];
  if (template === undefined) {
    throw new Error(`no template "${name}"; known: ${templateNames().join(", ")}`);
  }
  if (!parsed.has(name)) {
    Mustache.parse(template); // cached by mustache; parsed once per template
    parsed.add(name);
  }
  return Mustache.render(template, view, undefined, { escape: (s: string) => s });
}
