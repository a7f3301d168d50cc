/**
 * Hover text for every `[tool.kitaru]` and `kitaru.yaml` key and value, as
 * markdown: what the setting does, its type, the value in effect right now
 * with its layer, and what it overrides or is overridden by. Values come only
 * from the analysis and the resolution, which hold secrets masked; the
 * document's raw text is never quoted.
 */
import { compare, describeWinner, ownCandidate, relativePath, showValue, spanContains, type DocumentCheck, type DocumentEntry } from "./documentChecks";
import { didYouMean } from "./didYouMean";
import { IMAGE_FIELDS, KITARU_YAML_KEYS, TOOL_KITARU_KEYS } from "./settingKeys";
import { isSecretName, maskSecretsInText } from "./secrets";
import { SOURCE_LABELS, settingInfo } from "./settingsInfo";
import type { Candidate, Setting } from "./resolve";
import type { Position, Span } from "./types";

export interface HoverInfo {
  span: Span;
  markdown: string;
  /** Where the value in effect is set, when that is not this file (the editor adds an "open" link). */
  origin?: { file: string; line: number; column: number };
}

interface KeyDoc {
  title: string;
  description: string;
  type?: string;
  env?: string;
  /** The resolution key whose effective value applies (`stack`, `image.base_image`, `default_model`). */
  settingKey?: string;
  /** Says what Kitaru does with the key when it is not a normal setting. */
  status?: string;
  /** Label of the effective value when the key itself is not what Kitaru uses (pyproject's server_url). */
  effectiveLabel?: string;
}

export function hoverAt(check: DocumentCheck, pos: Position): HoverInfo | undefined {
  const entry = innermostEntry(check.entries, pos);
  if (!entry && check.tableSpan && spanContains(check.tableSpan, pos)) return tableHover(check, check.tableSpan);
  if (!entry) return undefined;
  const doc = check.kind === "pyproject" ? pyprojectDoc(entry) : yamlDoc(entry, check);
  const span = spanContains(entry.keySpan, pos) ? entry.keySpan : entry.valueSpan;
  const lines: string[] = [];
  lines.push(`**${code(doc.title)}** — ${check.kind === "pyproject" ? "`[tool.kitaru]` in pyproject.toml" : "kitaru.yaml"}`);
  lines.push("", doc.description);
  if (doc.status) lines.push("", doc.status);
  const facts: string[] = [];
  if (doc.type) facts.push(`*Type:* ${doc.type}`);
  if (doc.env) facts.push(`*Environment variable:* ${code(doc.env)}`);
  if (facts.length) lines.push("", facts.join("  \n"));
  const effective = doc.settingKey ? effectiveLines(check, doc.settingKey, doc.effectiveLabel) : undefined;
  if (effective) lines.push("", ...effective.lines);
  // Key names are quoted as written: one that is a pasted token is masked like any other text.
  return { span, markdown: maskSecretsInText(lines.join("\n")), ...(effective?.origin ? { origin: effective.origin } : {}) };
}

/** The entry whose key or value holds the position; the innermost (latest start, then deepest) wins. */
function innermostEntry(entries: readonly DocumentEntry[], pos: Position): DocumentEntry | undefined {
  let best: { entry: DocumentEntry; start: Position } | undefined;
  for (const entry of entries) {
    for (const span of [entry.keySpan, entry.valueSpan]) {
      if (!spanContains(span, pos)) continue;
      const better = !best || compare(span.start, best.start) > 0 || (compare(span.start, best.start) === 0 && entry.path.length > best.entry.path.length);
      if (better) best = { entry, start: span.start };
    }
  }
  return best?.entry;
}

function tableHover(check: DocumentCheck, span: Span): HoverInfo {
  const lines = [
    "**`[tool.kitaru]`** — Kitaru's project configuration",
    "",
    "Execution defaults for this project: `stack`, `cache`, `retries` and `image`. This layer sits below `kitaru.configure()`, the `@flow` decorator, `run()` arguments and `KITARU_*` environment variables, and above the persisted stack and built-in defaults. Kitaru reads the *nearest* pyproject.toml walking up from where a run starts.",
  ];
  const r = check.resolution;
  if (check.refused) lines.push("", "Kitaru refuses this file as it is now, so none of these values apply.");
  else if (r && check.readByKitaru) lines.push("", `Kitaru reads this file for runs started in ${code(r.cwd === r.workspace ? "." : relativePath(r.cwd, r.workspace))}.`);
  else if (r && r.pyproject) lines.push("", `Runs started here read ${code(relativePath(r.pyproject.file, r.workspace))} instead, the nearest pyproject.toml.`);
  return { span, markdown: maskSecretsInText(lines.join("\n")) };
}

function pyprojectDoc(entry: DocumentEntry): KeyDoc {
  const [first, second, third] = entry.path;
  const name = entry.path.join(".");
  const fromInfo = (key: string, title = key): KeyDoc => {
    const info = settingInfo(key);
    return { title, description: info?.description ?? "", ...(info?.type ? { type: info.type } : {}), ...(info?.env ? { env: info.env } : {}), settingKey: key };
  };
  if (entry.path.length === 1 && first !== undefined) {
    if (first === "stack" || first === "cache" || first === "retries") return fromInfo(first);
    if (first === "image") {
      const doc = fromInfo("image");
      // `image = "python:3.12"` is the base image; a table's fields each have their own hover.
      return entry.kind === "value" ? { ...doc, settingKey: "image.base_image", effectiveLabel: "Base image" } : withoutSetting(doc);
    }
    if (first === "server_url" || first === "project" || first === "auth_token") {
      const variable = first === "server_url" ? "KITARU_SERVER_URL" : first === "project" ? "KITARU_PROJECT" : "KITARU_AUTH_TOKEN";
      return {
        title: first,
        description: `Kitaru parses this key but never uses it for the connection.${first === "auth_token" ? " A token in pyproject.toml is a secret in a committed file." : ""}`,
        status: `Use ${code(variable)}${first === "server_url" ? " or `kitaru login <server>`" : ""} instead.`,
        type: first === "auth_token" ? "secret string" : "string",
        settingKey: first,
        effectiveLabel: "The connection uses",
      };
    }
    if (first === "runner") return { title: "runner", description: "The old name of `stack`.", status: "Kitaru refuses `runner`: rename it to `stack`." };
    const suggestion = didYouMean(first, TOOL_KITARU_KEYS);
    return { title: name, description: "Not a Kitaru setting.", status: `Kitaru ignores this key${suggestion ? ` (did you mean ${code(suggestion)}?)` : ""}.` };
  }
  if (first === "image" && second !== undefined) {
    if (entry.path.length === 2) {
      if (second === "parent_image") {
        const base = fromInfo("image.base_image", name);
        return { ...base, description: `The older name of ${code("base_image")}, still accepted. ${base.description}` };
      }
      if ((IMAGE_FIELDS as readonly string[]).includes(second)) {
        const doc = fromInfo(`image.${second}`, name);
        return second === "environment" ? withoutSetting(doc) : doc;
      }
      const suggestion = didYouMean(second, IMAGE_FIELDS);
      return {
        title: name,
        description: "Not an ImageSettings field.",
        status: `Kitaru refuses [tool.kitaru.image] with unknown keys${suggestion ? ` (did you mean ${code(suggestion)}?)` : ""}. Allowed: ${IMAGE_FIELDS.map((f) => code(f)).join(", ")}.`,
      };
    }
    if (second === "environment" && third !== undefined && entry.path.length === 3) {
      const doc = fromInfo(`image.environment.${third}`, name);
      return {
        ...doc,
        type: "string",
        description: `Environment variable ${code(third)} baked into the image. Layers merge image.environment variable by variable.`,
        ...(isSecretName(third) ? { status: "This name looks like a secret: image.environment is stored in plain text in the image and its metadata. Put credentials in a secret and list it in `secret_environment_from`." } : {}),
      };
    }
  }
  return { title: name, description: "Part of a `[tool.kitaru]` value." };
}

function withoutSetting(doc: KeyDoc): KeyDoc {
  const { settingKey: _s, ...rest } = doc;
  return rest;
}

function yamlDoc(entry: DocumentEntry, check: DocumentCheck): KeyDoc {
  const [first, second, third, fourth] = entry.path;
  const name = entry.path.join(".");
  const ignored = (known: readonly string[], key: string): KeyDoc => {
    const suggestion = didYouMean(key, known);
    return { title: name, description: "Not a kitaru.yaml setting.", status: `Kitaru ignores this key${suggestion ? ` (did you mean ${code(suggestion)}?)` : ""}.` };
  };
  if (first === undefined) return { title: name, description: "" };
  if (entry.path.length === 1) {
    if (first === "version") return { title: "version", description: "Format version of kitaru.yaml.", type: "integer (1)" };
    if (first === "log_store")
      return {
        title: "log_store",
        description: "Where Kitaru ships logs: `backend`, `endpoint` and, optionally, `api_key`. Without it, logs stay in the artifact store. Any `KITARU_LOG_STORE_*` variable replaces this section as a whole.",
        type: "mapping",
      };
    if (first === "model_registry") return { title: "model_registry", description: "Model aliases for `kitaru.llm()` and the default one.", type: "mapping with `aliases` and `default`" };
    return ignored(KITARU_YAML_KEYS, first);
  }
  if (first === "log_store" && second !== undefined && entry.path.length === 2) {
    if (second === "backend" || second === "endpoint" || second === "api_key") {
      const key = `log_store.${second}`;
      const info = settingInfo(key);
      return { title: key, description: info?.description ?? "", ...(info?.type ? { type: info.type } : {}), ...(info?.env ? { env: info.env } : {}), settingKey: key };
    }
    return ignored(["backend", "endpoint", "api_key"], second);
  }
  if (first === "model_registry" && second !== undefined) {
    if (entry.path.length === 2) {
      if (second === "aliases") return { title: name, description: "Named models: `kitaru.llm(model=\"fast\")` uses the alias `fast`. Kitaru lowercases alias names.", type: "mapping of alias name → {model, secret}; names use lowercase letters, digits, `-` and `_`" };
      if (second === "default") {
        const info = settingInfo("default_model");
        return {
          title: name,
          description: "The alias `kitaru.llm()` uses without `model=`. `KITARU_DEFAULT_MODEL` (an alias or a provider/model string) overrides it.",
          type: "the name of an alias defined under aliases",
          ...(info?.env ? { env: info.env } : {}),
          settingKey: "default_model",
          effectiveLabel: "Default model",
        };
      }
      return ignored(["aliases", "default"], second);
    }
    if (second === "aliases" && third !== undefined) {
      const alias = check.kitaruYaml?.aliases.find((a) => a.alias === third.trim().toLowerCase());
      if (entry.path.length === 3) {
        return { title: name, description: `Model alias ${code(third.trim().toLowerCase())}${alias ? `: ${code(alias.model)}${alias.secret ? `, credentials from the secret ${code(alias.secret)}` : ""}` : ""}.`, type: "mapping with `model` and optionally `secret`" };
      }
      if (entry.path.length === 4 && fourth === "model") return { title: name, description: "The provider/model string the alias stands for (e.g. `openai/gpt-5-nano`).", type: "non-empty string" };
      if (entry.path.length === 4 && fourth === "secret") return { title: name, description: "The name of the secret holding the provider's credentials: a reference, not the credential itself.", type: "secret name" };
      if (entry.path.length === 4 && fourth !== undefined) return ignored(["model", "secret"], fourth);
    }
  }
  return { title: name, description: "Part of a kitaru.yaml value." };
}

/** "In effect", "Overridden by …", or why this file's value does not apply. */
function effectiveLines(check: DocumentCheck, key: string, label?: string): { lines: string[]; origin?: HoverInfo["origin"] } | undefined {
  const r = check.resolution;
  if (!r) return undefined;
  const setting = r.settings[key];
  const lines: string[] = [];
  if (check.readByKitaru === false) {
    const read = check.kind === "pyproject" ? r.pyproject?.file : joinPath(r.configDir.path, "kitaru.yaml");
    lines.push(read ? `Kitaru does not read this file here: it reads ${code(relativePath(read, r.workspace))}.` : "Kitaru does not read this file here.");
  } else if (check.refused) {
    lines.push("Kitaru refuses this file as it is now, so this value does not apply.");
  }
  const own = check.readByKitaru && !check.refused ? ownCandidate(check, key) : undefined;
  // Set in this file but not taken: the table or file has an error Kitaru refuses.
  const fileSetsIt = !(check.kind === "pyproject" && ["server_url", "project", "auth_token"].includes(key));
  if (!own && fileSetsIt && check.readByKitaru && !check.refused && check.problems.some((p) => p.severity === "error")) {
    lines.push(`This value does not apply while ${check.kind === "pyproject" ? "[tool.kitaru]" : "this file"} has errors (see Problems).`);
  }
  if (!setting) {
    lines.push(`**${label ?? "Effective now"}:** unset (no layer sets it).`);
    return { lines };
  }
  const where = (c: Candidate) => describeWinner(c, r.workspace);
  if (own?.winner) {
    lines.push(`**In effect:** ${code(showValue(setting))}, set here (${SOURCE_LABELS[setting.source]}).`);
    const lower = setting.overridden.filter((c) => c !== setting);
    if (lower.length) lines.push(`Overrides: ${lower.map((c) => `${code(showValue(c))} from ${where(c)}`).join("; ")}.`);
    return { lines };
  }
  if (own) lines.push(`**Overridden** by ${where(setting)}: Kitaru uses ${code(showValue(setting))}.`);
  else lines.push(`**${label ?? "Effective now"}:** ${code(showValue(setting))} from ${where(setting)}.`);
  if (setting.note) lines.push(`*${setting.note}*`);
  const o = setting.origin;
  const origin = o && !("env" in o) && o.file !== check.file ? { file: o.file, line: o.line, column: o.column ?? 1 } : o && "env" in o && o.file ? { file: o.file, line: o.line ?? 1, column: 1 } : undefined;
  return { lines, ...(origin ? { origin } : {}) };
}

/**
 * The image environment in effect, for a hover on an `environment=` argument: every variable
 * of the merged environment (layers merge it variable by variable), its value (masked as the
 * resolution holds it) and layer, and whether the hovered argument sets it, wins or is overridden.
 */
export function imageEnvironmentLines(settings: Readonly<Record<string, Setting>>, options: { isMine: (c: Candidate) => boolean; where: (c: Candidate) => string }): string[] {
  const prefix = "image.environment.";
  const rows: string[] = [];
  const shown = (c: Candidate) => `${code(showValue(c))}${c.masked ? " *(masked)*" : ""}`;
  let mineCount = 0;
  for (const [key, s] of Object.entries(settings)) {
    if (!key.startsWith(prefix) || (s.value === null && s.dynamic === undefined)) continue;
    const name = key.slice(prefix.length);
    const mine = [s, ...s.overridden].find(options.isMine);
    if (mine) mineCount++;
    const row = `- ${code(name)} = ${shown(s)} from ${options.where(s)}`;
    const below = s.overridden.find((c) => c !== mine && c.value !== null);
    const over = below ? `, overrides ${shown(below)} from ${options.where(below)}` : "";
    rows.push(mine === s ? `${row}: set here${over}` : mine ? `${row}: **overrides** this argument's ${shown(mine)}` : `${row}${over}`);
  }
  if (!rows.length) return ["**In effect:** no image environment variables (no layer sets any)."];
  const count = `${rows.length} variable${rows.length === 1 ? "" : "s"}${mineCount ? `, ${mineCount} from this argument` : ""}`;
  return [`**In effect:** the image environment merged variable by variable across the layers (${count}):`, "", ...rows];
}

/** Inline code that survives backticks in the text. */
export function code(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

function joinPath(dir: string, name: string): string {
  const sep = dir.includes("\\") && !dir.includes("/") ? "\\" : "/";
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}
