/**
 * The three Python layers (invocation, flow decorator, kitaru.configure) and
 * per-checkpoint cache, read statically from the selected module. Values the
 * source does not fix are reported as dynamic, never guessed.
 */
import { pathFor, type Host } from "./host";
import { readFailure } from "./persisted";
import type { LayerValue, LayerValues, Origin } from "./layer";
import { LineIndex } from "./positions";
import type { Problem } from "./problems";
import { readPythonModule } from "./python/reader";
import type { PyCallArgs, PyDecorated, PyFlowCall, PyKwarg, PythonModuleSummary, PyValue } from "./python/types";
import { discoverSourceRoots } from "./workspaceWalk";
import { IMAGE_FIELDS } from "./settingKeys";
import { kitaruSchemas } from "./libraries";
import { credentialValueWarning, isSecretName, maskProblemText, maskSecret, maskSecretsInText, secretValueKind } from "./secrets";
import type { JsonValue, Span } from "./types";

export interface FlowSelection {
  /** `file:name`, the file relative to the workspace (or absolute). */
  flow?: string;
  /** `file:line`, the 1-based line of a `.run(...)` / `.deploy(...)` call. */
  call?: string;
  /**
   * Which checkpoints get a `checkpoint.<name>.cache` setting: every checkpoint of the flow's
   * module (the default, what `resolve --flow/--call` reports), or only those the flow's body
   * calls (the editor's per-flow work, which must not grow with the module's other checkpoints).
   */
  checkpoints?: "module" | "called";
  /**
   * Where absolute imports are looked up besides the importing file's folders: the workspace's
   * source roots (each folder holding a pyproject.toml, and its src/), in order. A function is
   * called only when an import is not found nearby. Without it they are found on the disk.
   */
  sourceRoots?: readonly string[] | (() => readonly string[]);
}

export interface CheckpointCache {
  name: string;
  file: string;
  span: Span;
  /** The checkpoint's own `cache=` value, when it sets one. */
  own?: LayerValue;
}

export interface PythonLayers {
  invocation: LayerValues;
  decorator: LayerValues;
  configure: LayerValues;
  checkpoints: CheckpointCache[];
  problems: Problem[];
  flow?: { file: string; name: string; span: Span };
  call?: { file: string; line: number; span: Span; method: "run" | "deploy" };
  files: string[];
}

/** A ModuleReader that reads each file once (for one pass over modules that do not change meanwhile). */
export function memoModuleReader(read: ModuleReader): ModuleReader {
  const seen = new Map<string, PythonModuleSummary | null>();
  return (file) => {
    let summary = seen.get(file);
    if (summary === undefined) seen.set(file, (summary = read(file)));
    return summary;
  };
}

/** A cache of module summaries, so a workspace index can share parsed modules. */
export type ModuleReader = (file: string) => PythonModuleSummary | null;

export function cachedModuleReader(host: Host, cache = new Map<string, { text: string; summary: PythonModuleSummary }>()): ModuleReader {
  return (file) => {
    let text: string | null;
    try {
      text = host.readText(file);
    } catch {
      text = null;
    }
    if (text === null) return null;
    const hit = cache.get(file);
    if (hit && hit.text === text) return hit.summary;
    const summary = readPythonModule(text);
    cache.set(file, { text, summary });
    return summary;
  };
}

export function readPythonLayers(host: Host, workspace: string, selection: FlowSelection, readModule: ModuleReader = cachedModuleReader(host)): PythonLayers {
  const p = pathFor(host.platform);
  const out: PythonLayers = { invocation: new Map(), decorator: new Map(), configure: new Map(), checkpoints: [], problems: [], files: [] };
  const load = (file: string) => {
    const summary = readModule(file);
    if (summary && !out.files.includes(file)) {
      out.files.push(file);
      for (const e of summary.syntaxErrors.slice(0, 1)) {
        out.problems.push({ severity: "error", code: "python-syntax", file, span: e.span, message: `${e.message}. The rest of the module is still read.` });
      }
    }
    return summary;
  };

  let flowFile: string | undefined;
  let flowDef: PyDecorated | undefined;
  let call: PyFlowCall | undefined;
  let callFile: string | undefined;

  if (selection.call) {
    const [file, lineText] = splitSpec(selection.call);
    const line = Number(lineText);
    callFile = p.resolve(workspace, file);
    const summary = load(callFile);
    if (!summary) {
      out.problems.push({ severity: "error", code: "call-not-found", file: callFile, message: unreadableTarget(host, workspace, "call", file, callFile) });
      return out;
    }
    call = lookupOf(summary).callsByLine.get(line)?.[0] ?? innermost(summary.flowCalls.filter((c) => c.span.start.line <= line && c.span.end.line >= line));
    if (!call) {
      // A line the file does not have gets no range (an editor cannot show it) and says so.
      const lines = lineCountOf(host, callFile);
      const inFile = line >= 1 && (lines === undefined || line <= lines);
      out.problems.push({
        severity: "error",
        code: "call-not-found",
        file: callFile,
        ...(inFile && lines !== undefined ? { span: { start: { line, column: 1 }, end: { line, column: 1 } } } : {}),
        message: inFile ? `No .run(...) or .deploy(...) call on a Kitaru flow at ${file}:${line}.` : `${file} has no line ${line}${lines !== undefined ? ` (it has ${lines})` : ""}: no .run(...) or .deploy(...) call there.`,
      });
      return out;
    }
    const roots = rootsOf(host.platform, workspace, selection.sourceRoots);
    const target = findFlowForCall(host, workspace, callFile, summary, call, load, roots);
    if (!target) {
      out.problems.push({ severity: "error", code: "flow-not-found", file: callFile, span: call.span, message: flowNotFoundMessage(host.platform, workspace, callFile, call, load, roots) });
      return out;
    }
    ({ file: flowFile, def: flowDef } = target);
    out.call = { file: callFile, line: call.span.start.line, span: call.span, method: call.method };
  } else if (selection.flow) {
    const [file, name] = splitSpec(selection.flow);
    flowFile = p.resolve(workspace, file);
    const summary = load(flowFile);
    flowDef = summary ? lookupOf(summary).flows.get(name) : undefined;
    if (!flowDef) {
      out.problems.push({ severity: "error", code: "flow-not-found", file: flowFile, message: summary ? `No @flow named ${name} in ${file}.` : unreadableTarget(host, workspace, "flow", file, flowFile) });
      return out;
    }
  } else {
    return out;
  }

  const flowModule = load(flowFile!)!;
  out.flow = { file: flowFile!, name: flowDef!.name, span: flowDef!.nameSpan };

  // kitaru.configure: module code runs top to bottom. Imported, the flow's module runs its
  // module-level calls (not those under `if __name__ == "__main__":`) before the caller goes on;
  // then the calling module's module-level calls before the call, then those earlier in the
  // calling function. A call inside a function runs after the module body (typically from the
  // main guard at its end), so every module-level call of its module applies to it.
  const configureCalls: { file: string; args: PyCallArgs }[] = [];
  const callModule = call && callFile ? load(callFile) : undefined;
  if (!call || callFile !== flowFile) {
    for (const c of flowModule.configureCalls) if (!c.enclosingFunction && !(call && c.mainGuard)) configureCalls.push({ file: flowFile!, args: c });
  }
  if (call && callFile && callModule) {
    for (const c of callModule.configureCalls) {
      const before = c.span.end.line < call.span.start.line || (c.span.end.line === call.span.start.line && c.span.end.column <= call.span.start.column);
      if (!c.enclosingFunction) {
        if (before || call.enclosingFunction) configureCalls.push({ file: callFile, args: c });
      } else if (call.enclosingFunction && sameSpan(c.enclosingFunction.span, call.enclosingFunction.span) && before) {
        configureCalls.push({ file: callFile, args: c });
      }
    }
  }
  for (const c of configureCalls) applyKwargs(c.file, c.args, out.configure, out.problems, "configure");

  applyKwargs(flowFile!, flowDef!, out.decorator, out.problems, "decorator");
  if (call && callFile) applyKwargs(callFile, call, out.invocation, out.problems, "invocation");

  const checkpoints = selection.checkpoints === "called" ? calledCheckpoints(flowModule, flowDef!) : flowModule.checkpoints;
  for (const checkpoint of checkpoints) {
    const cacheArg = checkpoint.kwargs.find((k) => k.name === "cache");
    const own = cacheArg ? settingValue(flowFile!, "cache", cacheArg, out.problems) : undefined;
    out.checkpoints.push({ name: checkpoint.name, file: flowFile!, span: checkpoint.nameSpan, ...(own ? { own } : {}) });
  }
  return out;
}

/** The number of lines of a file as an editor counts them, or undefined when it cannot be read. */
/**
 * Why the file of `--call FILE:LINE` / `--flow FILE:NAME` cannot be read, where the path led
 * (it is taken relative to the workspace) and what to give instead.
 */
function unreadableTarget(host: Host, workspace: string, option: "call" | "flow", file: string, resolved: string): string {
  let why: string;
  try {
    why = host.readText(resolved) === null ? "no such file" : "it cannot be read as a Python module";
  } catch (error) {
    why = readFailure(error);
  }
  const p = pathFor(host.platform);
  const where = file === "" ? `No file given, so it names the workspace itself, ${resolved}.` : p.isAbsolute(file) ? "" : `The path is relative to the workspace, ${workspace} (set with --workspace), so it names ${resolved}.`;
  const fix = option === "call" ? "Give the Python file that makes the call and the line of the call: --call path/to/module.py:LINE" : "Give the Python file that defines the flow and the flow's name: --flow path/to/module.py:NAME";
  return `Cannot read ${file || "the file"}: ${why}. ${where ? `${where} ${fix}.` : `${fix} (relative to the workspace, ${workspace}, or absolute).`}`;
}

function lineCountOf(host: Host, file: string): number | undefined {
  try {
    const text = host.readText(file);
    return text === null ? undefined : new LineIndex(text).lineCount;
  } catch {
    return undefined;
  }
}

interface ModuleLookup {
  /** The first @flow of each name. */
  flows: Map<string, PyDecorated>;
  /** The checkpoints of each name, with their index in the module. */
  checkpoints: Map<string, { index: number; def: PyDecorated }[]>;
  /** `.run(...)`/`.deploy(...)` calls by the line they start on. */
  callsByLine: Map<number, PyFlowCall[]>;
}

/** Lookups of a parsed module, built once per summary (a module with thousands of flows is searched per flow and call). */
const lookups = new WeakMap<PythonModuleSummary, ModuleLookup>();

export function lookupOf(summary: PythonModuleSummary): ModuleLookup {
  let hit = lookups.get(summary);
  if (hit) return hit;
  hit = { flows: new Map(), checkpoints: new Map(), callsByLine: new Map() };
  for (const f of summary.flows) if (!hit.flows.has(f.name)) hit.flows.set(f.name, f);
  summary.checkpoints.forEach((def, index) => {
    const list = hit!.checkpoints.get(def.name);
    if (list) list.push({ index, def });
    else hit!.checkpoints.set(def.name, [{ index, def }]);
  });
  for (const c of summary.flowCalls) {
    const list = hit.callsByLine.get(c.span.start.line);
    if (list) list.push(c);
    else hit.callsByLine.set(c.span.start.line, [c]);
  }
  lookups.set(summary, hit);
  return hit;
}

/** The module's checkpoints that the flow's body calls by name, in module order. */
function calledCheckpoints(summary: PythonModuleSummary, flow: PyDecorated): PyDecorated[] {
  const byName = lookupOf(summary).checkpoints;
  const hits: { index: number; def: PyDecorated }[] = [];
  for (const name of new Set(flow.calledNames)) hits.push(...(byName.get(name) ?? []));
  return hits.sort((a, b) => a.index - b.index).map((h) => h.def);
}

/**
 * The problems a module's Python layers have on their own, whatever else is configured: wrong
 * types, negative retries, unknown ImageSettings fields, secret-looking image environment literals.
 * `calls` narrows the `.run(...)`/`.deploy(...)` calls checked to those known to target a flow.
 */
export function moduleProblems(file: string, summary: PythonModuleSummary, options: { calls?: readonly PyFlowCall[] } = {}): Problem[] {
  const steps = moduleProblemSteps(file, summary, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** How many decorators and calls are checked between two yields of moduleProblemSteps. */
const ARGS_PER_YIELD = 32;

/** moduleProblems, yielding now and then (a module with thousands of flows, checked in slices). */
export function* moduleProblemSteps(file: string, summary: PythonModuleSummary, options: { calls?: readonly PyFlowCall[] } = {}): Generator<void, Problem[], void> {
  const problems: Problem[] = [];
  let n = 0;
  for (const c of summary.configureCalls) {
    applyKwargs(file, c, new Map(), problems, "configure");
    if (++n % ARGS_PER_YIELD === 0) yield;
  }
  for (const f of summary.flows) {
    applyKwargs(file, f, new Map(), problems, "decorator");
    if (++n % ARGS_PER_YIELD === 0) yield;
  }
  for (const c of options.calls ?? summary.flowCalls) {
    applyKwargs(file, c, new Map(), problems, "invocation");
    if (++n % ARGS_PER_YIELD === 0) yield;
  }
  for (const checkpoint of summary.checkpoints) {
    const cacheArg = checkpoint.kwargs.find((k) => k.name === "cache");
    if (cacheArg) settingValue(file, "cache", cacheArg, problems);
    if (++n % ARGS_PER_YIELD === 0) yield;
  }
  // A module-level constant used by several flows reports its problems once.
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const id = `${p.code}|${p.span ? `${p.span.start.line}:${p.span.start.column}` : ""}|${p.message}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    // Messages quote the values written (`cache="ghp_…"`): the editor shows them without a resolution to mask them.
    .map(maskProblemText);
}

type LayerKind = "configure" | "decorator" | "invocation";

const EXECUTION_KEYS = ["stack", "cache", "retries", "image"];

function applyKwargs(file: string, args: PyCallArgs, into: LayerValues, problems: Problem[], kind: LayerKind): void {
  for (const kwarg of args.kwargs) {
    if (!EXECUTION_KEYS.includes(kwarg.name) && !(kind === "configure" && kwarg.name === "project")) continue;
    if (kwarg.name === "image") {
      applyImage(file, kwarg, into, problems);
      continue;
    }
    const v = settingValue(file, kwarg.name, kwarg, problems);
    if (v) into.set(kwarg.name, v);
  }
  applySpreads(file, args, into, problems, kind);
}

const SPREAD_WHAT: Record<LayerKind, string> = {
  invocation: "this call",
  decorator: "this flow",
  configure: "flows started after this kitaru.configure()",
};

/**
 * `**opts` (anything but a dict literal): any keyword may come from it at run time, except those
 * written in the same call (Python refuses a keyword given twice). Each such setting is dynamic in
 * this layer, with the spread's text, so no lower layer's value is shown as the certain winner.
 * `image` is dynamic as a whole, as for `image=<expression>`: its fields merge over the known ones.
 */
function applySpreads(file: string, args: PyCallArgs, into: LayerValues, problems: Problem[], kind: LayerKind): void {
  if (!args.starKwargs.length) return;
  const keys = kind === "configure" ? [...EXECUTION_KEYS, "project"] : EXECUTION_KEYS;
  const written = new Set(args.kwargs.map((k) => k.name));
  const open = keys.filter((k) => !written.has(k));
  for (const spread of args.starKwargs) {
    // The text may hold a literal (`**{key: "kat_…"}`): masked before it goes anywhere.
    const star = { ...spread, text: maskSecretsInText(spread.text) };
    for (const key of open) {
      into.set(key, { value: null, dynamic: star.text, origin: originAt(file, star.span), note: `${star.text} may set ${key} at run time` });
    }
    if (!open.length) continue;
    problems.push({
      severity: "info",
      code: "dynamic-value",
      file,
      span: star.span,
      message: `${star.text} is only known at run time: it may set ${listWords(open)} for ${SPREAD_WHAT[kind]}, so the values shown for ${open.length === 1 ? "it" : "them"} may be overridden.`,
    });
  }
}

function listWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

const originAt = (file: string, span: Span): Origin => ({ file, line: span.start.line, column: span.start.column, span });

function dynamicValue(file: string, value: PyValue, span: Span): LayerValue {
  return { value: null, dynamic: value.text, origin: originAt(file, span), note: value.kind === "dynamic" ? value.reason : "not a literal" };
}

/** A scalar setting (stack, cache, retries, project) from a keyword argument; undefined when it is None. */
function settingValue(file: string, key: string, kwarg: PyKwarg, problems: Problem[]): LayerValue | undefined {
  const value = kwarg.value;
  const span = value.via ? value.via.useSpan : value.span;
  if (value.kind === "literal" && value.value === null) return undefined;
  if (value.kind === "dynamic") return dynamicValue(file, value, kwarg.nameSpan);
  const raw = value.kind === "literal" ? value.value : undefined;
  const schema = key === "cache" ? kitaruSchemas().laxBool : key === "retries" ? kitaruSchemas().laxNonNegativeInt : null;
  if (schema) {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return { value: parsed.data, origin: originAt(file, kwarg.nameSpan) };
  } else if (typeof raw === "string") {
    return { value: raw, origin: originAt(file, kwarg.nameSpan) };
  }
  const expected = key === "cache" ? "True or False" : key === "retries" ? "a whole number of 0 or more" : "a string";
  problems.push({
    severity: "error",
    code: "python-invalid-value",
    file,
    key,
    span,
    message: `${key}= must be ${expected}, not ${value.text}. Kitaru will refuse it when the flow starts.`,
  });
  return undefined;
}

function applyImage(file: string, kwarg: PyKwarg, into: LayerValues, problems: Problem[]): void {
  const value = kwarg.value;
  if (value.kind === "literal" && value.value === null) return;
  if (value.kind === "literal" && typeof value.value === "string") {
    into.set("image.base_image", { value: value.value, origin: originAt(file, kwarg.nameSpan) });
    return;
  }
  if (value.kind === "dynamic") {
    into.set("image", dynamicValue(file, value, kwarg.nameSpan));
    return;
  }
  if (value.kind !== "dict") {
    problems.push({ severity: "error", code: "python-invalid-value", file, key: "image", span: value.span, message: `image= must be a base image string, a dict or kitaru.ImageSettings(...), not ${value.text}.` });
    return;
  }
  for (const entry of value.entries) {
    const field = entry.key === "parent_image" ? "base_image" : entry.key;
    if (!(IMAGE_FIELDS as readonly string[]).includes(field)) {
      problems.push({ severity: "error", code: "forbidden-key", file, key: "image", span: entry.keySpan, message: `ImageSettings does not allow "${entry.key}". Allowed: ${IMAGE_FIELDS.join(", ")}.` });
      continue;
    }
    const origin = originAt(file, entry.keySpan);
    if (field === "environment") {
      applyEnvironment(file, entry.value, into, problems);
      continue;
    }
    if (entry.value.kind === "dynamic") {
      into.set(`image.${field}`, dynamicValue(file, entry.value, entry.keySpan));
      continue;
    }
    const json = toJson(entry.value);
    const fields = kitaruSchemas().imageSettingsSchema.shape;
    const check = fields[field as keyof typeof fields].safeParse(json);
    if (json === undefined) {
      into.set(`image.${field}`, dynamicValue(file, entry.value, entry.keySpan));
    } else if (check.success) {
      if (check.data !== undefined) into.set(`image.${field}`, { value: check.data as JsonValue, origin });
    } else {
      problems.push({ severity: "error", code: "python-invalid-value", file, key: `image.${field}`, span: entry.value.span, message: `image ${field} has the wrong type (${entry.value.text}). Kitaru will refuse it when the flow starts.` });
    }
  }
  for (const text of value.dynamicEntries) {
    problems.push({ severity: "info", code: "dynamic-value", file, key: "image", span: value.span, message: `image entries from ${text} are only known at run time; they are not shown.` });
  }
}

function applyEnvironment(file: string, value: PyValue, into: LayerValues, problems: Problem[]): void {
  if (value.kind === "dynamic") {
    into.set("image.environment", dynamicValue(file, value, value.span));
    return;
  }
  if (value.kind !== "dict") {
    problems.push({ severity: "error", code: "python-invalid-value", file, key: "image.environment", span: value.span, message: `image environment must be a dict of strings, not ${value.text}.` });
    return;
  }
  for (const entry of value.entries) {
    const key = `image.environment.${entry.key}`;
    const origin = originAt(file, entry.keySpan);
    const secret = isSecretName(entry.key);
    if (entry.value.kind === "dynamic") {
      into.set(key, { ...dynamicValue(file, entry.value, entry.keySpan), ...(secret ? { masked: true } : {}) });
      continue;
    }
    if (entry.value.kind !== "literal" || typeof entry.value.value !== "string") {
      problems.push({ severity: "error", code: "python-invalid-value", file, key, span: entry.value.span, message: `image environment values must be strings; ${entry.key} is ${secret ? "not a string" : entry.value.text}. Quote it.` });
      continue;
    }
    const kind = secret ? undefined : secretValueKind(entry.value.value);
    if (kind) {
      into.set(key, { value: maskSecretsInText(entry.value.value), masked: true, origin });
      problems.push({ severity: "warning", code: "secret-in-file", file, key, span: entry.value.span, message: credentialValueWarning(`The value of ${entry.key}`, kind, " written in the source") });
    } else if (secret) {
      into.set(key, { value: maskSecret(entry.value.value), masked: true, origin });
      problems.push({ severity: "warning", code: "secret-in-file", file, key, span: entry.keySpan, message: `${entry.key} looks like a secret written in the source. image environment is stored in plain text in the image; put the credential in a secret and list it in secret_environment_from instead.` });
    } else {
      into.set(key, { value: entry.value.value, origin });
    }
  }
}

function toJson(value: PyValue): JsonValue | undefined {
  switch (value.kind) {
    case "literal":
      return value.value;
    case "list": {
      const items = value.items.map(toJson);
      return items.every((i) => i !== undefined) ? (items as JsonValue[]) : undefined;
    }
    case "dict": {
      if (value.dynamicEntries.length) return undefined;
      const out: Record<string, JsonValue> = {};
      for (const e of value.entries) {
        const v = toJson(e.value);
        if (v === undefined) return undefined;
        out[e.key] = v;
      }
      return out;
    }
    default:
      return undefined;
  }
}

function findFlowForCall(host: Host, workspace: string, callFile: string, summary: PythonModuleSummary, call: PyFlowCall, load: ModuleReader, roots: SourceRoots): { file: string; def: PyDecorated } | undefined {
  const target = call.target;
  if (!target) return undefined;
  if (target.kind === "local") {
    const def = lookupOf(summary).flows.get(target.name);
    return def ? { file: callFile, def } : undefined;
  }
  return findImportedFlow(host.platform, workspace, callFile, target.module, target.name, load, roots);
}

/** Source roots as given, or found on the disk (only when an import is not found nearby). */
export type SourceRoots = readonly string[] | (() => readonly string[]);

function rootsOf(platform: Host["platform"], workspace: string, given: FlowSelection["sourceRoots"]): SourceRoots {
  if (given) return given;
  let found: readonly string[] | undefined;
  return () => (found ??= discoverSourceRoots(platform, pathFor(platform).resolve(workspace)));
}

/** Why a call's flow was not found, saying where the reader looked. */
function flowNotFoundMessage(platform: Host["platform"], workspace: string, callFile: string, call: PyFlowCall, load: ModuleReader, roots: SourceRoots): string {
  const p = pathFor(platform);
  const rel = (file: string) => {
    const r = p.relative(workspace, file);
    return r && !r.startsWith("..") && !p.isAbsolute(r) ? r.split(p.sep).join("/") : file;
  };
  const target = call.target;
  if (!target) return `${call.receiver} is not a Kitaru flow this reader can find: it is neither a name defined or imported in ${rel(callFile)} nor module.name.`;
  if (target.kind === "local") return `${call.receiver} is not a Kitaru flow this reader can find: ${target.name} is not a @flow of ${rel(callFile)} (looked in ${rel(callFile)} and its imports).`;
  const rootList = typeof roots === "function" ? roots() : roots;
  const found = moduleCandidates(platform, workspace, callFile, target.module, rootList).filter((f) => load(f) !== null);
  // Roots come as a project folder and its src/: count the projects.
  const given = new Set(rootList);
  const projects = new Set(rootList.map((r) => (p.basename(r) === "src" && given.has(p.dirname(r)) ? p.dirname(r) : r))).size;
  const where = `next to ${rel(callFile)}, in its parent folders or in the ${projects} project${projects === 1 ? "" : "s"} of the workspace (each folder with a pyproject.toml, and its src/)`;
  if (!found.length) return `${call.receiver} is not a Kitaru flow this reader can find: module ${target.module} (imported in ${rel(callFile)}) was not found ${where}.`;
  return `${call.receiver} is not a Kitaru flow this reader can find: ${found.map(rel).join(", ")} (module ${target.module}) neither define${found.length === 1 ? "s" : ""} nor re-export${found.length === 1 ? "s" : ""} a @flow named ${target.name}.`;
}

/** How many re-exports (`from .flows import research` in a package `__init__.py`) are followed. */
const MAX_REEXPORTS = 4;

/**
 * The @flow `name` that `from <module> import <name>` in `fromFile` refers to: defined in the
 * module's file, or re-exported by it (`from .flows import research`, `from .flows import *`,
 * with aliases), followed a few levels deep.
 */
export function findImportedFlow(platform: Host["platform"], workspace: string, fromFile: string, module: string, name: string, load: ModuleReader, roots: SourceRoots = [], depth = 0): { file: string; def: PyDecorated } | undefined {
  if (depth > MAX_REEXPORTS) return undefined;
  const tried = new Set<string>();
  const tryFiles = (files: readonly string[]) => {
    for (const file of files) {
      if (tried.has(file)) continue;
      tried.add(file);
      const other = load(file);
      if (!other) continue;
      const def = lookupOf(other).flows.get(name);
      if (def) return { file, def };
      for (const imp of other.imports) {
        if (imp.name === null) continue;
        // `from .flows import research as name` re-exports research; `from .flows import *` may.
        const imported = imp.name === "*" ? name : imp.local === name ? imp.name : null;
        if (imported === null) continue;
        const found = findImportedFlow(platform, workspace, file, imp.module, imported, load, roots, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  // The importing file's own folders first; the workspace's other source roots only when that finds nothing.
  const near = tryFiles(moduleCandidates(platform, workspace, fromFile, module));
  if (near || module.startsWith(".")) return near;
  return tryFiles(moduleCandidates(platform, workspace, fromFile, module, typeof roots === "function" ? roots() : roots));
}

/** Candidate files for a module path, relative imports from the importing file's package. */
export function moduleFiles(host: Host, workspace: string, fromFile: string, module: string): string[] {
  return moduleCandidates(host.platform, workspace, fromFile, module);
}

/**
 * Same as moduleFiles, for callers that have a platform but no Host (the workspace index): the
 * importing file's folder and its ancestors up to the workspace (each with a src/), then each of
 * `sourceRoots` (the workspace's projects, in their given order), without repeats. Relative
 * imports look only in the importing file's package.
 */
export function moduleCandidates(platform: Host["platform"], workspace: string, fromFile: string, module: string, sourceRoots: readonly string[] = []): string[] {
  const p = pathFor(platform);
  const dots = module.length - module.replace(/^\.+/, "").length;
  const parts = module.slice(dots).split(".").filter(Boolean);
  const roots: string[] = [];
  if (dots > 0) {
    let dir = p.dirname(fromFile);
    for (let i = 1; i < dots; i++) dir = p.dirname(dir);
    roots.push(dir);
  } else {
    // The importing file's folder and its ancestors up to the workspace, plus the usual src/ layout.
    let dir = p.dirname(fromFile);
    const root = p.resolve(workspace);
    for (;;) {
      // Each ancestor may be a project of a monorepo with its own src/ layout.
      roots.push(dir, p.join(dir, "src"));
      if (dir === root || p.dirname(dir) === dir || !dir.startsWith(root)) break;
      dir = p.dirname(dir);
    }
  }
  if (dots === 0 && sourceRoots.length) {
    const seen = new Set(roots);
    for (const r of sourceRoots) if (!seen.has(r)) (seen.add(r), roots.push(r));
  }
  const files: string[] = [];
  for (const root of roots) {
    const base = p.join(root, ...parts);
    files.push(`${base}.py`, p.join(base, "__init__.py"));
  }
  return files;
}

function splitSpec(spec: string): [string, string] {
  const i = spec.lastIndexOf(":");
  return i < 0 ? [spec, ""] : [spec.slice(0, i), spec.slice(i + 1)];
}

function innermost<T extends { span: Span }>(calls: T[]): T | undefined {
  return calls.sort((a, b) => b.span.start.line - a.span.start.line || b.span.start.column - a.span.start.column)[0];
}

function sameSpan(a: Span, b: Span): boolean {
  return a.start.line === b.start.line && a.start.column === b.start.column && a.end.line === b.end.line && a.end.column === b.end.column;
}
