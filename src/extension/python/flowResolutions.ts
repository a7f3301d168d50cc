/**
 * Resolutions of flows and call sites, shared by the CodeLens, hovers, diagnostics and the
 * Flows tree, and cached until anything they depend on changes: the model (environment,
 * pyproject, config directory) or the flow index (any Python module, unsaved text included).
 */
import * as vscode from "vscode";
import { flowSpec } from "../../core/flowIndex";
import { memoModuleReader, type ModuleReader } from "../../core/pythonLayers";
import { resolveOnProject, type Resolution } from "../../core/resolve";
import type { KitaruModel, Project } from "../model";
import type { WorkspaceFlows } from "./workspaceFlows";

export interface FlowResolution {
  project: Project;
  /** The workspace folder path: flow and call specs are relative to it. */
  workspace: string;
  kind: "flow" | "call" | "project";
  /** `rel/file.py:name` or `rel/file.py:LINE` (empty for a project resolution). */
  spec: string;
  resolution: Resolution;
  /** The flow or call was found and its Python layers read. */
  ok: boolean;
}

/** Which checkpoints a flow's resolution carries: those its body calls (lens, hovers, diagnostics) or all of its module's (the Flows tree). */
export type CheckpointScope = "called" | "module";

export class FlowResolutions implements vscode.Disposable {
  private readonly cache = new Map<string, FlowResolution>();
  private readonly projects = new Map<string, Project | undefined>();
  private indexVersion = -1;
  /** Modules read for the resolutions of this generation (cleared with the cache): each open document's text is read once. */
  private reader: ModuleReader | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fired when cached resolutions were dropped: everything showing them should ask again. */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly model: KitaruModel,
    private readonly flows: WorkspaceFlows,
  ) {
    this.subscriptions.push(
      model.onDidChange(() => this.invalidate()),
      flows.onDidChange(() => this.invalidate()),
      this.changed,
    );
  }

  private invalidate(): void {
    this.clear();
    this.changed.fire();
  }

  private clear(): void {
    this.cache.clear();
    this.projects.clear();
    this.reader = undefined;
  }

  /** The model's project of a file, asked once per generation (a module's thousands of flows share it). */
  private projectOf(file: string): Project | undefined {
    if (!this.projects.has(file)) this.projects.set(file, this.model.projectFor(file));
    return this.projects.get(file);
  }

  forFlow(file: string, name: string, checkpoints: CheckpointScope = "called"): FlowResolution | undefined {
    return this.get(file, "flow", name, checkpoints);
  }

  forCall(file: string, line: number): FlowResolution | undefined {
    return this.get(file, "call", line, "called");
  }

  /** The project's resolution without any flow: what every run of it inherits from env, pyproject and persisted state. */
  forProject(file: string): FlowResolution | undefined {
    return this.get(file, "project", "", "called");
  }

  /**
   * A flow's or call's resolution is its project's (resolved once, through the model, and cached)
   * with the Python layers merged over it: a module with thousands of flows costs one project
   * resolution plus a little per flow or call.
   */
  private get(file: string, kind: FlowResolution["kind"], what: string | number, checkpoints: CheckpointScope): FlowResolution | undefined {
    if (this.flows.index.version !== this.indexVersion) {
      this.clear();
      this.indexVersion = this.flows.index.version;
    }
    const project = this.projectOf(file);
    if (!project) return undefined;
    const workspace = project.folder.uri.fsPath;
    const spec = kind === "project" ? "" : flowSpec(process.platform, workspace, file, what);
    const key = `${project.dir}\u0000${kind}\u0000${spec}\u0000${kind === "flow" ? checkpoints : ""}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    this.reader ??= memoModuleReader(this.flows.reader());
    const selection = kind === "flow" ? { flow: spec } : kind === "call" ? { call: spec } : {};
    let resolution: Resolution | undefined;
    if (kind !== "project") {
      const base = this.get(file, "project", "", "called");
      const python = { ...selection, checkpoints, readModule: this.reader, sourceRoots: () => this.flows.index.sourceRoots() };
      resolution = base ? resolveOnProject(base.resolution, python) : undefined;
      resolution ??= this.model.resolve(project, { ...selection, readModule: this.reader }).resolution;
    } else {
      resolution = this.model.resolve(project, {}).resolution;
    }
    const ok = kind === "project" || (resolution.python?.flow !== undefined && (kind === "flow" || resolution.python.call !== undefined));
    const entry: FlowResolution = { project, workspace, kind, spec, resolution, ok };
    this.cache.set(key, entry);
    return entry;
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
