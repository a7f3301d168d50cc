/**
 * The frozen execution spec a run would persist. At flow start Kitaru resolves the execution
 * config and stores it with the execution's metadata as `kitaru_execution_spec`:
 *
 *   { version: 1,
 *     resolved_execution: { stack, image, cache, retries },   // every layer merged
 *     flow_defaults: { stack, image, cache, retries, server_url, auth_token, project },  // the @flow's own
 *     connection: { server_url, auth_token, project } }
 *
 * with auth tokens dropped and secret-looking image environment values redacted as `***`
 * (names matching KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL|AUTH). This builds the same object from a
 * Resolution, so a user sees it before running. Values only known at run time are shown as
 * `<dynamic: source text>` and listed in `dynamic`. The model registry Kitaru transports is not
 * previewed.
 */
import type { Source } from "./layer";
import type { Resolution, Setting, Candidate } from "./resolve";
import { IMAGE_FIELDS } from "./settingKeys";
import { isSecretName } from "./secrets";
import type { JsonValue } from "./types";

export const REDACTED = "***";
export const SPEC_METADATA_KEY = "kitaru_execution_spec";

export interface FrozenSpecPreview {
  /** What `kitaru_execution_spec` would hold. */
  spec: {
    version: 1;
    resolved_execution: { stack: JsonValue; image: Record<string, JsonValue> | string | null; cache: JsonValue; retries: JsonValue };
    flow_defaults: { stack: JsonValue; image: Record<string, JsonValue> | string | null; cache: JsonValue; retries: JsonValue; server_url: null; auth_token: null; project: null };
    connection: { server_url: JsonValue; auth_token: null; project: JsonValue };
  };
  /**
   * Parts only known at run time: where in the spec, the source text, the layer. For a `**opts`
   * spread, which may or may not set the key, `otherwise` is what applies when it does not.
   */
  dynamic: { path: string; text: string; source: Source; otherwise?: { value: JsonValue; source: Source } }[];
  /** Not part of the spec: the cache each checkpoint of the flow's module will use in this run. */
  checkpoints: Record<string, { cache: JsonValue; source: Source }>;
}

const dynamicText = (text: string) => `<dynamic: ${text}>`;

export function buildFrozenSpec(resolution: Pick<Resolution, "settings">): FrozenSpecPreview {
  const settings = resolution.settings;
  const dynamic: FrozenSpecPreview["dynamic"] = [];

  const valueOf = (path: string, c: Candidate | undefined, fallback: JsonValue = null, below: readonly Candidate[] = []): JsonValue => {
    if (!c || (c.source === "default" && c.value === null && c.dynamic === undefined)) return fallback;
    if (c.dynamic !== undefined) {
      const entry: FrozenSpecPreview["dynamic"][number] = { path, text: c.dynamic, source: c.source };
      if (c.dynamic.startsWith("**")) {
        // A spread may not set the key: then the next layer's value applies (or the built-in one).
        const next = below.find((o) => !(o.source === "default" && o.value === null && o.dynamic === undefined));
        entry.otherwise = next ? { value: next.dynamic !== undefined ? dynamicText(next.dynamic) : next.value, source: next.source } : { value: fallback, source: "default" };
      }
      dynamic.push(entry);
      return dynamicText(c.dynamic);
    }
    return c.value;
  };
  const lowerOf = (s: Setting | undefined): Candidate[] => (s ? s.overridden : []);

  /** The image as Kitaru merges it, from a key → candidate lookup; null when no field is set. */
  const imageOf = (path: string, pick: (key: string) => Candidate | undefined): Record<string, JsonValue> | string | null => {
    const image: Record<string, JsonValue> = {};
    let any = false;
    const whole = pick("image");
    if (whole?.dynamic !== undefined) dynamic.push({ path, text: whole.dynamic, source: whole.source });
    for (const field of IMAGE_FIELDS) {
      if (field === "environment") {
        const env: Record<string, JsonValue> = {};
        let anyEnv = false;
        const wholeEnv = pick("image.environment");
        if (wholeEnv?.dynamic !== undefined) {
          dynamic.push({ path: `${path}.environment`, text: wholeEnv.dynamic, source: wholeEnv.source });
          anyEnv = true;
        }
        const names = new Set<string>();
        for (const key of Object.keys(settings)) if (key.startsWith("image.environment.")) names.add(key.slice("image.environment.".length));
        for (const name of [...names].sort()) {
          const c = pick(`image.environment.${name}`);
          if (!c || (c.value === null && c.dynamic === undefined)) continue;
          anyEnv = true;
          // Kitaru redacts by name, whatever the value. A credential under a harmless name is not
          // redacted by Kitaru: it shows here in its masked form (and carries a warning elsewhere).
          if (isSecretName(name)) env[name] = REDACTED;
          else env[name] = valueOf(`${path}.environment.${name}`, c);
        }
        image.environment = anyEnv ? env : null;
        any ||= anyEnv;
        continue;
      }
      const c = pick(`image.${field}`);
      const v = c && !(c.source === "default" && c.value === null) ? valueOf(`${path}.${field}`, c) : null;
      image[field] = v;
      if (v !== null) any = true;
    }
    // image=<expression>: its fields merge over the known ones at run time.
    if (!any && whole?.dynamic !== undefined) return dynamicText(whole.dynamic);
    return any ? image : null;
  };

  const winner = (key: string): Candidate | undefined => settings[key];
  const fromDecorator = (key: string): Candidate | undefined => {
    const s: Setting | undefined = settings[key];
    if (!s) return undefined;
    return [s, ...s.overridden].find((c) => c.source === "decorator");
  };

  const resolved_execution = {
    stack: valueOf("resolved_execution.stack", winner("stack"), null, lowerOf(settings.stack)),
    image: imageOf("resolved_execution.image", winner),
    cache: valueOf("resolved_execution.cache", winner("cache"), null, lowerOf(settings.cache)),
    retries: valueOf("resolved_execution.retries", winner("retries"), 0, lowerOf(settings.retries)),
  };
  const flow_defaults = {
    stack: valueOf("flow_defaults.stack", fromDecorator("stack")),
    image: imageOf("flow_defaults.image", fromDecorator),
    cache: valueOf("flow_defaults.cache", fromDecorator("cache")),
    retries: valueOf("flow_defaults.retries", fromDecorator("retries")),
    server_url: null,
    auth_token: null,
    project: null,
  };
  const connection = {
    server_url: valueOf("connection.server_url", winner("server_url")),
    auth_token: null,
    project: valueOf("connection.project", winner("project")),
  };

  const checkpoints: FrozenSpecPreview["checkpoints"] = {};
  for (const [key, s] of Object.entries(settings)) {
    const m = /^checkpoint\.(.+)\.cache$/.exec(key);
    if (m) checkpoints[m[1]!] = { cache: s.dynamic !== undefined ? dynamicText(s.dynamic) : s.value, source: s.source };
  }

  return { spec: { version: 1, resolved_execution, flow_defaults, connection }, dynamic: dedupe(dynamic), checkpoints };
}

function dedupe(list: FrozenSpecPreview["dynamic"]): FrozenSpecPreview["dynamic"] {
  const seen = new Set<string>();
  return list.filter((d) => (seen.has(d.path) ? false : (seen.add(d.path), true)));
}

/** The JSON the CLI prints for `resolve --spec` and the explain view embeds. */
export function frozenSpecJson(preview: FrozenSpecPreview) {
  return { [SPEC_METADATA_KEY]: preview.spec, dynamic: preview.dynamic, checkpoints: preview.checkpoints };
}

/** The explain view's section: a heading, the JSON in a fenced block, and what it leaves out. */
export function formatFrozenSpec(preview: FrozenSpecPreview, about: { method: "run" | "deploy" | "flow"; cli?: string }): string {
  const lines: string[] = [];
  if (about.method === "deploy") {
    lines.push("Frozen execution spec", "  What this deploy() resolves and saves in the deployment snapshot (same resolution as a run):");
  } else if (about.method === "flow") {
    lines.push("Frozen execution spec", `  What ${SPEC_METADATA_KEY} a plain run() of this flow (no arguments) would persist:`);
  } else {
    lines.push("Frozen execution spec", `  What this run() would persist as ${SPEC_METADATA_KEY} when the flow starts:`);
  }
  lines.push("", "```json", JSON.stringify(frozenSpecJson(preview), null, 2), "```", "");
  lines.push(`  Secret-looking image environment values are redacted as ${REDACTED}, as Kitaru redacts them; auth tokens are never stored.`);
  if (preview.dynamic.length) {
    lines.push("  Only known at run time:");
    for (const d of preview.dynamic) {
      const otherwise = d.otherwise ? `; if it does not set it: ${JSON.stringify(d.otherwise.value)} (${d.otherwise.source})` : "";
      lines.push(`    ${d.path} = ${d.text}  (${d.source}${otherwise})`);
    }
  }
  if (Object.keys(preview.checkpoints).length) lines.push('  "checkpoints" is not part of the spec: it is the cache each checkpoint of the flow\'s module will use in this run.');
  if (about.cli) lines.push(`  Same on the command line: ${about.cli}`);
  return lines.join("\n") + "\n";
}

/** The JSON object inside a formatted section (for tests comparing the explain view with the CLI). */
export function parseFrozenSpecSection(text: string): unknown {
  const m = /```json\n([\s\S]*?)\n```/.exec(text);
  return m ? JSON.parse(m[1]!) : undefined;
}
