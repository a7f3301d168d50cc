/**
 * Layer 6: what is persisted on this machine. The active stack
 * (ZENML_ACTIVE_STACK_ID, else the repository's .kitaru/config.yaml, else the
 * global config.yaml), the login connection (config.yaml's store.url, token in
 * credentials.yaml) and kitaru.yaml.
 */
import type { ConfigDir } from "./configDir";
import { envOrigin, nonBlank } from "./envLayer";
import { INVALID_UTF8, normalizeStackId, NOT_A_REGULAR_FILE, pathFor, TOO_LARGE, type Host, type InvalidUtf8 } from "./host";
import { notUtf8Problem } from "./notUtf8";
import { analyzeKitaruYaml, type KitaruYamlAnalysis } from "./kitaruYaml";
import { fileOrigin, isLayerValues, type LayerValue, type LayerValues } from "./layer";
import type { Problem } from "./problems";
import { maskSecret } from "./secrets";
import { isHttpUrlWithHost } from "./pythonText";
import { locateYaml, MAX_YAML_BYTES, parseYaml11, wholeDocument, yamlTooLarge, yamlValue } from "./yaml11";
import { memoPerFile } from "./memo";

/** A place Kitaru looks, for the Files view (in the spirit of `pip config debug`). */
export interface LookedAt {
  role: "pyproject" | "config-dir" | "kitaru.yaml" | "config.yaml" | "credentials.yaml" | "zenml-store" | "repository" | "python";
  path: string;
  exists: boolean;
  used: boolean;
  note: string;
}

export interface Persisted {
  values: LayerValues;
  /** Active-stack candidates below pyproject, highest first (env id, repository, global). */
  stackCandidates: { source: "zenml-env" | "global"; value: LayerValue }[];
  kitaruYaml?: KitaruYamlAnalysis;
  /** The persisted connection's server URL, when config.yaml points at a server. */
  loginUrl?: string;
  problems: Problem[];
  looked: LookedAt[];
}

/**
 * Refreshes re-read unchanged files: their analysis is reused (results are read-only here),
 * and the CLI keeps it between runs (the YAML tree, which only the editor needs, is not kept).
 */
const analyzeKitaruYamlCached = memoPerFile(analyzeKitaruYaml, {
  persistAs: "kitaru.yaml",
  stored: ({ yaml: _tree, ...analysis }) => analysis,
  fits: (a) => {
    const r = a as Partial<KitaruYamlAnalysis>;
    return typeof r.file === "string" && typeof r.refused === "boolean" && isLayerValues(r.values) && Array.isArray(r.aliases) && Array.isArray(r.problems);
  },
});
const zenmlConfigCached = memoPerFile(zenmlConfigOf, {
  persistAs: "config.yaml",
  fits: (a) => {
    const r = a as Partial<ReturnType<typeof zenmlConfigOf>>;
    return r.config !== null && typeof r.config === "object" && Array.isArray(r.problems);
  },
});
/** credentials.yaml holds tokens: its parse is never stored. */
const credentialsYamlCached = memoPerFile((_file: string, text: string) => parseYaml11(text));

export function readPersisted(host: Host, configDir: ConfigDir, cwd: string, workspace: string): Persisted {
  const p = pathFor(host.platform);
  const out: Persisted = { values: new Map(), stackCandidates: [], problems: [], looked: [] };
  const dirExists = host.isDirectory(configDir.path);
  // Not a directory: missing (Kitaru creates it), or something Kitaru cannot use, said once here rather than per file.
  const broken = dirExists ? undefined : brokenConfigDir(host, configDir);
  if (broken) out.problems.push({ severity: "error", code: "file-unreadable", ...(configDir.source !== "default" ? { env: configDir.source } : {}), message: broken });
  out.looked.push({
    role: "config-dir",
    path: configDir.path,
    exists: dirExists,
    used: dirExists,
    note: `${configDir.reason}${dirExists ? "" : broken ? "; not a usable directory (see Problems)" : "; does not exist yet (Kitaru creates it on first write)"}`,
  });

  // kitaru.yaml
  const kitaruYamlPath = p.join(configDir.path, "kitaru.yaml");
  const kitaruYamlText = broken ? null : readSafely(host, kitaruYamlPath, out.problems, "kitaru.yaml");
  if (kitaruYamlText !== null) {
    const rel = p.relative(workspace, kitaruYamlPath);
    const analysis = analyzeKitaruYamlCached(kitaruYamlPath, kitaruYamlText, { likelyCommitted: !rel.startsWith("..") && !p.isAbsolute(rel) });
    out.kitaruYaml = analysis;
    for (const p of analysis.problems) out.problems.push(p);
    out.looked.push({ role: "kitaru.yaml", path: kitaruYamlPath, exists: true, used: !analysis.refused, note: analysis.refused ? "refused by Kitaru: see its problems" : "log store and model registry" });
  } else {
    const failed = out.problems.some((p) => p.file === kitaruYamlPath);
    out.looked.push({ role: "kitaru.yaml", path: kitaruYamlPath, exists: failed, used: false, note: failed ? "not read here: see its problems" : "absent: built-in log store, no model aliases" });
  }

  // The global config.yaml.
  const configPath = p.join(configDir.path, "config.yaml");
  const global = broken ? null : readZenmlConfig(host, configPath, out.problems);
  out.looked.push({
    role: "config.yaml",
    path: configPath,
    exists: global !== null,
    used: global !== null && !global.unusable,
    note: global === null ? "absent: nothing persisted yet" : global.unusable ? "cannot be used: Kitaru cannot read its persisted state (see Problems)" : "active stack, connection, analytics",
  });

  // Repository .kitaru/config.yaml, found walking up from the working directory.
  const repoRoot = findRepository(host, cwd, configDir.path);
  let repo: ZenmlConfig | null = null;
  if (repoRoot) {
    const repoConfig = p.join(repoRoot, ".kitaru", "config.yaml");
    repo = readZenmlConfig(host, repoConfig, out.problems);
    const why = host.env.ZENML_REPOSITORY_PATH ? "repository chosen by ZENML_REPOSITORY_PATH" : "nearest .kitaru/ walking up from the working directory";
    out.looked.push({ role: "repository", path: repoConfig, exists: repo !== null, used: repo !== null && !repo.unusable, note: repo?.unusable ? `${why}; its config.yaml cannot be used (see Problems)` : why });
  } else {
    out.looked.push({ role: "repository", path: p.join(cwd, ".kitaru"), exists: false, used: false, note: "no .kitaru/ folder in the working directory or above (`kitaru init` creates one)" });
  }

  // Active stack: ZENML_ACTIVE_STACK_ID, then repository, then global.
  const stackEnv = nonBlank(host, "ZENML_ACTIVE_STACK_ID");
  if (stackEnv) out.stackCandidates.push({ source: "zenml-env", value: { value: stackEnv, origin: envOrigin(host, "ZENML_ACTIVE_STACK_ID"), note: "active stack id" } });
  for (const cfg of [repo, global]) {
    if (cfg?.activeStackId) out.stackCandidates.push({ source: "global", value: { value: cfg.activeStackId.value, origin: cfg.activeStackId.origin, note: "active stack id (`kitaru stack use`)" } });
  }
  nameStacks(host, configDir, global?.storeUrl?.value, out);

  // Connection from the persisted login.
  if (global?.storeUrl && isHttpUrlWithHost(global.storeUrl.value)) {
    const url = global.storeUrl.value.replace(/\/+$/, "");
    out.loginUrl = url;
    out.values.set("server_url", { value: url, origin: global.storeUrl.origin, note: "persisted by `kitaru login`" });
    const token = readCredential(host, p.join(configDir.path, "credentials.yaml"), url, out);
    if (token) out.values.set("auth_token", token);
  }
  const project = repo?.activeProjectId ?? global?.activeProjectId;
  if (project) out.values.set("project", { value: project.value, origin: project.origin, note: "active project id" });
  if (global?.analyticsOptIn) out.values.set("analytics_opt_in", global.analyticsOptIn);
  return out;
}

const STACK_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

/**
 * The store that holds the stack names: the SQLite file config.yaml's store.url
 * names, or (no store yet, or logged in to the local server) ZenML's default
 * local store. A remote server keeps its stacks to itself.
 */
function stackStoreFile(host: Host, configDir: ConfigDir, storeUrl: string | undefined): string | undefined {
  const p = pathFor(host.platform);
  const local = p.join(configDir.path, "local_stores", "default_zen_store", "zenml.db");
  if (storeUrl === undefined) return local;
  const sqlite = /^sqlite:\/\/\/(.+)$/.exec(storeUrl.trim());
  if (sqlite) return sqlite[1];
  if (/^https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?\/?$/i.test(storeUrl.trim())) return local;
  return undefined;
}

/** Kitaru resolves the persisted stack to its name: look the active stack ids up in the local store. */
function nameStacks(host: Host, configDir: ConfigDir, storeUrl: string | undefined, out: Persisted): void {
  const ids = out.stackCandidates.filter((c) => typeof c.value.value === "string" && STACK_ID.test(c.value.value));
  if (!host.stackNames || ids.length === 0) return;
  const file = stackStoreFile(host, configDir, storeUrl);
  if (!file) return;
  const store = host.stackNames(file);
  if ("error" in store) {
    out.looked.push({ role: "zenml-store", path: file, exists: store.error !== "not found", used: false, note: `ZenML's local store (stack names): ${store.error}` });
    return;
  }
  out.looked.push({ role: "zenml-store", path: file, exists: true, used: true, note: `ZenML's local store: stack names (${store.names.size} stack${store.names.size === 1 ? "" : "s"})` });
  for (const c of ids) {
    const id = c.value.value as string;
    const name = store.names.get(normalizeStackId(id));
    c.value = name !== undefined
      ? { ...c.value, value: name, note: `active stack "${name}" (id ${id}, named in ZenML's local store)` }
      : { ...c.value, note: `active stack id ${id}: no stack with this id in ZenML's local store (deleted?)` };
  }
}

interface ZenmlConfig {
  activeStackId?: { value: string; origin: ReturnType<typeof fileOrigin> };
  activeProjectId?: { value: string; origin: ReturnType<typeof fileOrigin> };
  storeUrl?: { value: string; origin: ReturnType<typeof fileOrigin> };
  analyticsOptIn?: LayerValue;
  /** The file exists but Kitaru cannot use it (syntax error, not a mapping, too large): see its problem. */
  unusable?: true;
}

function readZenmlConfig(host: Host, file: string, problems: Problem[]): ZenmlConfig | null {
  const text = readSafely(host, file, problems, "config.yaml");
  if (text === null) return null;
  const analysis = zenmlConfigCached(file, text);
  for (const problem of analysis.problems) problems.push(problem);
  return analysis.config;
}

/** What Kitaru takes from one of ZenML's config.yaml texts, and its problems. */
function zenmlConfigOf(file: string, text: string): { config: ZenmlConfig; problems: Problem[] } {
  const unread = (problem: Problem): { config: ZenmlConfig; problems: Problem[] } => ({ config: { unusable: true }, problems: [problem] });
  if (text.length > MAX_YAML_BYTES) {
    return unread(yamlTooLargeProblem(file, text.length, "config.yaml"));
  }
  const yaml = parseYaml11(text);
  if (yaml.error) {
    return unread({ severity: "error", code: "yaml-syntax", file, span: yaml.error.span, message: `YAML syntax error in ZenML's config.yaml: ${yaml.error.message}. Kitaru cannot read its persisted state; fix or delete the file.` });
  }
  let data: unknown;
  try {
    data = yamlValue(yaml);
  } catch (error) {
    // An alias bomb (billion laughs): yaml stops expanding it and throws.
    return unread({ severity: "error", code: "yaml-syntax", file, message: `ZenML's config.yaml cannot be read: ${(error as Error).message.split("\n")[0]}. Kitaru cannot read its persisted state; fix or delete the file.` });
  }
  if (data === undefined || data === null) return { config: {}, problems: [] };
  if (typeof data !== "object" || Array.isArray(data)) {
    return unread({ severity: "error", code: "not-a-mapping", file, span: wholeDocument(yaml), message: "ZenML's config.yaml must be a mapping. Kitaru cannot read its persisted state; fix or delete the file." });
  }
  const root = data as Record<string, unknown>;
  const at = (path: string[]) => fileOrigin(file, locateYaml(yaml, path)?.keySpan);
  const cfg: ZenmlConfig = {};
  if (typeof root.active_stack_id === "string" && root.active_stack_id.trim()) cfg.activeStackId = { value: root.active_stack_id.trim(), origin: at(["active_stack_id"]) };
  if (typeof root.active_project_id === "string" && root.active_project_id.trim()) cfg.activeProjectId = { value: root.active_project_id.trim(), origin: at(["active_project_id"]) };
  const store = root.store;
  if (store && typeof store === "object" && typeof (store as Record<string, unknown>).url === "string") {
    cfg.storeUrl = { value: String((store as Record<string, unknown>).url), origin: at(["store", "url"]) };
  }
  if (typeof root.analytics_opt_in === "boolean") cfg.analyticsOptIn = { value: root.analytics_opt_in, origin: at(["analytics_opt_in"]) };
  return { config: cfg, problems: [] };
}

/** The token stored for the persisted server, masked. Never returns the clear value. */
function readCredential(host: Host, file: string, url: string, out: Persisted): LayerValue | undefined {
  let text: string | null;
  let exists = true;
  try {
    // Never read whole when oversized: no token comes from it then (nor is its text ever shown).
    text = host.readText(file, { maxBytes: MAX_YAML_BYTES });
    exists = text !== null;
  } catch {
    text = null;
  }
  out.looked.push({ role: "credentials.yaml", path: file, exists, used: false, note: "tokens per server URL (never shown)" });
  if (text === null || text.length > MAX_YAML_BYTES) return undefined;
  const yaml = credentialsYamlCached(file, text);
  if (yaml.error) return undefined;
  let data: unknown;
  try {
    data = yamlValue(yaml);
  } catch {
    return undefined; // an alias bomb: no token from it (and its text is never shown)
  }
  if (!data || typeof data !== "object") return undefined;
  const entries = data as Record<string, unknown>;
  const key = Object.keys(entries).find((k) => k.replace(/\/+$/, "") === url);
  const entry = key === undefined ? undefined : (entries[key] as Record<string, unknown> | null);
  if (!entry || typeof entry !== "object") return undefined;
  const apiToken = entry.api_token as Record<string, unknown> | undefined;
  const [secret, path] =
    typeof entry.api_key === "string" && entry.api_key
      ? [entry.api_key, [key!, "api_key"]]
      : typeof apiToken?.access_token === "string" && apiToken.access_token
        ? [apiToken.access_token, [key!, "api_token", "access_token"]]
        : [undefined, []];
  if (!secret) return undefined;
  const looked = out.looked[out.looked.length - 1];
  if (looked) looked.used = true;
  return { value: maskSecret(secret), masked: true, origin: fileOrigin(file, locateYaml(yaml, path)?.keySpan), note: path[1] === "api_key" ? "API key stored by `kitaru login`" : "session token stored by `kitaru login`" };
}

/** The nearest folder holding `.kitaru/`; a `.kitaru` that is the config directory itself is not a repository. */
function findRepository(host: Host, cwd: string, configDirPath: string): string | null {
  const p = pathFor(host.platform);
  const forced = nonBlank(host, "ZENML_REPOSITORY_PATH");
  if (forced) return host.isDirectory(p.join(forced, ".kitaru")) ? p.resolve(forced) : null;
  let dir = p.resolve(cwd);
  for (;;) {
    const candidate = p.join(dir, ".kitaru");
    if (candidate !== configDirPath && host.isDirectory(candidate)) return dir;
    const parent = p.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Why the config directory, which is not a directory, cannot be used; undefined when it simply does not exist yet. */
function brokenConfigDir(host: Host, configDir: ConfigDir): string | undefined {
  const named = configDir.source === "default" ? `Kitaru's config directory ${configDir.path}` : `${configDir.source} names ${configDir.path}, which`;
  const fix = configDir.source === "default" ? "Remove or rename it so Kitaru can create the directory." : `Point ${configDir.source} at a directory.`;
  try {
    if (host.readText(configDir.path) === null) return undefined;
    return `${named} is a file, not a directory: Kitaru cannot read kitaru.yaml, config.yaml or credentials.yaml there. ${fix}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR") return undefined; // a directory after all (the host's isDirectory disagreed)
    return `${named} cannot be used as Kitaru's config directory (${readFailure(error)}): its files are not read. ${fix}`;
  }
}

/** A read failure in words. */
export function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EISDIR") return "it is a directory, not a file";
  if (code === "ELOOP") return "a symbolic link that loops";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === NOT_A_REGULAR_FILE) return "it is a device, pipe or socket, not a regular file";
  if (code === TOO_LARGE) return `it is ${bytesInWords((error as { size?: number }).size ?? 0)}, too large to read here`;
  if (code === INVALID_UTF8) return "it is not valid UTF-8";
  // Node reads at most 2 GB into one buffer; Python has no such limit.
  if (code === "ERR_FS_FILE_TOO_LARGE") return "it is over 2 GB, more than this tool reads into memory";
  if (code === "ERR_STRING_TOO_LONG") return "its text is longer than this tool can hold in memory";
  if (code === "EIO") return "an input/output error from the disk or file system";
  if (code === "EMFILE" || code === "ENFILE") return "too many files are open";
  if (code === "ENOMEM") return "not enough memory";
  if (code === "ENAMETOOLONG") return "its path is too long";
  if (code === "EBUSY" || code === "ETXTBSY") return "the file is busy";
  if (code === "EAGAIN" || code === "ETIMEDOUT") return "the read timed out (a network drive?)";
  // Anything else: the system's own words, without the path (already said) or Node's code prefix.
  const message = ((error as Error).message ?? String(error)).replace(/^[A-Z][A-Z0-9_]*: /, "").replace(/, \w+ '[^']*'$/, "");
  return code ? `${message} (${code})` : message;
}

function bytesInWords(size: number): string {
  return size >= 1_000_000 ? `${(size / 1_000_000).toLocaleString("en-US", { maximumFractionDigits: 1 })} MB` : `${Math.round(size / 1000).toLocaleString("en-US")} KB`;
}

/** What reads each YAML file in Kitaru, and what its refusal or our size limit means. */
const YAML_READERS = {
  "kitaru.yaml": { reader: "PyYAML, which Kitaru uses,", refusal: "Kitaru refuses the whole file.", unshown: "its log store and model registry are not shown here." },
  "config.yaml": { reader: "ZenML, which Kitaru uses,", refusal: "Kitaru cannot read its persisted state (active stack, login).", unshown: "the persisted stack and login in it are not shown here." },
};

/** The problem for a YAML file over MAX_YAML_BYTES: a warning, since Kitaru itself still reads it. */
export function yamlTooLargeProblem(file: string, size: number, kind: keyof typeof YAML_READERS): Problem {
  return { severity: "warning", code: "file-too-large", file, span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, message: yamlTooLarge(file, size, `${YAML_READERS[kind].unshown} Kitaru itself still reads it.`) };
}

/** Failures Kitaru's own read meets too (it opens the same path); others are this process's (too many open files, Node's 2 GB limit). */
const KITARU_FAILS_TOO = new Set(["EACCES", "EPERM", "EISDIR", "ELOOP", "EIO", NOT_A_REGULAR_FILE]);

/**
 * Reads a YAML file as Kitaru's readers do (UTF-8, strictly), never one over MAX_YAML_BYTES; a
 * failure other than "missing" becomes a problem and counts as missing.
 */
function readSafely(host: Host, file: string, problems: Problem[], kind: keyof typeof YAML_READERS): string | null {
  try {
    return host.readText(file, { maxBytes: MAX_YAML_BYTES, strictUtf8: true });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { size?: number };
    if (e.code === TOO_LARGE) problems.push(yamlTooLargeProblem(file, e.size ?? 0, kind));
    else if (e.code === INVALID_UTF8) problems.push(notUtf8Problem(file, error as InvalidUtf8, YAML_READERS[kind].reader, YAML_READERS[kind].refusal));
    else if (KITARU_FAILS_TOO.has(e.code ?? "")) problems.push({ severity: "error", code: "file-unreadable", file, message: `Cannot read ${file}: ${readFailure(error)}. Kitaru cannot read it either: fix or remove it.` });
    else problems.push({ severity: "warning", code: "file-unreadable", file, message: `Cannot read ${file} here: ${readFailure(error)}, so ${YAML_READERS[kind].unshown} Kitaru may still read it: try again, and check the file if this persists.` });
    return null;
  }
}
