/**
 * A JSON Schema (2020-12) checker for the subset the agent's schemas use,
 * written for the tests: type, const, enum, properties, required,
 * additionalProperties, propertyNames, items, pattern, minLength, minimum,
 * maximum, exclusiveMinimum, anyOf, oneOf, allOf, local `$ref`s (into
 * the document given as `root`), and the agent's extension keywords
 * (`x-counts-agree`, `x-same-value`, `x-index-range`, see src/agent/http/jobspec-schema.ts).
 * Any other keyword is an error, so a schema cannot silently say more
 * than this checker checks. Annotations (description, format, ...) pass.
 * @module
 */

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(["description", "title", "format", "examples", "default"]);
const KNOWN = new Set([
  "type",
  "const",
  "enum",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "items",
  "pattern",
  "minLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "anyOf",
  "oneOf",
  "allOf",
  "$ref",
  "x-counts-agree",
  "x-same-value",
  "x-index-range",
]);

function typeOf(v: unknown): string[] {
  if (v === null) return ["null"];
  if (Array.isArray(v)) return ["array"];
  if (typeof v === "number") return Number.isInteger(v) ? ["number", "integer"] : ["number"];
  return [typeof v];
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const patterns = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let r = patterns.get(source);
  if (!r) patterns.set(source, r = new RegExp(source, "u"));
  return r;
}

function resolve(root: unknown, ref: string): Schema {
  if (!ref.startsWith("#/")) throw new Error(`only local $refs are supported, got ${ref}`);
  let at: any = root;
  for (const part of ref.slice(2).split("/")) {
    at = at?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  if (at === undefined) throw new Error(`$ref ${ref} points nowhere`);
  return at;
}

/** The first reason `value` fails `schema` (a JSON path and what), or undefined when it passes. */
export function schemaError(
  schema: Schema | boolean,
  value: unknown,
  root: unknown = schema,
  path = "$",
): string | undefined {
  if (schema === true) return undefined;
  if (schema === false) return `${path}: not allowed`;
  for (const k of Object.keys(schema)) {
    if (!KNOWN.has(k) && !ANNOTATIONS.has(k)) throw new Error(`unsupported keyword "${k}"`);
  }
  const s = schema as Record<string, any>;
  if (s.$ref !== undefined) {
    const e = schemaError(resolve(root, s.$ref), value, root, path);
    if (e) return e;
  }
  if (s.type !== undefined) {
    const wanted: string[] = Array.isArray(s.type) ? s.type : [s.type];
    if (!typeOf(value).some((t) => wanted.includes(t))) {
      return `${path}: not of type ${wanted.join("|")}`;
    }
  }
  if ("const" in s && !equal(s.const, value)) return `${path}: not ${JSON.stringify(s.const)}`;
  if (s.enum !== undefined && !s.enum.some((e: unknown) => equal(e, value))) {
    return `${path}: not one of ${JSON.stringify(s.enum)}`;
  }
  if (typeof value === "string") {
    if (s.minLength !== undefined && [...value].length < s.minLength) {
      return `${path}: shorter than ${s.minLength}`;
    }
    if (s.pattern !== undefined && !regex(s.pattern).test(value)) {
      return `${path}: does not match ${s.pattern}`;
    }
    if (s["x-index-range"] !== undefined) {
      const [first, last, step, limit] = value.split(/[-:%]/).map(Number);
      const hasStep = value.includes(":"), hasLimit = value.includes("%");
      const st = hasStep ? step : 1;
      const lim = hasLimit ? (hasStep ? limit : step) : 1;
      if (!(last > first) || st < 1 || lim < 1) return `${path}: not a usable index range`;
      if (Math.floor((last - first) / st) + 1 > s["x-index-range"].maxElements) {
        return `${path}: too many elements`;
      }
    }
  }
  if (typeof value === "number") {
    if (s.minimum !== undefined && !(value >= s.minimum)) return `${path}: below ${s.minimum}`;
    if (s.maximum !== undefined && !(value <= s.maximum)) return `${path}: above ${s.maximum}`;
    if (s.exclusiveMinimum !== undefined && !(value > s.exclusiveMinimum)) {
      return `${path}: not above ${s.exclusiveMinimum}`;
    }
  }
  if (Array.isArray(value) && s.items !== undefined) {
    for (let i = 0; i < value.length; i++) {
      const e = schemaError(s.items, value[i], root, `${path}[${i}]`);
      if (e) return e;
    }
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const r of s.required ?? []) {
      if (!Object.hasOwn(obj, r)) return `${path}.${r}: required`;
    }
    for (const [k, v] of Object.entries(obj)) {
      const p = `${path}.${k}`;
      if (s.propertyNames !== undefined) {
        const e = schemaError(s.propertyNames, k, root, `${p} (name)`);
        if (e) return e;
      }
      if (s.properties !== undefined && Object.hasOwn(s.properties, k)) {
        const e = schemaError(s.properties[k], v, root, p);
        if (e) return e;
      } else if (s.additionalProperties !== undefined) {
        const e = schemaError(s.additionalProperties, v, root, p);
        if (e) return e;
      }
    }
    if (s["x-counts-agree"] !== undefined) {
      const { nodes, processes, perNode } = s["x-counts-agree"];
      const num = (k: string) => typeof obj[k] === "number" ? obj[k] as number : undefined;
      const [n, p, q] = [num(nodes), num(processes), num(perNode)];
      const bad = n !== undefined && p !== undefined && q !== undefined
        ? n * q !== p
        : (n !== undefined && p !== undefined && p % n !== 0) ||
          (q !== undefined && p !== undefined && n === undefined && p % q !== 0);
      if (bad) return `${path}.${processes}: counts do not agree`;
    }
    for (const [a, b] of Object.entries(s["x-same-value"] ?? {})) {
      const x = obj[a], y = obj[b as string];
      if (x !== undefined && x !== null && y !== undefined && y !== null && x !== y) {
        return `${path}.${a}: differs from ${b}`;
      }
    }
  }
  for (const sub of s.allOf ?? []) {
    const e = schemaError(sub, value, root, path);
    if (e) return e;
  }
  if (
    s.anyOf !== undefined && !s.anyOf.some((sub: Schema) => !schemaError(sub, value, root, path))
  ) {
    return `${path}: matches none of anyOf`;
  }
  if (s.oneOf !== undefined) {
    const n = s.oneOf.filter((sub: Schema) => !schemaError(sub, value, root, path)).length;
    if (n !== 1) return `${path}: matches ${n} of oneOf, not one`;
  }
  return undefined;
}
