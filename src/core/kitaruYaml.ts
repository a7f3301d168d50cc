/**
 * kitaru.yaml: log store and model registry. Kitaru refuses the whole file when
 * it is not a mapping or fails validation ("Fix or delete <path>"), so any
 * error here means none of its values apply.
 */
import { didYouMean } from "./didYouMean";
import { fileOrigin, type LayerValues } from "./layer";
import type { Problem } from "./problems";
import { KITARU_YAML_KEYS } from "./settingKeys";
import { kitaruSchemas } from "./libraries";
import { maskSecret, maskSecretLookingValue, maskSecretsInText } from "./secrets";
import { describeIssue, formatPath, issuesOf, valueAt } from "./validation";
import { locateYaml, MAX_YAML_BYTES, parseYaml11, wholeDocument, yamlTooLarge, yamlValue, type YamlFile } from "./yaml11";
import type { Span } from "./types";

export interface ModelAlias {
  alias: string;
  model: string;
  secret?: string;
  span?: Span;
}

export interface KitaruYamlAnalysis {
  file: string;
  refused: boolean;
  /** `log_store.*` values (source global). */
  values: LayerValues;
  aliases: ModelAlias[];
  defaultAlias?: { alias: string; span?: Span };
  problems: Problem[];
  yaml?: YamlFile;
  /** The log_store.api_key stored in plain text (masked), with its position, for the Secrets view. */
  plainApiKey?: { masked: string; span?: Span };
}

const LOG_STORE_KEYS = ["backend", "endpoint", "api_key"];
const REGISTRY_KEYS = ["aliases", "default"];
const ALIAS_KEYS = ["model", "secret"];

export interface KitaruYamlOptions {
  /**
   * The file is likely committed (inside a workspace). A plain-text API key is then a
   * warning; in the config directory, where Kitaru documents it, it is only noted.
   */
  likelyCommitted: boolean;
}

export function analyzeKitaruYaml(file: string, text: string, options: KitaruYamlOptions = { likelyCommitted: true }): KitaruYamlAnalysis {
  const result: KitaruYamlAnalysis = { file, refused: false, values: new Map(), aliases: [], problems: [] };
  const refuse = (span: Span | undefined, message: string, code: Problem["code"], extra: Partial<Problem> = {}) => {
    result.refused = true;
    result.problems.push({ severity: "error", code, file, ...(span ? { span } : {}), message: `${message} Kitaru refuses the whole file: fix or delete ${file}.`, ...extra });
  };
  if (text.length > MAX_YAML_BYTES) {
    result.refused = true;
    // Not analysed, though Kitaru reads it: a warning (refused here only in that none of its values are known).
    result.problems.push({ severity: "warning", code: "file-too-large", file, span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, message: yamlTooLarge(file, text.length, "its log store and model registry are not shown here. Kitaru itself still reads it.") });
    return result;
  }
  const yaml = parseYaml11(text);
  result.yaml = yaml;
  if (yaml.error) {
    refuse(yaml.error.span, `YAML syntax error: ${yaml.error.message}.`, "yaml-syntax");
    return result;
  }
  let data: unknown;
  try {
    data = yamlValue(yaml);
  } catch (error) {
    refuse(undefined, `kitaru.yaml cannot be read: ${(error as Error).message.split("\n")[0]}.`, "yaml-syntax");
    return result;
  }
  if (data === undefined || data === null) return result; // empty or comment-only: defaults
  if (typeof data !== "object" || Array.isArray(data)) {
    refuse(wholeDocument(yaml), "kitaru.yaml must be a mapping (key: value pairs) at the top level.", "not-a-mapping");
    return result;
  }
  const root = data as Record<string, unknown>;
  const span = (path: (string | number)[], part: "key" | "value" = "key") => {
    const loc = locateYaml(yaml, path);
    return part === "key" ? loc?.keySpan : loc?.valueSpan;
  };

  // Kitaru ignores unknown keys: warnings, with a suggestion.
  const warnUnknown = (container: unknown, base: string[], known: readonly string[]) => {
    if (!container || typeof container !== "object" || Array.isArray(container)) return;
    for (const key of Object.keys(container)) {
      if (known.includes(key) || key === "<<") continue;
      const suggestion = didYouMean(key, known);
      result.problems.push({
        severity: "warning",
        code: "unknown-key",
        file,
        span: span([...base, key]),
        ...(suggestion ? { fix: { kind: "rename-key" as const, to: suggestion } } : {}),
        message: `Kitaru ignores unknown key "${[...base, key].join(".")}"${suggestion ? `. Did you mean "${suggestion}"?` : "."}`,
      });
    }
  };
  warnUnknown(root, [], KITARU_YAML_KEYS);
  warnUnknown(root.log_store, ["log_store"], LOG_STORE_KEYS);
  warnUnknown(root.model_registry, ["model_registry"], REGISTRY_KEYS);
  const aliasesRaw = (root.model_registry as Record<string, unknown> | undefined)?.aliases;
  if (aliasesRaw && typeof aliasesRaw === "object" && !Array.isArray(aliasesRaw)) {
    for (const alias of Object.keys(aliasesRaw)) warnUnknown((aliasesRaw as Record<string, unknown>)[alias], ["model_registry", "aliases", alias], ALIAS_KEYS);
  }

  // A plain-text API key is worth saying whether or not the rest of the file is valid.
  const rawKey = valueAt(root, ["log_store", "api_key"]);
  if (typeof rawKey === "string" && rawKey !== "") {
    const keySpan = span(["log_store", "api_key"]);
    result.problems.push({
      severity: options.likelyCommitted ? "warning" : "info",
      code: "secret-in-file",
      file,
      key: "log_store.api_key",
      ...(keySpan ? { span: keySpan } : {}),
      message: `log_store.api_key is a secret stored in plain text${options.likelyCommitted ? " in a file that is likely committed" : ""}. Prefer setting KITARU_LOG_STORE_API_KEY in the environment (with KITARU_LOG_STORE_BACKEND and KITARU_LOG_STORE_ENDPOINT).`,
    });
  }

  // Alias names are lower-cased by Kitaru before validation: two spellings of one name collide.
  const aliasNames = aliasesRaw && typeof aliasesRaw === "object" && !Array.isArray(aliasesRaw) ? Object.keys(aliasesRaw) : [];
  const seenAliases = new Map<string, string>();
  for (const name of aliasNames) {
    const lowered = name.trim().toLowerCase();
    const earlier = seenAliases.get(lowered);
    seenAliases.set(lowered, name);
    if (earlier === undefined) continue;
    result.problems.push({
      severity: "warning",
      code: "duplicate-alias",
      file,
      span: span(["model_registry", "aliases", name]),
      message: `Aliases "${earlier}" and "${name}" are the same alias to Kitaru, which lower-cases alias names: only the last one, "${name}", is kept. Remove or rename one of them.`,
    });
  }
  const normalized = normalizeAliases(root);
  const parsed = kitaruSchemas().kitaruYamlSchema.safeParse(normalized);
  if (!parsed.success) {
    for (const issue of issuesOf(parsed.error)) {
      const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
      const sourcePath = path.map((p, i) => (i === 2 && path[0] === "model_registry" && path[1] === "aliases" ? originalAliasKey(root, String(p)) : p));
      const loc = locateYaml(yaml, sourcePath);
      const value = valueAt(normalized, issue.path);
      const isApiKey = path[0] === "log_store" && path[1] === "api_key";
      const quotable = isApiKey && (typeof value === "number" || typeof value === "boolean") && loc?.valueSource !== undefined;
      refuse(
        issue.path.length === 3 && path[1] === "aliases" && (issue.code === "invalid_format" || issue.code === "invalid_key") ? loc?.keySpan : loc?.valueSpan ?? loc?.keySpan,
        isApiKey && quotable
          ? "log_store.api_key must be a string, but YAML reads this unquoted value as a number or boolean. Quote it."
          : describeIssue(formatPath(sourcePath), path, issue, value, isApiKey, "yaml"),
        "invalid-value",
        { key: path.slice(0, 2).join("."), ...(quotable ? { fix: { kind: "quote-value" as const } } : {}) },
      );
    }
    return result;
  }
  const config = parsed.data;

  const registry = config.model_registry;
  for (const [alias, entry] of Object.entries(registry?.aliases ?? {})) {
    const keySpan = span(["model_registry", "aliases", originalAliasKey(root, alias)]);
    // A model string is shown wherever the alias is (a URL password in it is masked here already).
    result.aliases.push({ alias, model: maskSecretsInText(entry.model), ...(entry.secret ? { secret: entry.secret } : {}), ...(keySpan ? { span: keySpan } : {}) });
  }
  if (registry?.default != null) {
    const alias = registry.default;
    const defaultSpan = span(["model_registry", "default"], "value");
    if (!result.aliases.some((a) => a.alias === alias)) {
      const suggestion = didYouMean(alias, result.aliases.map((a) => a.alias));
      refuse(defaultSpan, `model_registry.default names alias "${registry.default}", which is not defined under model_registry.aliases${suggestion ? ` (did you mean "${suggestion}"?)` : ""}.`, "unknown-alias", suggestion ? { fix: { kind: "rename-key", to: suggestion } } : {});
      result.aliases = [];
      return result;
    }
    result.defaultAlias = { alias, ...(defaultSpan ? { span: defaultSpan } : {}) };
  }

  const logStore = config.log_store;
  if (logStore) {
    const origin = (key: string) => fileOrigin(file, span(["log_store", key]));
    result.values.set("log_store.backend", { value: logStore.backend, origin: origin("backend") });
    result.values.set("log_store.endpoint", { value: logStore.endpoint, origin: origin("endpoint") });
    if (logStore.api_key != null) {
      const masked = maskSecret(logStore.api_key);
      result.values.set("log_store.api_key", { value: masked, masked: true, origin: origin("api_key") });
      const keySpan = span(["log_store", "api_key"]);
      result.plainApiKey = { masked, ...(keySpan ? { span: keySpan } : {}) };
    }
    // The analysis travels with the resolution: a credential-looking value (a URL password in the endpoint) is masked here already.
    for (const value of result.values.values()) maskSecretLookingValue(value);
  }
  return result;
}

function normalizeAliases(root: Record<string, unknown>): Record<string, unknown> {
  const registry = root.model_registry;
  if (!registry || typeof registry !== "object" || Array.isArray(registry)) return root;
  const aliases = (registry as Record<string, unknown>).aliases;
  if (!aliases || typeof aliases !== "object" || Array.isArray(aliases)) return root;
  const lowered = Object.fromEntries(Object.entries(aliases).map(([k, v]) => [k.trim().toLowerCase(), v]));
  return { ...root, model_registry: { ...(registry as object), aliases: lowered } };
}

function originalAliasKey(root: Record<string, unknown>, lowered: string): string {
  const aliases = (root.model_registry as Record<string, unknown> | undefined)?.aliases;
  if (!aliases || typeof aliases !== "object") return lowered;
  return Object.keys(aliases).find((k) => k.trim().toLowerCase() === lowered) ?? lowered;
}
