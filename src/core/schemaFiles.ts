/**
 * The JSON Schemas shipped in `schemas/`, generated from the zod definitions
 * in schema.ts (`node scripts/schemas.mjs`, run by `node esbuild.mjs`; a unit
 * test fails when the committed files are stale).
 *
 * Two kinds:
 *
 * - `schemas/tool-kitaru.schema.json`, `schemas/kitaru-yaml.schema.json`:
 *   exactly as strict as Kitaru (lenient forms like `cache = "false"` pass,
 *   unknown `[tool.kitaru.image]` keys and `runner` fail), for CI and editors
 *   without this extension. What JSON Schema cannot say (a `default` alias
 *   that must exist) is only in the descriptions.
 * - `schemas/editor/*.schema.json`: the same keys and descriptions with every
 *   assertion keyword removed, so they validate every document. These are the
 *   ones contributed to Red Hat YAML (`yamlValidation`) and Even Better TOML
 *   (`tomlValidation`): those extensions then offer completion and hover text
 *   but never report a problem, and each problem appears once, from this
 *   extension, with Kitaru's exact wording and quick fixes.
 *   Even Better TOML applies one schema to a whole document, so the pyproject
 *   one is a whole-file schema that describes `tool.kitaru` and nothing else.
 */
import { kitaruSchemas } from "./libraries";
import { settingInfo } from "./settingsInfo";

type Json = { [key: string]: unknown };

const DRAFT = "http://json-schema.org/draft-07/schema#";

/** File path (relative to the package root) → file text. */
export function schemaFiles(): Record<string, string> {
  const docs = schemaDocuments();
  const text = (o: object) => JSON.stringify(o, null, 2) + "\n";
  return {
    "schemas/tool-kitaru.schema.json": text(docs.toolKitaru),
    "schemas/kitaru-yaml.schema.json": text(docs.kitaruYaml),
    "schemas/editor/pyproject-kitaru.schema.json": text(editorPyproject(docs.toolKitaru)),
    "schemas/editor/kitaru-yaml.schema.json": text(annotationsOnly(docs.kitaruYaml, ["kitaru.yaml"]) as Json),
  };
}

/** The strict schemas (what `kitaru-config schema` prints). */
export function schemaDocuments(): { toolKitaru: Json; kitaruYaml: Json } {
  // One zod for both: the descriptions live in that zod's registry.
  const { toolKitaru, kitaruYaml } = kitaruSchemas().jsonSchemas() as { toolKitaru: Json; kitaruYaml: Json };
  return { toolKitaru: refineToolKitaru(toolKitaru), kitaruYaml: refineKitaruYaml(kitaruYaml) };
}

function refineToolKitaru(s: Json): Json {
  const props = s.properties as Record<string, Json>;
  // retries: any whole number (pydantic's int has no upper bound; TOML has integers above 2^53).
  const retries = props.retries!;
  retries.anyOf = (retries.anyOf as Json[]).map((b) => (b.type === "number" ? { type: "integer", minimum: 0 } : b));
  props.runner = { description: "The old name of stack. Kitaru refuses it: rename it to stack.", not: {} };
  return {
    $schema: DRAFT,
    title: "[tool.kitaru] in pyproject.toml",
    description: "Kitaru's project configuration, validated as Kitaru validates it (pydantic, lax mode). Unknown keys are ignored by Kitaru; unknown [tool.kitaru.image] keys are refused.",
    ...withoutDraft(s),
    properties: props,
  };
}

function refineKitaruYaml(s: Json): Json {
  const props = s.properties as Record<string, Json>;
  // version: pydantic's lax int (a whole number, a bool, or its text).
  const version = props.version!;
  version.anyOf = (version.anyOf as Json[]).map((b) => (b.type === "number" ? { type: "integer" } : b));
  const logStore = (objectBranch(props.log_store!).properties ?? {}) as Record<string, Json>;
  // Kitaru lowercases and strips the backend before checking it.
  logStore.backend = { ...logStore.backend, type: "string", pattern: "^\\s*[A-Za-z0-9][A-Za-z0-9._-]*\\s*$", not: { pattern: "^\\s*[Aa][Rr][Tt][Ii][Ff][Aa][Cc][Tt]-[Ss][Tt][Oo][Rr][Ee]\\s*$" } };
  logStore.endpoint = { ...logStore.endpoint, type: "string", pattern: "^\\s*[Hh][Tt][Tt][Pp][Ss]?://[^/\\s?#]+" };
  const registry = (objectBranch(props.model_registry!).properties ?? {}) as Record<string, Json>;
  const aliases = objectBranch(registry.aliases!);
  // Alias names are lowercased (and stripped) before the pattern applies.
  aliases.propertyNames = { type: "string", pattern: "^\\s*[A-Za-z0-9][A-Za-z0-9_-]*\\s*$" };
  registry.default = { ...registry.default, description: `${registry.default?.description ?? ""} It must name an alias under model_registry.aliases (Kitaru refuses the file otherwise).`.trim() };
  return {
    $schema: DRAFT,
    title: "kitaru.yaml",
    description: "Kitaru's settings file in its config directory, validated as Kitaru reads it (PyYAML, YAML 1.1). Unknown top-level keys are ignored; a file that fails validation is refused as a whole.",
    ...withoutDraft(s),
  };
}

/** A nullable setting's schema is `anyOf: [the object, null]`: the object branch. */
function objectBranch(s: Json): Json {
  const branches = s.anyOf as Json[] | undefined;
  return branches?.find((b) => b.type === "object") ?? s;
}

function withoutDraft(s: Json): Json {
  const { $schema: _d, ...rest } = s;
  return rest;
}

/** Keywords that only make a schema fail: dropped from the editor schemas. */
const ASSERTIONS = new Set([
  "type", "const", "enum", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
  "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "required", "propertyNames", "not", "format",
  "minProperties", "maxProperties", "additionalItems", "dependencies", "if", "then", "else", "contains",
]);

/** Completion values offered by the editor schemas (never validated). */
const EXAMPLES: Record<string, unknown[]> = {
  "tool.kitaru.cache": [true, false],
  "tool.kitaru.retries": [0, 1, 2, 3],
  "tool.kitaru.image.replicate_local_python_environment": [true, false],
  "kitaru.yaml.version": [1],
  "kitaru.yaml.log_store.backend": ["datadog"],
};

/** Strips assertions, folds anyOf branches' properties together, and adds the type in words to the description. */
function annotationsOnly(node: unknown, path: string[]): unknown {
  if (Array.isArray(node)) return node.map((n) => annotationsOnly(n, path));
  if (!node || typeof node !== "object") return node;
  const src = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (ASSERTIONS.has(k) || k === "$schema") continue;
    if (k === "anyOf" || k === "oneOf" || k === "allOf") {
      for (const branch of v as Json[]) {
        const props = branch.properties as Json | undefined;
        if (props) out.properties = { ...(out.properties as Json | undefined), ...annotateProperties(props, path) };
        if (branch.items && !out.items) out.items = annotationsOnly(branch.items, path);
      }
      continue;
    }
    if (k === "additionalProperties") continue; // `false` or a value schema: both assert
    if (k === "properties") {
      out.properties = { ...(out.properties as Json | undefined), ...annotateProperties(v as Json, path) };
      continue;
    }
    out[k] = k === "items" ? annotationsOnly(v, path) : v;
  }
  const id = path.join(".");
  const info = settingInfo(id.replace(/^tool\.kitaru\./, "").replace(/^kitaru\.yaml\./, ""));
  if (info && typeof out.description === "string") out.description = `${out.description}\n\nType: ${info.type}.${info.env ? ` Environment variable: ${info.env}.` : ""}`;
  if (EXAMPLES[id]) out.examples = EXAMPLES[id];
  return out;
}

function annotateProperties(props: Json, path: string[]): Json {
  return Object.fromEntries(Object.entries(props).map(([name, sub]) => [name, annotationsOnly(sub, [...path, name])]));
}

function editorPyproject(toolKitaru: Json): Json {
  const table = annotationsOnly(withoutDraft(toolKitaru), ["tool", "kitaru"]) as Json;
  return {
    $schema: DRAFT,
    title: "pyproject.toml ([tool.kitaru] only)",
    description: "Completion and hover text for Kitaru's [tool.kitaru] table. Annotation-only: it never reports a problem (the Kitaru extension does, exactly as Kitaru would) and says nothing about the rest of pyproject.toml.",
    properties: { tool: { properties: { kitaru: table } } },
  };
}
