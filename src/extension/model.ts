/**
 * The state everything in the editor shows: which project is being explained,
 * with which environment, and its resolution. Recomputed on demand and after
 * changes; listeners get one event per recomputation.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { FileTextCache, nodeHost, overlayHost, type Host } from "../core/host";
import { resolveConfiguration, type Resolution, type ResolveRequest } from "../core/resolve";
import { explainedEnvironment, placeEnvironmentProblems, type ExplainedEnvironment } from "./environment";
import type { Logger } from "./logger";
import { environmentPositions, readSettings } from "./settings";
import { compareText } from "../core/compareText";

export interface Project {
  folder: vscode.WorkspaceFolder;
  /** The directory a run starts from: the folder of the project's pyproject.toml, or the workspace folder. */
  dir: string;
  /** The pyproject.toml, when the project has one. */
  pyproject?: string;
}

export interface Snapshot {
  project: Project;
  environment: ExplainedEnvironment;
  resolution: Resolution;
  /** When it was computed (ms since epoch), for "never stale" checks. */
  at: number;
}

const IGNORED_DIRS = "**/{node_modules,.venv,venv,.git,.tox,.nox,__pycache__,site-packages,dist,build}/**";

export class KitaruModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Snapshot | undefined>();
  readonly onDidChange = this.changed.event;
  private snapshot: Snapshot | undefined;
  private projects: Project[] = [];
  /** A project the user picked explicitly; otherwise the one of the active editor. */
  private pinned: Project | undefined;
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;
  /** Stack names from ZenML's local store, once sql.js has loaded (ids are shown until then). */
  private stackNames: Host["stackNames"];
  /** Texts of the files read, kept while they are unchanged on disk (refreshes stat instead of reading). */
  readonly files = new FileTextCache();

  /** Whether the workspace has anything Kitaru-related; undefined until first looked at. */
  private related: boolean | undefined;
  private readonly relatedChanged = new vscode.EventEmitter<boolean>();
  /** Fired when the workspace starts or stops looking like a Kitaru project. */
  readonly onDidChangeRelated = this.relatedChanged.event;
  private detecting: Promise<boolean> | undefined;

  constructor(private readonly logger: Logger) {}

  /**
   * false when nothing in the workspace is Kitaru's: no pyproject.toml mentioning
   * kitaru, no kitaru.yaml or .kitaru/, no module importing kitaru, and neither
   * kitaru.envFile nor kitaru.environment set. Then the view shows its welcome
   * and the status bar item hides, instead of a tree of built-in defaults.
   */
  get kitaruRelated(): boolean {
    return this.related !== false;
  }

  /** Looks again whether the workspace is Kitaru-related (cheap once it is, unless forced). */
  async detectKitaru(force = false): Promise<boolean> {
    if (this.related === true && !force) return true;
    if (this.detecting && !force) return this.detecting;
    // A forced look (a file was just written) must not reuse one that started before the write.
    const earlier = this.detecting;
    const run = (async () => {
      await earlier?.catch(() => undefined);
      const found = await detectKitaruFiles(this.projects);
      if (found !== this.related) {
        this.related = found;
        this.logger.info(found ? "Kitaru-related files found in the workspace." : "Nothing Kitaru-related in this workspace (no [tool.kitaru], kitaru.yaml, .kitaru/ or kitaru import, no kitaru.envFile or kitaru.environment): showing the welcome.");
        this.relatedChanged.fire(found);
      }
      return found;
    })();
    this.detecting = run;
    run.finally(() => {
      if (this.detecting === run) this.detecting = undefined;
    }).catch(() => undefined);
    return run;
  }

  get current(): Snapshot | undefined {
    return this.snapshot;
  }

  get knownProjects(): readonly Project[] {
    return this.projects;
  }

  /** Finds the pyproject.toml projects of every workspace folder (a monorepo has several). */
  async discoverProjects(): Promise<void> {
    const found: Project[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const files = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, "**/pyproject.toml"), IGNORED_DIRS, 500);
      const dirs = files.map((f) => path.dirname(f.fsPath)).sort((a, b) => a.length - b.length || compareText(a, b));
      if (!dirs.includes(folder.uri.fsPath)) found.push({ folder, dir: folder.uri.fsPath });
      for (const dir of dirs) found.push({ folder, dir, pyproject: path.join(dir, "pyproject.toml") });
    }
    this.projects = found;
    this.logger.info(`Found ${found.filter((p) => p.pyproject).length} pyproject.toml project(s) in ${vscode.workspace.workspaceFolders?.length ?? 0} folder(s).`);
    await this.detectKitaru(true);
  }

  /**
   * The project to explain: the pinned one, else the one containing the active
   * editor's file. With no such file (an explain document, the Output panel, no
   * editor) the project already shown stays: everything that asks (the tree,
   * Switch Stack's picker and its message) keeps describing the same one.
   */
  activeProject(): Project | undefined {
    if (this.pinned) return this.projects.find((p) => p.dir === this.pinned?.dir) ?? this.pinned;
    const file = vscode.window.activeTextEditor?.document.uri;
    if (file?.scheme === "file") {
      const hit = this.projectFor(file.fsPath);
      if (hit) return hit;
    }
    const shown = this.snapshot?.project;
    if (shown && vscode.workspace.getWorkspaceFolder(shown.folder.uri)) return this.projects.find((p) => p.dir === shown.dir) ?? shown;
    const first = vscode.workspace.workspaceFolders?.[0];
    if (!first) return undefined;
    return this.projects.find((p) => p.dir === first.uri.fsPath) ?? { folder: first, dir: first.uri.fsPath };
  }

  /** The nearest project directory containing the file, as Kitaru's nearest-pyproject search would pick. */
  projectFor(file: string): Project | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
    if (!folder) return undefined;
    const candidates = this.projects.filter((p) => p.folder === folder && isInside(p.dir, file));
    return candidates.sort((a, b) => b.dir.length - a.dir.length)[0] ?? { folder, dir: folder.uri.fsPath };
  }

  pin(project: Project | undefined): void {
    this.pinned = project;
    this.refreshNow();
  }

  get isPinned(): boolean {
    return this.pinned !== undefined;
  }

  /** Schedules a recomputation; bursts of changes produce one. */
  scheduleRefresh(delayMs = 150): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // While nothing is Kitaru's, any change may be the one that makes it so (a new import, a [tool.kitaru]).
      if (this.related === false) void this.detectKitaru().then(() => this.refreshNow());
      else this.refreshNow();
    }, delayMs);
  }

  refreshNow(): Snapshot | undefined {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const generation = ++this.generation;
    const project = this.kitaruRelated ? this.activeProject() : undefined;
    if (!project) {
      this.snapshot = undefined;
      this.changed.fire(undefined);
      return undefined;
    }
    const started = Date.now();
    const reads = { ...this.files.counts };
    try {
      const { resolution, environment } = this.resolve(project, {});
      if (generation !== this.generation) return this.snapshot;
      this.snapshot = { project, environment, resolution, at: Date.now() };
      const errors = resolution.problems.filter((p) => p.severity === "error").length;
      this.logger.debug(`Resolved ${path.relative(project.folder.uri.fsPath, project.dir) || project.folder.name} in ${Date.now() - started} ms: ${Object.keys(resolution.settings).length} settings, ${resolution.problems.length} problems (${errors} errors); ${this.files.counts.read - reads.read} files read, ${this.files.counts.unchanged - reads.unchanged} unchanged, ${this.files.counts.missing - reads.missing} missing.`);
    } catch (error) {
      // The core reports bad input as problems; reaching here is a bug. Keep the last good state.
      this.logger.error(`Resolution failed: ${(error as Error).message}`);
    }
    this.changed.fire(this.snapshot);
    return this.snapshot;
  }

  /** Resolves for a project (and optionally a flow or call) with the current environment and unsaved text. */
  resolve(project: Project, selection: Pick<ResolveRequest, "flow" | "call" | "readModule">): { resolution: Resolution; environment: ExplainedEnvironment } {
    const environment = this.environment(project.folder);
    const host = this.host(environment);
    const resolution = resolveConfiguration(host, { workspace: project.folder.uri.fsPath, cwd: project.dir, ...selection });
    resolution.problems = placeEnvironmentProblems(resolution.problems, environment);
    return { resolution, environment };
  }

  /** The explained environment of a workspace folder: VS Code's, plus kitaru.envFile and kitaru.environment. */
  environment(folder: vscode.WorkspaceFolder | undefined): ExplainedEnvironment {
    return explainedEnvironment(process.env, readSettings(folder), folder?.uri.fsPath, environmentPositions(folder));
  }

  host(environment: ExplainedEnvironment): Host {
    return overlayHost({ ...nodeHost({ env: environment.env, fileCache: this.files, ...(this.stackNames ? { stackNames: this.stackNames } : {}) }), envOrigins: environment.origins }, unsavedTexts());
  }

  useStackNames(reader: NonNullable<Host["stackNames"]>): void {
    this.stackNames = reader;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
    this.relatedChanged.dispose();
  }
}

const PY_FILES_SCANNED = 2000;
const KITARU_IMPORT = /^[ \t]*(?:from[ \t]+kitaru(?:[ \t.]|$)|import[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*kitaru\b)/m;

/** Anything of Kitaru's in the workspace folders (see `kitaruRelated`); unsaved text counts. */
async function detectKitaruFiles(projects: readonly Project[]): Promise<boolean> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!folders.length) return false;
  const open = new Map(vscode.workspace.textDocuments.filter((d) => d.uri.scheme === "file").map((d) => [d.uri.fsPath, d.getText()]));
  const text = async (file: string) => open.get(file) ?? (await fs.promises.readFile(file, "utf8").catch(() => ""));
  for (const folder of folders) {
    // Set for this workspace (not in user settings, which apply to every folder).
    const c = vscode.workspace.getConfiguration("kitaru", folder);
    const envFile = c.inspect<string>("envFile");
    const environment = c.inspect<Record<string, unknown>>("environment");
    if ([envFile?.workspaceValue, envFile?.workspaceFolderValue].some((v) => typeof v === "string" && v.trim())) return true;
    if ([environment?.workspaceValue, environment?.workspaceFolderValue].some((v) => v && typeof v === "object" && Object.keys(v).length)) return true;
  }
  // Each folder's own pyproject.toml is read directly: the file search may not list a file written a moment ago.
  const pyprojects = new Set([...projects.flatMap((p) => (p.pyproject ? [p.pyproject] : [])), ...folders.map((f) => path.join(f.uri.fsPath, "pyproject.toml"))]);
  for (const file of pyprojects) if (/\bkitaru\b/i.test(await text(file))) return true;
  for (const folder of folders) {
    const marks = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, "**/{kitaru.yaml,.kitaru/config.yaml}"), IGNORED_DIRS, 1);
    if (marks.length) return true;
  }
  for (const [file, t] of open) if (file.endsWith(".py") && KITARU_IMPORT.test(t)) return true;
  for (const folder of folders) {
    const modules = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, "**/*.py"), IGNORED_DIRS, PY_FILES_SCANNED);
    for (const uri of modules) if (KITARU_IMPORT.test(await text(uri.fsPath))) return true;
  }
  return false;
}

/** Unsaved editor text wins over the file on disk: what the user sees is what is explained. */
function unsavedTexts(): Map<string, string> {
  const texts = new Map<string, string>();
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.uri.scheme === "file" && doc.isDirty) texts.set(doc.uri.fsPath, doc.getText());
  }
  return texts;
}

export function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

export function fileExists(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
