/** Turns zod issues into messages a person can act on, without echoing secrets. */
import type * as z from "zod/mini";

export type Issue = z.core.$ZodIssue;

/** Flattens union issues to the branch that matched the value's type best. */
export function issuesOf(error: z.core.$ZodError): Issue[] {
  const out: Issue[] = [];
  const walk = (issues: readonly Issue[], prefix: PropertyKey[]) => {
    for (const issue of issues) {
      const path = [...prefix, ...issue.path];
      if (issue.code === "invalid_union" && issue.errors.length > 0) {
        // The branch that got furthest into the value (deepest issue path, or past the
        // type check) matched the value's shape: its issues say what is really wrong.
        const depth = (b: readonly Issue[]) => Math.max(...b.map((i) => i.path.length + (i.code === "invalid_type" ? 0 : 0.5)));
        const best = [...issue.errors].filter((b) => b.length > 0).sort((a, b) => depth(b) - depth(a))[0];
        if (best && depth(best) > 0) {
          walk(best, path);
          continue;
        }
      }
      out.push({ ...issue, path } as Issue);
    }
  };
  walk(error.issues, []);
  return dedupe(out);
}

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const id = `${i.path.join(".")}|${i.code}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** What each setting accepts, in words (keys are dotted paths below the table, `*` for any name). */
const EXPECTED: Record<string, string> = {
  stack: "a string (a stack name or id)",
  cache: 'true or false (Kitaru also accepts "true"/"false", "yes"/"no", "on"/"off", 1/0)',
  retries: "a whole number of 0 or more",
  image: "a base image string or an ImageSettings table",
  "image.environment": "a table of NAME = \"value\" strings",
  "image.environment.*": "a string",
  "image.requirements": "a list of requirement strings",
  "image.requirements.*": "a requirement string",
  "image.secret_environment_from.*": "a secret name",
  "image.apt_packages.*": "a package name",
  "image.replicate_local_python_environment": "true or false",
  "image.secret_environment_from": "a list of secret names",
  "image.apt_packages": "a list of package names",
  server_url: "a string",
  auth_token: "a string",
  project: "a string",
  log_store: "a mapping with backend and endpoint",
  "log_store.backend": "a backend name: lowercase letters, digits, '.', '_' or '-' (not artifact-store, which is the default)",
  "log_store.endpoint": "an http(s) URL with a host",
  "log_store.api_key": "a non-empty string (quote it if it is all digits)",
  model_registry: "a mapping with aliases and/or default",
  "model_registry.aliases": "a mapping of alias names to {model, secret}",
  "model_registry.aliases.*": "a mapping with model (and optionally secret)",
  "model_registry.aliases.*.model": "a provider/model string",
  "model_registry.aliases.*.secret": "a secret name",
  "model_registry.default": "the name of an alias",
  version: "an integer",
};

export function expectedFor(path: readonly PropertyKey[]): string | undefined {
  const parts = path.map(String);
  const direct = EXPECTED[parts.join(".")];
  if (direct) return direct;
  for (let i = parts.length - 1; i >= 0; i--) {
    const generic = [...parts.slice(0, i), "*", ...parts.slice(i + 1)].join(".");
    if (EXPECTED[generic]) return EXPECTED[generic];
    const generic2 = [...parts.slice(0, i), "*", ...parts.slice(i + 1)];
    for (let j = i + 1; j < parts.length; j++) {
      const g = [...generic2.slice(0, j), "*", ...generic2.slice(j + 1)].join(".");
      if (EXPECTED[g]) return EXPECTED[g];
    }
  }
  return undefined;
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** How a file format names a mapping value. */
export type ValueFormat = "toml" | "yaml" | "json";
const MAPPING_WORD: Record<ValueFormat, string> = { toml: "a table", yaml: "a mapping", json: "an object" };

export function describeValue(value: unknown, secret: boolean, format: ValueFormat = "toml"): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (value instanceof Date) return "a date";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return secret ? "a string" : `the string ${JSON.stringify(value.length > 60 ? value.slice(0, 57) + "…" : value)}`;
    case "number":
      return secret ? "a number" : Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
    case "bigint":
      return secret ? "a number" : `the integer ${value}`;
    case "boolean":
      return `${value ? "true" : "false"}`;
    case "object":
      return MAPPING_WORD[format];
    default:
      return typeof value;
  }
}

/** A dotted path as a person reads it: `image.requirements[1]`, `environment."my key"`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else {
      const name = String(part);
      out += (out ? "." : "") + (/^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name));
    }
  }
  return out;
}

/**
 * `label` is how the user wrote the setting (`tool.kitaru.retries`); `path` is
 * its path below the table (for the words of what it accepts); `value` is what was there.
 */
export function describeIssue(label: string, path: readonly PropertyKey[], issue: Issue, value: unknown, secret: boolean, format: ValueFormat = "toml"): string {
  if (issue.code === "too_small" && typeof value === "number") {
    return `${label} must be 0 or more, not ${value}.`;
  }
  if (issue.code === "too_small" && issue.origin === "string") {
    // Kitaru strips the text, then refuses it when nothing is left.
    const blank = typeof value === "string" && value !== "";
    return `${label} cannot be empty${blank ? " (it is only whitespace, which Kitaru strips)" : ""}: give it a value or remove it.`;
  }
  if (issue.code === "invalid_key") {
    const inner = issue.issues[0];
    return `${label} is not a valid name${inner?.message && inner.code === "invalid_format" ? `: ${inner.message}` : ""}.`;
  }
  if ((issue.code === "custom" || (issue.code === "invalid_format" && !issue.message.startsWith("Invalid"))) && issue.message) {
    return /^[a-z]/.test(issue.message) ? `${label} ${issue.message}.` : `${label}: ${issue.message}.`;
  }
  if (path[0] === "image" && path[1] === "environment" && path.length === 3 && (typeof value === "number" || typeof value === "boolean") && !secret) {
    return `${label} must be a string, not ${describeValue(value, secret, format)}: quote it ("${String(value)}").`;
  }
  const expected = expectedFor(path) ?? expectedFromIssue(issue);
  return `${label} must be ${expected}, not ${describeValue(value, secret, format)}.`;
}

function expectedFromIssue(issue: Issue): string {
  if (issue.code === "invalid_type") return `of type ${issue.expected}`;
  if (issue.code === "invalid_format" && issue.format === "regex") return `text matching ${issue.pattern ?? "the allowed pattern"}`;
  return "valid";
}
