/**
 * Resolution: every layer's values, merged key by key by Kitaru's precedence,
 * with the winner, where it was set, and what it overrode.
 */
import { configDirectory, type ConfigDirSource } from "./configDir";
import { envOrigin, nonBlank, readKitaruEnv, readZenmlEnv } from "./envLayer";
import { INVALID_UTF8, pathFor, TOO_LARGE, type Host, type InvalidUtf8 } from "./host";
import { isLayerValues, type LayerValue, type LayerValues, type Origin, type Source } from "./layer";
import type { Problem } from "./problems";
import { readFailure, readPersisted, type LookedAt } from "./persisted";
import { analyzePyproject, MAX_PYPROJECT_BYTES, pyprojectNotUtf8, pyprojectTooLarge, type PyprojectAnalysis } from "./pyproject";
import { readPythonLayers, type FlowSelection, type ModuleReader, type PythonLayers } from "./pythonLayers";
import { isHttpUrlWithHost, pythonStrip } from "./pythonText";
import { kitaruSchemas } from "./libraries";
import { describeIssue, formatPath, issuesOf, valueAt } from "./validation";
import { maskProblemText, maskSecret, maskSecretLookingValue } from "./secrets";
import type { JsonValue } from "./types";
import type { KitaruYamlAnalysis, ModelAlias } from "./kitaruYaml";
import { collectSecrets, type SecretStatus } from "./secretStatus";
import { compareText } from "./compareText";
import { memoPerFile } from "./memo";

/** Shared by refreshes: a pyproject.toml is parsed again only when its text changed (the analysis is read-only here). */
const analyzePyprojectCached = memoPerFile(analyzePyproject, {
  persistAs: "pyproject.toml",
  fits: (a) => {
    const r = a as Partial<PyprojectAnalysis>;
    return typeof r.file === "string" && typeof r.hasTable === "boolean" && typeof r.refused === "boolean" && isLayerValues(r.values) && r.entries instanceof Map && Array.isArray(r.problems);
  },
});

export interface Candidate extends LayerValue {
  source: Source;
}

export interface Setting extends Candidate {
  key: string;
  /** Lower layers that also set the key, highest first. */
  overridden: Candidate[];
}

export interface Resolution {
  version: 1;
  workspace: string;
  cwd: string;
  configDir: { path: string; source: ConfigDirSource; reason: string };
  settings: Record<string, Setting>;
  problems: Problem[];
  /** Every place Kitaru looks, whether it exists and whether it was used. */
  looked: LookedAt[];
  secrets: SecretStatus[];
  pyproject?: PyprojectAnalysis;
  kitaruYaml?: KitaruYamlAnalysis;
  python?: Pick<PythonLayers, "flow" | "call" | "files">;
}

export interface ResolveRequest extends FlowSelection {
  workspace: string;
  /** Where a run would start; the nearest pyproject.toml and .kitaru/ are searched from here. */
  cwd?: string;
  readModule?: ModuleReader;
}

/** Built-in defaults (layer 7). Keys Kitaru leaves unset are listed with a null value and a reason. */
const DEFAULTS: [string, LayerValue][] = [
  ["stack", { value: null, note: "unset: the persisted active stack applies once one is chosen" }],
  ["cache", { value: null, note: "unset: per-checkpoint cache settings and the orchestrator's default apply" }],
  ["retries", { value: 0 }],
  ["server_url", { value: null, note: "not connected to a server" }],
  ["log_store.backend", { value: "artifact-store", note: "logs are stored in the artifact store" }],
  ["debug", { value: false }],
  ["analytics_opt_in", { value: true }],
];

export function resolveConfiguration(host: Host, request: ResolveRequest): Resolution {
  const base = resolveBase(host, request);
  const python = request.flow || request.call ? readPythonLayers(host, base.workspace, request, request.readModule) : undefined;
  const resolution = finishResolution(base, python);
  if (!python) BASES.set(resolution, base);
  return resolution;
}

/**
 * A flow or call of the same project, environment and files as `project` (a resolution without
 * a flow, from resolveConfiguration): only the Python layers are read and merged over the layers
 * `project` already resolved, so a module with many flows costs one resolution of the project
 * plus a little per flow. The problems are `project`'s (as the caller may have placed them) and
 * the Python ones. Undefined when `project` did not come from resolveConfiguration without a flow.
 */
export function resolveOnProject(project: Resolution, selection: FlowSelection & { readModule?: ModuleReader }): Resolution | undefined {
  const base = BASES.get(project);
  if (!base) return undefined;
  if (!selection.flow && !selection.call) return project;
  const python = readPythonLayers(base.host, base.workspace, selection, selection.readModule);
  return finishResolution(base, python, project);
}

/** Everything but the Python layers: read once per project and environment, shared by every flow and call. */
interface ResolutionBase {
  host: Host;
  workspace: string;
  cwd: string;
  configDir: Resolution["configDir"];
  /** The problems of these layers, before the connection guardrails. */
  problems: Problem[];
  looked: LookedAt[];
  pyproject?: PyprojectAnalysis;
  kitaruYaml?: KitaruYamlAnalysis;
  /** Per key, the candidates of these layers, highest first, built-in defaults last; already masked. */
  candidates: Map<string, Candidate[]>;
  /** Problems of the connection guardrails that do not depend on the Python layers (they cannot set the server). */
  connectionProblems: Problem[];
  /** A remote server is configured through environment variables: a project is required from env or configure(). */
  remoteViaEnv: boolean;
  /** collectSecrets of the base settings, computed on first use. */
  secrets?: SecretStatus[];
}

/** The base of each project resolution, so flows and calls can be resolved on top of it. */
const BASES = new WeakMap<Resolution, ResolutionBase>();

function resolveBase(host: Host, request: ResolveRequest): ResolutionBase {
  const p = pathFor(host.platform);
  const workspace = p.resolve(request.workspace);
  const cwd = p.resolve(workspace, request.cwd ?? ".");
  const problems: Problem[] = [];
  const looked: LookedAt[] = [];

  const { warning: dirWarning, ...dir } = configDirectory(host);
  const configDir = { ...dir, path: p.resolve(cwd, dir.path) };
  if (dirWarning) problems.push({ severity: "warning", code: "invalid-env", env: dir.source, message: dirWarning });

  const pyproject = readNearestPyproject(host, workspace, cwd, problems, looked);
  const kitaruEnv = readKitaruEnv(host);
  for (const p of kitaruEnv.problems) problems.push(p);
  const zenmlEnv = readZenmlEnv(host, problems);
  const persisted = readPersisted(host, configDir, cwd, workspace);
  for (const p of persisted.problems) problems.push(p);
  looked.push(...persisted.looked);

  const logStoreEnv = readLogStoreEnv(host, problems);
  const yamlOk = persisted.kitaruYaml && !persisted.kitaruYaml.refused ? persisted.kitaruYaml : undefined;
  const model = resolveDefaultModel(host, yamlOk, problems);

  const envValues = new Map([...kitaruEnv.values, ...logStoreEnv, ...model.env]);
  const globalValues = new Map([...persisted.values, ...(yamlOk?.values ?? []), ...model.global]);

  const layers: { source: Source; values: LayerValues }[] = [
    { source: "env", values: envValues },
    { source: "zenml-env", values: zenmlEnv },
    { source: "pyproject", values: pyproject && !pyproject.refused ? pyproject.values : new Map() },
    { source: "global", values: globalValues },
  ];

  const candidates = new Map<string, Candidate[]>();
  const add = (key: string, c: Candidate) => {
    const list = candidates.get(key);
    if (list) list.push(c);
    else candidates.set(key, [c]);
  };
  for (const layer of layers) {
    for (const [key, value] of layer.values) add(key, { ...value, source: layer.source });
    // The persisted active stack sits with the global layer, below pyproject.
    if (layer.source === "global") for (const c of persisted.stackCandidates) add("stack", { ...c.value, source: c.source });
  }
  for (const [key, value] of DEFAULTS) add(key, { ...value, source: "default" });

  // The guardrails read the values as set (before masking); the Python layers never set the server.
  const winners: Record<string, Candidate> = {};
  for (const [key, list] of candidates) winners[key] = list[0]!;
  const connectionProblems: Problem[] = [];
  const remoteViaEnv = checkConnection(host, winners, connectionProblems);
  // Credentials recognisable by their value (a token under a harmless name, a URL password) never leave the core.
  for (const list of candidates.values()) for (const c of list) maskSecretLookingValue(c);

  return {
    host,
    workspace,
    cwd,
    configDir,
    problems,
    looked,
    ...(pyproject ? { pyproject } : {}),
    ...(persisted.kitaruYaml ? { kitaruYaml: persisted.kitaruYaml } : {}),
    candidates,
    connectionProblems,
    remoteViaEnv,
  };
}

/**
 * Merges the Python layers (when given) over the base: per key, the Python candidates first, then
 * the base's. `placed`: the project resolution whose (possibly re-placed) problems are kept as they are.
 */
function finishResolution(base: ResolutionBase, python: PythonLayers | undefined, placed?: Resolution): Resolution {
  const { host, workspace } = base;
  const pythonProblems: Problem[] = [];
  const looked = [...base.looked];
  const pythonCandidates = new Map<string, Candidate[]>();
  if (python) {
    for (const p of python.problems) pythonProblems.push(p);
    for (const file of python.files) looked.push({ role: "python", path: file, exists: true, used: true, note: "flow decorator, kitaru.configure() and run() arguments" });
    const layers: [Source, LayerValues][] = [
      ["invocation", python.invocation],
      ["decorator", python.decorator],
      ["configure", python.configure],
    ];
    for (const [source, values] of layers) {
      for (const [key, value] of values) {
        const c: Candidate = { ...value, source };
        maskSecretLookingValue(c);
        const list = pythonCandidates.get(key);
        if (list) list.push(c);
        else pythonCandidates.set(key, [c]);
      }
    }
  }

  // Keys in order of first appearance, highest layer first (the order collectSecrets reads them in).
  const settings: Record<string, Setting> = {};
  const set = (key: string, list: readonly Candidate[]) => {
    const [winner, ...rest] = list;
    // A built-in "unset" below a real value explains nothing; keep real defaults (retries 0).
    if (winner) settings[key] = { key, ...winner, overridden: rest.filter((c) => !(c.source === "default" && c.value === null)) };
  };
  for (const [key, list] of pythonCandidates) set(key, [...list, ...(base.candidates.get(key) ?? [])]);
  for (const [key, list] of base.candidates) if (!pythonCandidates.has(key)) set(key, list);

  const added: Problem[] = [];
  if (python) applyCheckpoints(python, settings, added);
  const connection: Problem[] = [...base.connectionProblems];
  if (base.remoteViaEnv) requireProject(settings, connection);

  let secrets: SecretStatus[];
  if (!python || !touchesSecrets(base, pythonCandidates)) {
    base.secrets ??= collectSecrets({ host, workspace, settings: python ? baseSettings(base) : settings, pyproject: base.pyproject, kitaruYaml: base.kitaruYaml, configDir: base.configDir.path });
    secrets = base.secrets;
  } else {
    secrets = collectSecrets({ host, workspace, settings, pyproject: base.pyproject, kitaruYaml: base.kitaruYaml, configDir: base.configDir.path });
  }

  let problems: Problem[];
  if (placed) {
    // The project's problems as the caller placed them, minus a project requirement configure() now meets; then the Python ones.
    const own = sortProblems([...pythonProblems, ...added]).map(maskProblemText);
    const kept = placed.problems.filter((p) => p.code !== "project-required" || connection.some((c) => c.code === "project-required"));
    const rank = { error: 0, warning: 1, info: 2 } as const;
    problems = [...kept, ...own].map((p, i) => ({ p, i })).sort((a, b) => rank[a.p.severity] - rank[b.p.severity] || a.i - b.i).map(({ p }) => p);
  } else {
    problems = sortProblems([...base.problems, ...pythonProblems, ...added, ...connection]).map(maskProblemText);
  }

  return {
    version: 1,
    workspace,
    cwd: base.cwd,
    configDir: base.configDir,
    settings: Object.fromEntries(Object.entries(settings).sort(([a], [b]) => keyOrder(a) - keyOrder(b) || compareText(a, b))),
    problems,
    looked,
    secrets,
    ...(base.pyproject ? { pyproject: base.pyproject } : {}),
    ...(base.kitaruYaml ? { kitaruYaml: base.kitaruYaml } : {}),
    ...(python ? { python: { flow: python.flow, call: python.call, files: python.files } } : {}),
  };
}

/** The settings of the base alone (no Python layer), as collectSecrets reads them. */
function baseSettings(base: ResolutionBase): Record<string, Setting> {
  const settings: Record<string, Setting> = {};
  for (const [key, [winner, ...rest]] of base.candidates) {
    if (winner) settings[key] = { key, ...winner, overridden: rest.filter((c) => !(c.source === "default" && c.value === null)) };
  }
  if (base.remoteViaEnv) requireProject(settings, []);
  return settings;
}

/** Whether the Python layers change what collectSecrets reports: a masked value of their own, or a key whose secret they outrank. */
function touchesSecrets(base: ResolutionBase, python: ReadonlyMap<string, readonly Candidate[]>): boolean {
  for (const [key, list] of python) {
    if (list.some((c) => c.masked)) return true;
    if (base.candidates.get(key)?.some((c) => c.masked)) return true;
  }
  return false;
}

function readNearestPyproject(host: Host, workspace: string, cwd: string, problems: Problem[], looked: LookedAt[]): PyprojectAnalysis | undefined {
  const p = pathFor(host.platform);
  let chosen: PyprojectAnalysis | undefined;
  let dir = cwd;
  for (;;) {
    const file = p.join(dir, "pyproject.toml");
    const read = readPyproject(host, file);
    if (read !== null) {
      if (!chosen) {
        chosen = typeof read === "string" ? analyzePyprojectCached(file, read) : unreadablePyproject(file, read);
        for (const p of chosen.problems) problems.push(p);
        looked.push({
          role: "pyproject",
          path: file,
          exists: true,
          used: !chosen.refused && !chosen.tableRefused,
          note: chosen.tooLarge
            ? "nearest pyproject.toml, too large to analyse here: its [tool.kitaru] is not shown (Kitaru still reads it; see its problems)"
            : chosen.refused
            ? "nearest pyproject.toml, but Kitaru refuses it: see its problems"
            : chosen.tableRefused
              ? "nearest pyproject.toml, but its [tool.kitaru] has errors, so Kitaru refuses all of it: see its problems"
            : chosen.hasTable
              ? "nearest pyproject.toml from the working directory: [tool.kitaru] applies"
              : "nearest pyproject.toml from the working directory; it has no [tool.kitaru], so the project layer is empty",
        });
      } else {
        looked.push({ role: "pyproject", path: file, exists: true, used: false, note: `skipped: Kitaru reads only the nearest pyproject.toml (${p.relative(dir, chosen.file) || chosen.file})` });
      }
    }
    const parent = p.dirname(dir);
    // Beyond the workspace only the first file matters; stop there to avoid reading unrelated folders.
    if (parent === dir || (chosen && !isInside(p, workspace, parent))) break;
    dir = parent;
  }
  if (!chosen) looked.push({ role: "pyproject", path: p.join(cwd, "pyproject.toml"), exists: false, used: false, note: "no pyproject.toml in the working directory or above" });
  return chosen;
}

/**
 * Kitaru stops at the first path where `pyproject.toml` exists (Path.exists(): a
 * directory or an unreadable file counts, a dangling or looping symlink does not)
 * and then fails to open it. The text, an error for a path that exists but cannot
 * be read, or null.
 */
function readPyproject(host: Host, file: string): string | NodeJS.ErrnoException | null {
  try {
    // Strict as tomllib; a huge file is never read into memory.
    return host.readText(file, { maxBytes: MAX_PYPROJECT_BYTES, strictUtf8: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "ENAMETOOLONG") return null;
    return error as NodeJS.ErrnoException;
  }
}

function unreadablePyproject(file: string, error: NodeJS.ErrnoException): PyprojectAnalysis {
  if (error.code === TOO_LARGE) return pyprojectTooLarge(file, (error as NodeJS.ErrnoException & { size: number }).size);
  if (error.code === INVALID_UTF8) return pyprojectNotUtf8(file, error as unknown as InvalidUtf8);
  const why = error.code === "EISDIR" ? "it is a directory" : readFailure(error);
  return {
    file,
    hasTable: false,
    refused: true,
    values: new Map(),
    entries: new Map(),
    problems: [{ severity: "error", code: "file-unreadable", file, message: `${file} is the nearest pyproject.toml, but it cannot be read (${why}). Kitaru stops there and fails; it does not look further up. Fix or remove it.` }],
  };
}

function isInside(p: ReturnType<typeof pathFor>, root: string, dir: string): boolean {
  const rel = p.relative(root, dir);
  return rel === "" || (!rel.startsWith("..") && !p.isAbsolute(rel));
}

/**
 * KITARU_LOG_STORE_*: any of them set (even to an empty text) replaces
 * kitaru.yaml's log_store as a whole, and is validated as Kitaru's
 * LogStoreOverride (the same rules as kitaru.yaml's log_store). A field the
 * variables leave unset is not taken from kitaru.yaml. When Kitaru refuses the
 * variables (no backend, no endpoint, an invalid value), it does not fall back
 * to kitaru.yaml either: it fails. The settings then still show what the
 * variables set, from the environment layer, with kitaru.yaml's values overridden.
 */
function readLogStoreEnv(host: Host, problems: Problem[]): LayerValues {
  const values: LayerValues = new Map();
  const names = ["KITARU_LOG_STORE_BACKEND", "KITARU_LOG_STORE_ENDPOINT", "KITARU_LOG_STORE_API_KEY"] as const;
  const set = names.filter((n) => host.env[n] !== undefined);
  if (set.length === 0) return values;
  const rawBackend = host.env.KITARU_LOG_STORE_BACKEND;
  const rawEndpoint = host.env.KITARU_LOG_STORE_ENDPOINT;
  const rawApiKey = host.env.KITARU_LOG_STORE_API_KEY;
  const replaced = `${set[0]} replaces kitaru.yaml's log_store as a whole`;
  const err = (env: string, message: string) => problems.push({ severity: "error", code: "log-store-env", env, key: "log_store.backend", message });
  const from = (name: string): Origin => envOrigin(host, name);
  const backend = rawBackend === undefined ? undefined : pythonStrip(rawBackend).toLowerCase();
  /** Kitaru refuses the variables: each field as they set it (or unset), noted as refused, never kitaru.yaml's. */
  const refused = (why: string): LayerValues => {
    const note = `${replaced}; Kitaru refuses them (${why}) and fails rather than use kitaru.yaml's (see Problems)`;
    const endpoint = rawEndpoint === undefined || pythonStrip(rawEndpoint) === "" ? null : pythonStrip(rawEndpoint).replace(/\/+$/, "");
    values.set("log_store.backend", { value: backend === undefined || backend === "" ? null : backend, origin: from(rawBackend !== undefined ? "KITARU_LOG_STORE_BACKEND" : set[0]!), note });
    values.set("log_store.endpoint", { value: endpoint, origin: from(rawEndpoint !== undefined ? "KITARU_LOG_STORE_ENDPOINT" : set[0]!), note });
    // No key is used; a KITARU_LOG_STORE_API_KEY that is set is listed (masked, as not used) with the secrets.
    values.set("log_store.api_key", { value: null, origin: from(rawApiKey !== undefined ? "KITARU_LOG_STORE_API_KEY" : set[0]!), note });
    return values;
  };
  if (backend === undefined) {
    err("KITARU_LOG_STORE_BACKEND", `${set.join(" and ")} ${set.length > 1 ? "are" : "is"} set without KITARU_LOG_STORE_BACKEND. Set KITARU_LOG_STORE_BACKEND (e.g. datadog), or unset the others.`);
    return refused("KITARU_LOG_STORE_BACKEND is not set");
  }
  if (backend === "artifact-store") {
    const extra = [rawEndpoint ? "KITARU_LOG_STORE_ENDPOINT" : "", rawApiKey ? "KITARU_LOG_STORE_API_KEY" : ""].filter(Boolean);
    if (extra.length) {
      err(extra[0]!, `KITARU_LOG_STORE_BACKEND=artifact-store takes no endpoint or API key: unset ${extra.join(" and ")}.`);
      return refused(`artifact-store takes no ${extra.join(" or ")}`);
    }
    values.set("log_store.backend", { value: backend, origin: from("KITARU_LOG_STORE_BACKEND") });
    values.set("log_store.endpoint", { value: null, origin: from("KITARU_LOG_STORE_BACKEND"), note: replaced });
    values.set("log_store.api_key", { value: null, origin: from("KITARU_LOG_STORE_BACKEND"), note: replaced });
    return values;
  }
  if (rawEndpoint === undefined) {
    err("KITARU_LOG_STORE_ENDPOINT", `KITARU_LOG_STORE_BACKEND=${JSON.stringify(backend)} needs KITARU_LOG_STORE_ENDPOINT (the http(s) URL of the log intake).`);
    return refused("KITARU_LOG_STORE_ENDPOINT is not set");
  }
  const parsed = kitaruSchemas().logStoreSchema.safeParse({ backend, endpoint: rawEndpoint, ...(rawApiKey !== undefined ? { api_key: rawApiKey } : {}) });
  if (!parsed.success) {
    const fields = new Set<string>();
    for (const issue of issuesOf(parsed.error)) {
      const field = String(issue.path[0] ?? "backend");
      const name = `KITARU_LOG_STORE_${field.toUpperCase()}`;
      fields.add(name);
      err(name, describeIssue(name, ["log_store", field], issue, field === "api_key" ? undefined : valueAt({ backend, endpoint: rawEndpoint }, issue.path), field === "api_key"));
    }
    return refused(`invalid ${[...fields].join(" and ")}`);
  }
  const store = parsed.data;
  values.set("log_store.backend", { value: store.backend, origin: from("KITARU_LOG_STORE_BACKEND") });
  values.set("log_store.endpoint", { value: store.endpoint, origin: from("KITARU_LOG_STORE_ENDPOINT") });
  values.set("log_store.api_key", store.api_key != null ? { value: maskSecret(store.api_key), masked: true, origin: from("KITARU_LOG_STORE_API_KEY") } : { value: null, origin: from(set[0]!), note: replaced });
  return values;
}

/**
 * default_model: KITARU_DEFAULT_MODEL (alias first, else raw), else the registry's default alias,
 * else its only alias. The registry is kitaru.yaml's with KITARU_MODEL_REGISTRY merged over it
 * (Kitaru's _merge_model_registries: the variable's aliases replace those of the same name, its
 * default replaces the file's). When the variable changes what the registry answers (its alias or
 * its default is the one used, or its aliases leave several and no default), the value is the
 * environment layer's, and what kitaru.yaml alone gives is shown as overridden.
 */
function resolveDefaultModel(host: Host, kitaruYaml: KitaruYamlAnalysis | undefined, problems: Problem[]): { env: LayerValues; global: LayerValues } {
  const env: LayerValues = new Map();
  const global: LayerValues = new Map();
  type Entry = { model: string; origin: Origin; fromEnv: boolean };
  type Default = { alias: string; origin: Origin; fromEnv: boolean };
  const local = new Map<string, Entry>();
  for (const a of kitaruYaml?.aliases ?? []) local.set(a.alias, { model: a.model, origin: aliasOrigin(kitaruYaml!.file, a), fromEnv: false });
  const localDefault: Default | undefined = kitaruYaml?.defaultAlias
    ? { alias: kitaruYaml.defaultAlias.alias, origin: { file: kitaruYaml.file, line: kitaruYaml.defaultAlias.span?.start.line ?? 1 }, fromEnv: false }
    : undefined;
  const merged = new Map(local);
  let mergedDefault = localDefault;
  const envRegistry = parseEnvRegistry(host, problems);
  const registryOrigin = envOrigin(host, "KITARU_MODEL_REGISTRY");
  if (envRegistry) {
    for (const [alias, entry] of Object.entries(envRegistry.aliases ?? {})) merged.set(alias.toLowerCase(), { model: entry.model, origin: registryOrigin, fromEnv: true });
    if (envRegistry.default) mergedDefault = { alias: envRegistry.default.toLowerCase(), origin: registryOrigin, fromEnv: true };
  }
  const requested = host.env.KITARU_DEFAULT_MODEL;
  if (requested !== undefined) {
    if (requested.trim() === "") {
      problems.push({ severity: "error", code: "invalid-env", env: "KITARU_DEFAULT_MODEL", key: "default_model", message: "KITARU_DEFAULT_MODEL is set but empty. Set an alias or a provider/model string, or unset it." });
    } else {
      const name = requested.trim();
      const alias = merged.get(name.toLowerCase());
      env.set("default_model", { value: alias ? alias.model : name, origin: envOrigin(host, "KITARU_DEFAULT_MODEL"), note: alias ? `alias "${name.toLowerCase()}"${alias.fromEnv ? " (from KITARU_MODEL_REGISTRY)" : ""}` : "not an alias: passed through as provider/model" });
    }
  }
  /** The alias kitaru.llm() falls back to: the default, else the only alias; undefined when there is none to pick. */
  const pick = (aliases: Map<string, Entry>, def: Default | undefined) => {
    if (def) {
      const entry = aliases.get(def.alias);
      return entry ? { name: def.alias, entry, def } : undefined;
    }
    if (aliases.size !== 1) return undefined;
    const [name, entry] = [...aliases][0]!;
    return { name, entry, def: undefined };
  };
  const fromFile = pick(local, localDefault);
  if (fromFile) {
    global.set("default_model", { value: fromFile.entry.model, origin: fromFile.def?.origin ?? fromFile.entry.origin, note: fromFile.def ? `default alias "${fromFile.name}"` : `the only alias, "${fromFile.name}"` });
  }
  if (envRegistry && !env.has("default_model")) {
    const chosen = pick(merged, mergedDefault);
    if (chosen && (chosen.entry.fromEnv || chosen.def?.fromEnv)) {
      const where = (o: Origin) => ("env" in o ? "KITARU_MODEL_REGISTRY" : `kitaru.yaml:${o.line}`);
      const note = chosen.def
        ? chosen.def.fromEnv
          ? `default alias "${chosen.name}" of KITARU_MODEL_REGISTRY${chosen.entry.fromEnv ? "" : `, defined in ${where(chosen.entry.origin)}`}`
          : `default alias "${chosen.name}" (${where(chosen.def.origin)}), redefined by KITARU_MODEL_REGISTRY, merged over kitaru.yaml's registry`
        : `the only alias, "${chosen.name}", from KITARU_MODEL_REGISTRY`;
      env.set("default_model", { value: chosen.entry.model, origin: registryOrigin, note });
    } else if (!chosen && fromFile) {
      // The variable's aliases leave several and no default: kitaru.llm() without model= fails.
      env.set("default_model", { value: null, origin: registryOrigin, note: "KITARU_MODEL_REGISTRY's aliases, merged over kitaru.yaml's, leave several aliases and no default: kitaru.llm() without model= fails" });
    }
  }
  return { env, global };
}

function aliasOrigin(file: string, alias: ModelAlias): Origin {
  return { file, line: alias.span?.start.line ?? 1 };
}

/**
 * KITARU_MODEL_REGISTRY (a registry transported to remote runs): validated on its
 * own, as Kitaru's ModelRegistryConfig (alias names normalized; a default must
 * name one of its own aliases), before it is merged over kitaru.yaml's.
 */
function parseEnvRegistry(host: Host, problems: Problem[]) {
  const text = nonBlank(host, "KITARU_MODEL_REGISTRY");
  if (text === undefined) return undefined;
  const refuse = (detail: string) => {
    problems.push({ severity: "error", code: "invalid-env", env: "KITARU_MODEL_REGISTRY", key: "default_model", message: `KITARU_MODEL_REGISTRY must be valid JSON matching the Kitaru model registry schema {"aliases": {name: {"model": ..., "secret": ...}}, "default": name}: ${detail}.` });
    return undefined;
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refuse("it is not valid JSON");
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) return refuse("it is not a JSON object");
  const raw = json as Record<string, unknown>;
  const aliases = raw.aliases && typeof raw.aliases === "object" && !Array.isArray(raw.aliases)
    ? Object.fromEntries(Object.entries(raw.aliases).map(([k, v]) => [pythonStrip(k).toLowerCase(), v]))
    : raw.aliases;
  const parsed = kitaruSchemas().modelRegistrySchema.safeParse({ ...raw, aliases });
  if (!parsed.success) {
    const issue = issuesOf(parsed.error)[0];
    return refuse(issue ? describeIssue(formatPath(issue.path), issue.path, issue, valueAt({ ...raw, aliases }, issue.path), false).replace(/\.$/, "") : "it does not match");
  }
  const registry = parsed.data;
  if (registry.default != null && !(registry.default in (registry.aliases ?? {}))) {
    return refuse(`its default "${registry.default}" names no alias in KITARU_MODEL_REGISTRY itself`);
  }
  return registry;
}

/** The execution-level cache, when any layer sets it, replaces every checkpoint's own setting. */
function applyCheckpoints(python: PythonLayers, settings: Record<string, Setting>, problems: Problem[]): void {
  const exec = settings.cache;
  const execSet = exec && exec.source !== "default" ? exec : undefined;
  for (const checkpoint of python.checkpoints) {
    const key = `checkpoint.${checkpoint.name}.cache`;
    const own: Candidate | undefined = checkpoint.own ? { ...checkpoint.own, source: "decorator" } : undefined;
    if (own) maskSecretLookingValue(own);
    if (execSet) {
      const { key: _k, overridden: _o, ...winner } = execSet;
      settings[key] = { key, ...winner, overridden: own ? [own] : [], note: "execution-level cache replaces checkpoint settings" };
      if (own?.origin && !("env" in own.origin)) {
        problems.push({
          severity: "info",
          code: "checkpoint-cache-replaced",
          file: own.origin.file,
          key,
          ...(own.origin.span ? { span: own.origin.span } : {}),
          message:
            execSet.dynamic !== undefined
              ? `@checkpoint(cache=...) on ${checkpoint.name} may be replaced by the execution-level cache, which is only known at run time: ${execSet.dynamic} from ${describeOrigin(execSet)}.`
              : `@checkpoint(cache=...) on ${checkpoint.name} is replaced by the execution-level cache = ${JSON.stringify(execSet.value)} from ${describeOrigin(execSet)}.`,
        });
      }
    } else if (own) {
      settings[key] = { key, ...own, overridden: [] };
    } else {
      settings[key] = { key, value: null, source: "default", note: "no checkpoint or execution-level cache: the orchestrator's default applies", overridden: [] };
    }
  }
}

export function describeOrigin(c: Candidate): string {
  const o = c.origin;
  if (!o) return c.source;
  if ("env" in o) return o.file ? `${o.env} (${o.file}:${o.line})` : o.env;
  return `${o.file}:${o.line}`;
}

/**
 * Kitaru's two connection guardrails on the layers that can set the connection (the Python layers
 * cannot set the server). Returns whether a remote server is configured through environment
 * variables, which requires a project at first use (see requireProject).
 */
function checkConnection(host: Host, settings: Record<string, Candidate>, problems: Problem[]): boolean {
  const url = nonBlank(host, "KITARU_SERVER_URL");
  const token = nonBlank(host, "KITARU_AUTH_TOKEN");
  if (url && !token && !nonBlank(host, "ZENML_STORE_API_KEY")) {
    problems.push({ severity: "error", code: "connection-pair", env: "KITARU_SERVER_URL", key: "auth_token", message: "KITARU_SERVER_URL is set without KITARU_AUTH_TOKEN. They must be set together: add KITARU_AUTH_TOKEN (a service-account API key), or unset KITARU_SERVER_URL." });
  }
  if (token && !url && !nonBlank(host, "ZENML_STORE_URL")) {
    problems.push({ severity: "error", code: "connection-pair", env: "KITARU_AUTH_TOKEN", key: "server_url", message: "KITARU_AUTH_TOKEN is set without KITARU_SERVER_URL. They must be set together: add KITARU_SERVER_URL, or unset KITARU_AUTH_TOKEN." });
  }
  const server = settings.server_url;
  if (server && (server.source === "env" || server.source === "zenml-env") && typeof server.value === "string") {
    if (!isHttpUrlWithHost(server.value)) {
      const name = server.origin && "env" in server.origin ? server.origin.env : "KITARU_SERVER_URL";
      problems.push({ severity: "error", code: "invalid-env", env: name, key: "server_url", message: `${name} must be an http(s) URL with a host.` });
    }
    return true;
  }
  return false;
}

/** A remote server configured through environment variables: the project must come from the environment or configure(). */
function requireProject(settings: Record<string, Setting>, problems: Problem[]): void {
  const project = settings.project;
  const projectFromEnvOrCode = project && ["env", "zenml-env", "configure"].includes(project.source);
  if (projectFromEnvOrCode) return;
  problems.push({ severity: "error", code: "project-required", env: "KITARU_PROJECT", key: "project", message: "A remote server is configured through environment variables, so Kitaru requires KITARU_PROJECT at first use (KitaruClient(), flow.run(), replay). Set KITARU_PROJECT." });
  // The persisted project belongs to the persisted login, not to this server.
  if (project && project.source === "global") {
    const { key: _key, overridden: _overridden, ...persistedProject } = project;
    settings.project = { key: "project", value: null, source: "default", note: "required: set KITARU_PROJECT", overridden: [persistedProject] };
  }
}

const ORDER = ["stack", "cache", "retries", "image.", "server_url", "auth_token", "project", "default_model", "log_store.", "debug", "analytics_opt_in", "checkpoint."];
function keyOrder(key: string): number {
  const i = ORDER.findIndex((o) => (o.endsWith(".") ? key.startsWith(o) : key === o));
  return i < 0 ? ORDER.length : i;
}

function sortProblems(problems: Problem[]): Problem[] {
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return [...problems].sort((a, b) => rank[a.severity] - rank[b.severity] || compareText(a.file ?? "", b.file ?? "") || (a.span?.start.line ?? 0) - (b.span?.start.line ?? 0));
}

export type { JsonValue };
