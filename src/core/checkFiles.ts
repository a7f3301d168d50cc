/**
 * `kitaru-config check`: the editor's checks outside the editor.
 *
 * - `check FILE...`: pyproject.toml / kitaru.yaml files with the same "overridden right now"
 *   hints, and Python modules (`*.py`) with the Python problems the editor underlines.
 * - `check --workspace DIR`: also the Python problems of every Kitaru module of the workspace,
 *   found as the editor's flow index finds them (virtual environments, node_modules skipped).
 *
 * Resolved with the CLI's own environment.
 */
import { checkDocument, kitaruFileKind, type DocumentCheck } from "./documentChecks";
import { FlowIndex, flowSpec, MAX_MODULE_BYTES, modulePythonProblems, tooLargeProblem, type ModuleResolver } from "./flowIndex";
import { INVALID_UTF8, pathFor, TOO_LARGE as READ_TOO_LARGE, type Host, type InvalidUtf8 } from "./host";
import { readFailure, yamlTooLargeProblem } from "./persisted";
import { MAX_PYPROJECT_BYTES, pyprojectTooLarge } from "./pyproject";
import { MAX_YAML_BYTES } from "./yaml11";
import type { Problem } from "./problems";
import { memoModuleReader, type ModuleReader } from "./pythonLayers";
import { resolveConfiguration, resolveOnProject, type Resolution } from "./resolve";
import { walkWorkspace } from "./workspaceWalk";
import { compareText } from "./compareText";

export interface FileCheckResult {
  file: string;
  problems: Problem[];
  check?: DocumentCheck;
}

export interface CheckFilesOptions {
  /** The project folder (`--workspace`): a kitaru.yaml inside it is likely committed. */
  workspace: string;
  /** Where a run starts (`--cwd`); by default each file's own project (nearest pyproject.toml). */
  cwd?: string;
  /** The workspace's flow index, when the caller has one; otherwise built from the disk on the first Python file. */
  index?: FlowIndex;
}

/** What `check FILE...` takes, for its usage message. */
export const CHECKABLE_KINDS = "pyproject.toml, kitaru.yaml, *.py";

export type CheckableKind = "pyproject" | "kitaru-yaml" | "python";

export function checkableKind(file: string): CheckableKind | undefined {
  const kind = kitaruFileKind(file);
  if (kind) return kind;
  return /\.py$/i.test(file) ? "python" : undefined;
}

/** Checks each file as the editor would; a file that cannot be read is one error. Unsupported kinds are the caller's usage error (see checkableKind). */
export function checkFiles(host: Host, files: readonly string[], options: CheckFilesOptions): FileCheckResult[] {
  const p = pathFor(host.platform);
  let python: PythonChecker | undefined;
  return files.map((given) => {
    const file = p.resolve(options.workspace, given);
    const kind = checkableKind(file) ?? (/\.ya?ml$/i.test(file) ? "kitaru-yaml" : "pyproject");
    // Kitaru's own files are read as Kitaru reads them (UTF-8, strictly) and never whole when oversized.
    const limits = kind === "python" ? undefined : { maxBytes: kind === "pyproject" ? MAX_PYPROJECT_BYTES : MAX_YAML_BYTES };
    let text: string | null;
    let notUtf8: InvalidUtf8 | undefined;
    try {
      try {
        text = host.readText(file, limits && { ...limits, strictUtf8: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== INVALID_UTF8) throw error;
        // Still checked as the editor shows it (decoded), with the encoding error first.
        notUtf8 = error as unknown as InvalidUtf8;
        text = host.readText(file, limits);
      }
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { size?: number };
      if (e.code === READ_TOO_LARGE) return { file, problems: kind === "pyproject" ? pyprojectTooLarge(file, e.size ?? 0).problems : [yamlTooLargeProblem(file, e.size ?? 0, "kitaru.yaml")] };
      return { file, problems: [unreadable(file, readFailure(error))] };
    }
    if (text === null) return { file, problems: [unreadable(file, "no such file")] };
    if (kind === "python") {
      const large = tooLargeProblem(file, text);
      if (large) return { file, problems: [large] };
      python ??= new PythonChecker(host, options.workspace, { ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), index: options.index ?? workspaceFlowIndex(host, options.workspace) });
      return { file, problems: python.problemsOf(file, text) };
    }
    let resolution: Resolution | undefined;
    try {
      // pyproject.toml: a run started next to it reads it. kitaru.yaml: the config directory of this environment.
      resolution = kind === "pyproject" ? resolveConfiguration(host, { workspace: p.dirname(file), cwd: p.dirname(file) }) : resolveConfiguration(host, { workspace: options.workspace });
    } catch {
      resolution = undefined; // the file's own checks still apply
    }
    const rel = p.relative(options.workspace, file);
    const inWorkspace = !rel.startsWith("..") && !p.isAbsolute(rel);
    const check = checkDocument(file, text, { ...(resolution ? { resolution } : {}), likelyCommitted: inWorkspace, ...(notUtf8 ? { notUtf8 } : {}) });
    return { file, problems: check.problems, check };
  });
}

/**
 * The Python problems of every Kitaru module of the workspace, by file then position, and an
 * information problem for each module too large to be read that mentions Kitaru.
 */
export function checkPythonWorkspace(host: Host, workspace: string, options: { cwd?: string; index?: FlowIndex } = {}): Problem[] {
  const index = options.index ?? workspaceFlowIndex(host, workspace);
  const checker = new PythonChecker(host, workspace, { ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), index });
  const problems = index.files().flatMap((file) => checker.problemsOf(file));
  for (const { file } of TOO_LARGE.get(index) ?? []) {
    let text: string | null;
    try {
      text = host.readText(file);
    } catch {
      text = null;
    }
    const large = text !== null ? tooLargeProblem(file, text) : undefined;
    if (large) problems.push(large);
  }
  // Stable: each module's problems stay in position order.
  return problems.sort((a, b) => compareText(a.file ?? "", b.file ?? ""));
}


/** The files a workspace index built from the disk left out for their size. */
const TOO_LARGE = new WeakMap<FlowIndex, { file: string; size: number }[]>();

/**
 * The workspace's flow index, read from the disk as the editor's scan reads it: every `*.py` file
 * below `workspace`, skipping excluded folders (node_modules, .venv, …, any folder with a
 * pyvenv.cfg), symbolic links to folders, and files over MAX_MODULE_BYTES; with every folder
 * holding a pyproject.toml as a source root for imports between the workspace's projects.
 */
export function workspaceFlowIndex(host: Host, workspace: string): FlowIndex {
  const p = pathFor(host.platform);
  const root = p.resolve(workspace);
  const index = new FlowIndex({ platform: host.platform, workspaceOf: (file) => (isInside(p, root, file) ? root : p.dirname(file)) });
  const walk = walkWorkspace(root, MAX_MODULE_BYTES);
  index.setProjectDirs(walk.projectDirs);
  TOO_LARGE.set(index, walk.tooLarge);
  for (const file of walk.pythonFiles) {
    let text: string | null;
    try {
      text = host.readText(file);
    } catch {
      text = null;
    }
    if (text !== null) index.update(file, text);
  }
  return index;
}

/** Every `*.py` file below `root` that the editor would index, sorted. */
export function workspacePythonFiles(root: string): string[] {
  return walkWorkspace(root, MAX_MODULE_BYTES).pythonFiles;
}

/**
 * Resolutions for the Python problems of modules, cached per project and flow. Each project (run
 * directory) is resolved once; each flow then only adds its Python layers, with the checkpoints
 * its body calls, so a module with thousands of flows costs about as much as it has flows.
 */
class PythonChecker {
  private readonly cache = new Map<string, Resolution | undefined>();
  private readonly projects = new Map<string, Resolution | undefined>();
  private readonly projectDirs = new Map<string, string>();
  private readonly readModule: ModuleReader;
  private readonly resolver: ModuleResolver;
  private readonly index: FlowIndex;

  constructor(
    private readonly host: Host,
    private readonly workspace: string,
    private readonly options: { cwd?: string; index: FlowIndex },
  ) {
    this.index = options.index;
    // A CLI run reads each file once: the disk does not change under it.
    this.readModule = memoModuleReader(this.index.moduleReader((file) => host.readText(file)));
    this.resolver = {
      forFlow: (file, name) => this.resolve(file, { flow: flowSpec(host.platform, this.root, file, name) }),
      forProject: (file) => this.resolve(file, {}),
    };
  }

  private get root(): string {
    return pathFor(this.host.platform).resolve(this.workspace);
  }

  /** The problems of one module; a module that is not a Kitaru module (nothing to index) has none. */
  problemsOf(file: string, text?: string): Problem[] {
    if (text !== undefined) this.index.update(file, text);
    return modulePythonProblems(this.index, file, this.resolver);
  }

  private resolve(file: string, selection: { flow?: string }): Resolution | undefined {
    const cwd = this.options.cwd !== undefined ? pathFor(this.host.platform).resolve(this.options.cwd) : this.projectDir(file);
    const project = this.project(cwd);
    if (!selection.flow || !project) return project;
    const key = `${cwd}\u0000${selection.flow}`;
    if (this.cache.has(key)) return this.cache.get(key);
    let r: Resolution | undefined;
    try {
      r = resolveOnProject(project, { ...selection, checkpoints: "called", readModule: this.readModule, sourceRoots: () => this.index.sourceRoots() });
    } catch {
      r = undefined;
    }
    this.cache.set(key, r);
    return r;
  }

  /** The resolution without a flow for a run directory: what every flow of that project builds on. */
  private project(cwd: string): Resolution | undefined {
    if (this.projects.has(cwd)) return this.projects.get(cwd);
    let r: Resolution | undefined;
    try {
      r = resolveConfiguration(this.host, { workspace: this.root, cwd });
    } catch {
      r = undefined;
    }
    this.projects.set(cwd, r);
    return r;
  }

  /** The file's project, as the editor picks it: the folder of the nearest pyproject.toml inside the workspace, else the workspace. */
  private projectDir(file: string): string {
    const dir = pathFor(this.host.platform).dirname(file);
    let hit = this.projectDirs.get(dir);
    if (hit === undefined) this.projectDirs.set(dir, (hit = this.findProjectDir(file)));
    return hit;
  }

  private findProjectDir(file: string): string {
    const p = pathFor(this.host.platform);
    const root = this.root;
    if (!isInside(p, root, file)) return root;
    for (let dir = p.dirname(file); ; dir = p.dirname(dir)) {
      let found = false;
      try {
        found = this.host.readText(p.join(dir, "pyproject.toml")) !== null;
      } catch {
        found = true; // unreadable: still the nearest, as Kitaru stops there
      }
      if (found) return dir;
      if (dir === root || p.dirname(dir) === dir) return root;
    }
  }
}

function isInside(p: ReturnType<typeof pathFor>, root: string, file: string): boolean {
  const rel = p.relative(root, file);
  return rel !== "" && !rel.startsWith("..") && !p.isAbsolute(rel);
}

function unreadable(file: string, why: string): Problem {
  return { severity: "error", code: "file-unreadable", file, message: `Cannot read ${file}: ${why}.` };
}
