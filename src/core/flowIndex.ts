/**
 * The workspace's Kitaru flows: which modules define flows and checkpoints, where each flow
 * is run or deployed, across modules. Pure: it is given file texts (by the editor, the CLI or
 * a benchmark) and never reads the disk itself. Incremental: `update` one file, `remove` one;
 * links between call sites and flows are recomputed lazily, only when something changed.
 *
 * Only modules that matter are parsed: those that mention `kitaru` (flows, checkpoints,
 * configure calls), those with a `.run(`/`.deploy(` call (call sites in scripts that import a
 * flow but not Kitaru), and package `__init__.py` files that import (re-exports). A cheap test
 * on the text decides before any parsing, so a 2,000-file monorepo parses only a few of them.
 */
import { runInSlices, type SliceOptions } from "./slicedSteps";
import { pathFor, type Platform } from "./host";
import { findImportedFlow, lookupOf, moduleProblems, moduleProblemSteps, type ModuleReader } from "./pythonLayers";
import { readPythonModule, readPythonModuleAsync } from "./python/reader";
import { EXCLUDED_DIR_NAMES, sourceRootsOf } from "./workspaceWalk";
import type { PyDecorated, PyFlowCall, PythonModuleSummary } from "./python/types";
import type { Problem } from "./problems";
import type { Resolution } from "./resolve";
import { maskProblemText } from "./secrets";
import { compareText } from "./compareText";

/**
 * Files larger than this are not read as flow modules (generated code, vendored bundles): parsing
 * costs about 1 ms per KB, and one file is parsed in one go, so this bounds the longest pause.
 */
export const MAX_MODULE_BYTES = 256_000;

export { EXCLUDED_DIR_NAMES };

const KITARU_WORD = /\bkitaru\b/;
const FLOW_CALL = /\.(?:run|deploy)\s*\(/;
const IMPORT_WORD = /\bimport\b/;

/** The cheap test on the text, before any parsing: may this file define, call or re-export a flow? */
export function mayMatter(file: string, text: string): boolean {
  if (text.length > MAX_MODULE_BYTES) return false;
  if (KITARU_WORD.test(text) || FLOW_CALL.test(text)) return true;
  return isPackageInit(file) && IMPORT_WORD.test(text);
}

/**
 * A module over MAX_MODULE_BYTES that may matter (it mentions kitaru or calls .run/.deploy): it is
 * not read, and the user is told so where they look (an information problem at its first line).
 */
export function tooLargeProblem(file: string, text: string): Problem | undefined {
  if (text.length <= MAX_MODULE_BYTES) return undefined;
  if (!KITARU_WORD.test(text) && !FLOW_CALL.test(text) && !(isPackageInit(file) && IMPORT_WORD.test(text))) return undefined;
  return tooLargeProblemFor(file, text.length);
}

export function tooLargeProblemFor(file: string, size: number): Problem {
  return {
    severity: "info",
    code: "module-too-large",
    file,
    span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
    message: `This module is too large for Kitaru's reader (${kb(size)} KB; the limit is ${kb(MAX_MODULE_BYTES)} KB): its flows, checkpoints and .run() calls get no CodeLens, hovers or checks, and calls elsewhere cannot link to its flows. Split it into smaller modules to have them analysed.`,
  };
}

function kb(n: number): string {
  return Math.round(n / 1000).toLocaleString("en-US");
}

function isPackageInit(file: string): boolean {
  return /(^|[\\/])__init__\.py$/.test(file);
}

export interface IndexedModule {
  file: string;
  /** The text the summary was read from (the editor's unsaved text when there is one). */
  text: string;
  summary: PythonModuleSummary;
}

export interface FlowRef {
  file: string;
  name: string;
}

export interface IndexedFlow extends FlowRef {
  def: PyDecorated;
  /** The workspace folder the flow's file belongs to (flow specs are relative to it). */
  workspace: string;
}

export interface IndexedCall {
  file: string;
  workspace: string;
  /** 1-based line of the call (its receiver), what `--call FILE:LINE` takes. */
  line: number;
  call: PyFlowCall;
  /** The flow it runs, when found in the workspace. */
  flow: FlowRef | null;
}

export interface FlowIndexOptions {
  platform: Platform;
  /** The workspace folder of a file (multi-root workspaces have several); undefined outside any. */
  workspaceOf(file: string): string | undefined;
}

export type UpdateResult = "indexed" | "skipped" | "unchanged" | "removed";

export class FlowIndex {
  private readonly modules = new Map<string, IndexedModule>();
  private linked: { flows: IndexedFlow[]; calls: IndexedCall[]; byFlow: Map<string, IndexedCall[]>; byFile: Map<string, { flows: IndexedFlow[]; calls: IndexedCall[] }> } | undefined;
  /** Folders holding a pyproject.toml: their folder and src/ are source roots for absolute imports. */
  private readonly projectDirs = new Set<string>();
  private roots: string[] | undefined;
  /** Each module's flows and linked calls; recomputed for the files in `stale`, or all of them. */
  private readonly perFile = new Map<string, { flows: IndexedFlow[]; calls: IndexedCall[] }>();
  private readonly stale = new Set<string>();
  private allStale = true;
  private changes = 0;

  constructor(private readonly options: FlowIndexOptions) {}

  /** Increases with every change; callers cache derived data by it. */
  get version(): number {
    return this.changes;
  }

  get size(): number {
    return this.modules.size;
  }

  /** Reads (or drops) one file's text. `summary`: the text already parsed (see updateAsync). */
  update(file: string, text: string, summary?: PythonModuleSummary): UpdateResult {
    const previous = this.modules.get(file);
    if (previous && previous.text === text) return "unchanged";
    if (!mayMatter(file, text)) return previous ? this.remove(file) : "skipped";
    summary ??= readPythonModule(text);
    const keep = summary.importsKitaru || summary.flowCalls.length > 0 || (isPackageInit(file) && summary.imports.length > 0);
    if (!keep) return previous ? this.remove(file) : "skipped";
    this.modules.set(file, { file, text, summary });
    // Other modules' links depend only on which flows this one defines and what it imports:
    // an edit of arguments (the usual edit) re-links this file alone.
    if (previous && linkSignature(previous.summary) === linkSignature(summary)) this.changed(file);
    else this.changed();
    return "indexed";
  }

  /**
   * Like update, parsing in slices of about `sliceMs` with `pause()` between them, so a large
   * module never holds the thread for long. Resolves to "unchanged" when `isCurrent()` turns false
   * meanwhile (a newer text superseded this one), without touching the index.
   */
  async updateAsync(file: string, text: string, options: { sliceMs?: number; pause?: () => Promise<void>; isCurrent?: () => boolean } = {}): Promise<UpdateResult> {
    const previous = this.modules.get(file);
    if (previous && previous.text === text) return "unchanged";
    if (!mayMatter(file, text)) return previous ? this.remove(file) : "skipped";
    const summary = await readPythonModuleAsync(text, options);
    if (options.isCurrent && !options.isCurrent()) return "unchanged";
    return this.update(file, text, summary);
  }

  /** A folder holding a pyproject.toml appeared (true) or went away (false): absolute imports are looked up in it. */
  setProjectDir(dir: string, present: boolean): void {
    if (present === this.projectDirs.has(dir)) return;
    if (present) this.projectDirs.add(dir);
    else this.projectDirs.delete(dir);
    this.roots = undefined;
    this.changed();
  }

  /** Replaces every known project folder at once (a scan). */
  setProjectDirs(dirs: Iterable<string>): void {
    const next = new Set(dirs);
    if (next.size === this.projectDirs.size && [...next].every((d) => this.projectDirs.has(d))) return;
    this.projectDirs.clear();
    for (const d of next) this.projectDirs.add(d);
    this.roots = undefined;
    this.changed();
  }

  /** The project folders known, by path. */
  projectDirList(): string[] {
    return [...this.projectDirs].sort(compareText);
  }

  /** The workspace's source roots (each project folder, then its src/, by path): where absolute imports are looked up after the importing file's own folders. */
  sourceRoots(): string[] {
    return (this.roots ??= sourceRootsOf(this.options.platform, this.projectDirs));
  }

  remove(file: string): UpdateResult {
    if (!this.modules.delete(file)) return "unchanged";
    this.changed();
    return "removed";
  }

  /** Removes every file under a folder (a deleted or excluded directory). */
  removeUnder(dir: string): number {
    const p = pathFor(this.options.platform);
    let n = 0;
    for (const file of [...this.modules.keys()]) {
      const rel = p.relative(dir, file);
      if (rel && !rel.startsWith("..") && !p.isAbsolute(rel)) {
        this.modules.delete(file);
        n++;
      }
    }
    if (n) this.changed();
    return n;
  }

  get(file: string): IndexedModule | undefined {
    return this.modules.get(file);
  }

  files(): string[] {
    return [...this.modules.keys()].sort(compareText);
  }

  /** Every flow in the workspace, by file then line. */
  flows(): IndexedFlow[] {
    return this.link().flows;
  }

  /** Every `.run(...)`/`.deploy(...)` call on a flow of the workspace, by file then line. */
  calls(): IndexedCall[] {
    return this.link().calls;
  }

  callsOf(flow: FlowRef): IndexedCall[] {
    return this.link().byFlow.get(flowKey(flow)) ?? [];
  }

  callsIn(file: string): IndexedCall[] {
    return this.link().byFile.get(file)?.calls ?? [];
  }

  flowsIn(file: string): IndexedFlow[] {
    return this.link().byFile.get(file)?.flows ?? [];
  }

  /**
   * A ModuleReader for the resolution core that reuses the index's parsed modules whenever the
   * text read now is the text indexed, and parses (and remembers) anything else.
   */
  moduleReader(readText: (file: string) => string | null): ModuleReader {
    const extra = new Map<string, IndexedModule>();
    return (file) => {
      let text: string | null;
      try {
        text = readText(file);
      } catch {
        text = null;
      }
      if (text === null) return null;
      const hit = this.modules.get(file) ?? extra.get(file);
      if (hit && hit.text === text) return hit.summary;
      const summary = readPythonModule(text);
      extra.set(file, { file, text, summary });
      return summary;
    };
  }

  /** Static problems of an indexed module (types, negative retries, secret literals), calls narrowed to those on flows. */
  problemsOf(file: string): Problem[] {
    const m = this.modules.get(file);
    if (!m) return [];
    const calls = this.callsIn(file).map((c) => c.call);
    return moduleProblems(file, m.summary, { calls });
  }

  /** problemsOf, yielding now and then. */
  *problemSteps(file: string): Generator<void, Problem[], void> {
    const m = this.modules.get(file);
    if (!m) return [];
    const calls = this.callsIn(file).map((c) => c.call);
    return yield* moduleProblemSteps(file, m.summary, { calls });
  }

  /** Something changed: everything is re-linked, or only `file` when its link signature is unchanged. */
  private changed(file?: string): void {
    this.changes++;
    this.linked = undefined;
    if (file === undefined) this.allStale = true;
    else this.stale.add(file);
  }

  private link(): NonNullable<FlowIndex["linked"]> {
    if (this.linked) return this.linked;
    // Links only see indexed modules: a module neither mentioning kitaru nor re-exporting cannot hold a flow.
    const load: ModuleReader = (file) => this.modules.get(file)?.summary ?? null;
    // Many call sites import the same flow from the same package: look each up once per pass.
    const found = new Map<string, FlowRef | null>();
    const roots = () => this.sourceRoots();
    const linkFile = (file: string) => {
      const m = this.modules.get(file);
      const workspace = this.options.workspaceOf(file);
      if (!m || workspace === undefined) {
        this.perFile.delete(file);
        return;
      }
      const flows: IndexedFlow[] = m.summary.flows.map((def) => ({ file, name: def.name, def, workspace }));
      const calls: IndexedCall[] = [];
      const local = lookupOf(m.summary).flows;
      for (const call of m.summary.flowCalls) {
        const target = call.target;
        let flow: FlowRef | null = null;
        if (target?.kind === "local") {
          flow = local.has(target.name) ? { file, name: target.name } : null;
        } else if (target?.kind === "import") {
          const key = `${workspace}\u0000${pathFor(this.options.platform).dirname(file)}\u0000${target.module}\u0000${target.name}`;
          if (!found.has(key)) {
            const hit = findImportedFlow(this.options.platform, workspace, file, target.module, target.name, load, roots);
            found.set(key, hit ? { file: hit.file, name: hit.def.name } : null);
          }
          flow = found.get(key)!;
        }
        // A `.run(...)` on something that is not a workspace flow (an app, a client) is not a call site.
        if (flow) calls.push({ file, workspace, line: call.span.start.line, call, flow });
      }
      this.perFile.set(file, { flows, calls });
    };
    if (this.allStale) {
      this.perFile.clear();
      for (const file of this.modules.keys()) linkFile(file);
    } else {
      for (const file of this.stale) linkFile(file);
    }
    this.allStale = false;
    this.stale.clear();

    const flows: IndexedFlow[] = [];
    const calls: IndexedCall[] = [];
    const byFlow = new Map<string, IndexedCall[]>();
    const byFile = new Map<string, { flows: IndexedFlow[]; calls: IndexedCall[] }>();
    for (const [file, entry] of this.perFile) {
      for (const f of entry.flows) flows.push(f);
      byFile.set(file, { flows: [...entry.flows].sort((a, b) => a.def.nameSpan.start.line - b.def.nameSpan.start.line), calls: [...entry.calls] });
      for (const c of entry.calls) {
        calls.push(c);
        const key = flowKey(c.flow!);
        const list = byFlow.get(key);
        if (list) list.push(c);
        else byFlow.set(key, [c]);
      }
    }
    flows.sort((a, b) => compareText(a.file, b.file) || a.def.nameSpan.start.line - b.def.nameSpan.start.line);
    const byPosition = (a: IndexedCall, b: IndexedCall) => compareText(a.file, b.file) || a.line - b.line || a.call.span.start.column - b.call.span.start.column;
    calls.sort(byPosition);
    for (const list of byFlow.values()) list.sort(byPosition);
    for (const entry of byFile.values()) entry.calls.sort(byPosition);
    this.linked = { flows, calls, byFlow, byFile };
    return this.linked;
  }
}

/** What other modules' links depend on: the flows a module defines and what it imports. */
function linkSignature(summary: PythonModuleSummary): string {
  return JSON.stringify([summary.flows.map((f) => f.name), summary.imports.map((i) => [i.local, i.module, i.name])]);
}


export function flowKey(flow: FlowRef): string {
  return `${flow.file}\u0000${flow.name}`;
}

/** `rel/file.py:name` and `rel/file.py:LINE`, the specs `resolve --flow/--call` take, relative to the workspace folder. */
export function flowSpec(platform: Platform, workspace: string, file: string, nameOrLine: string | number): string {
  const p = pathFor(platform);
  const rel = p.relative(workspace, file);
  const inside = rel && !rel.startsWith("..") && !p.isAbsolute(rel);
  // Specs use forward slashes on every platform; path.resolve accepts them on Windows too.
  return `${(inside ? rel : file).split(p.sep).join("/")}:${nameOrLine}`;
}

/** The resolutions the Python problems of a module depend on (the editor caches them; the CLI computes them). */
export interface ModuleResolver {
  /** The resolution of flow `name` of `file` (its decorator and the module's configure() calls). */
  forFlow(file: string, name: string): Resolution | undefined;
  /** The project's resolution without a flow: what every run inherits (environment, pyproject). */
  forProject(file: string): Resolution | undefined;
}

/**
 * The problems the editor underlines in an indexed module, and `kitaru-config check` prints: its
 * static problems (wrong types, negative retries, unknown ImageSettings fields, secret literals,
 * `**opts` spreads), and an information hint on each `@checkpoint(cache=...)` an execution-level
 * cache replaces. A hint names a flow only when that flow's body calls the checkpoint by name and
 * flows disagree; a checkpoint no flow of the module calls gets what every run inherits, if any.
 */
export function modulePythonProblems(index: FlowIndex, file: string, resolver: ModuleResolver): Problem[] {
  const steps = modulePythonProblemSteps(index, file, resolver);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * modulePythonProblems in slices of about `sliceMs` (one flow resolution at a time), with
 * `pause()` between them, for the editor: a module with thousands of flows never holds the
 * extension host for long. Undefined when `isCurrent()` turns false meanwhile (stale).
 */
export async function modulePythonProblemsAsync(index: FlowIndex, file: string, resolver: ModuleResolver, options: SliceOptions = {}): Promise<Problem[] | undefined> {
  return runInSlices(modulePythonProblemSteps(index, file, resolver), options);
}

/** The work of modulePythonProblems, yielding after each flow resolution. */
function* modulePythonProblemSteps(index: FlowIndex, file: string, resolver: ModuleResolver): Generator<void, Problem[], void> {
  const module = index.get(file);
  if (!module) return [];
  const problems = yield* index.problemSteps(file);
  yield;
  const hints: { flow?: string; problem: Problem }[] = [];
  const uncalled: PyDecorated[] = [];
  // Which flows call each name, in module order: one pass over the flows, not one per checkpoint.
  const callersOf = new Map<string, PyDecorated[]>();
  for (const f of module.summary.flows) {
    for (const name of new Set(f.calledNames)) {
      const list = callersOf.get(name);
      if (list) list.push(f);
      else callersOf.set(name, [f]);
    }
  }
  for (const cp of module.summary.checkpoints) {
    if (!cp.kwargs.some((k) => k.name === "cache")) continue;
    const callers = callersOf.get(cp.name) ?? [];
    if (!callers.length) {
      uncalled.push(cp);
      continue;
    }
    const key = `checkpoint.${cp.name}.cache`;
    for (const def of callers) {
      const r = resolver.forFlow(file, def.name);
      yield;
      if (!r) continue;
      for (const p of r.problems) {
        if (p.code !== "checkpoint-cache-replaced" || p.file !== file || p.key !== key) continue;
        hints.push({ flow: def.name, problem: p });
      }
    }
  }
  if (uncalled.length) hints.push(...inheritedHints(file, uncalled, resolver).map((problem) => ({ problem })));
  // One hint per checkpoint and message; when flows disagree, say which flow each is about.
  const bySpan = new Map<string, { flow?: string; problem: Problem }[]>();
  for (const h of hints) {
    const k = h.problem.span ? `${h.problem.span.start.line}:${h.problem.span.start.column}` : "";
    const list = bySpan.get(k) ?? [];
    if (!list.some((x) => x.problem.message === h.problem.message)) list.push(h);
    bySpan.set(k, list);
  }
  for (const list of bySpan.values()) {
    for (const h of list) problems.push(list.length > 1 && h.flow ? { ...h.problem, message: `When flow ${h.flow} runs: ${h.problem.message}` } : h.problem);
  }
  const at = (p: Problem) => (p.span ? p.span.start.line * 1e6 + p.span.start.column : 0);
  const masked: { p: Problem; i: number }[] = [];
  for (let i = 0; i < problems.length; i++) {
    masked.push({ p: maskProblemText(problems[i]!), i });
    if (i % 64 === 63) yield;
  }
  return masked.sort((a, b) => at(a.p) - at(b.p) || a.i - b.i).map(({ p }) => p);
}

function inheritedHints(file: string, checkpoints: readonly PyDecorated[], resolver: ModuleResolver): Problem[] {
  const r = resolver.forProject(file);
  const cache = r?.settings.cache;
  if (!r || !cache || cache.source === "default" || cache.dynamic !== undefined) return [];
  const where = cache.origin ? ("env" in cache.origin ? cache.origin.env : `${cache.origin.file}:${cache.origin.line}`) : cache.source;
  const out: Problem[] = [];
  for (const cp of checkpoints) {
    const arg = cp.kwargs.find((k) => k.name === "cache");
    if (!arg) continue;
    out.push({
      severity: "info",
      code: "checkpoint-cache-replaced",
      file,
      key: `checkpoint.${cp.name}.cache`,
      span: arg.nameSpan,
      message: `@checkpoint(cache=...) on ${cp.name} is replaced by the execution-level cache = ${JSON.stringify(cache.value)} from ${where}, which every run inherits.`,
    });
  }
  return out;
}
