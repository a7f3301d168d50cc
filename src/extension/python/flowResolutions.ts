/**
 * Resolutions of flows and call sites, shared by the CodeLens, hovers, diagnostics and the
 * Flows tree, and cached until anything they depend on changes: the model (environment,
 * pyproject, config directory) or the flow index (any Python module, unsaved text included).
 */
import * as vscode from "vscode";
import { flowSpec } from "../../core/flowIndex";
import type { Resolution } from "../../core/resolve";
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

export class FlowResolutions implements vscode.Disposable {
  private readonly cache = new Map<string, FlowResolution>();
  private indexVersion = -1;
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
    this.cache.clear();
    this.changed.fire();
  }

  forFlow(file: string, name: string): FlowResolution | undefined {
    return this.get(file, "flow", name);
  }

  forCall(file: string, line: number): FlowResolution | undefined {
    return this.get(file, "call", line);
  }

  /** The project's resolution without any flow: what every run of it inherits from env, pyproject and persisted state. */
  forProject(file: string): FlowResolution | undefined {
    return this.get(file, "project", "");
  }

  private get(file: string, kind: FlowResolution["kind"], what: string | number): FlowResolution | undefined {
    const project = this.model.projectFor(file);
    if (!project) return undefined;
    if (this.flows.index.version !== this.indexVersion) {
      this.cache.clear();
      this.indexVersion = this.flows.index.version;
    }
    const workspace = project.folder.uri.fsPath;
    const spec = kind === "project" ? "" : flowSpec(process.platform, workspace, file, what);
    const key = `${project.dir}\u0000${kind}\u0000${spec}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const selection = kind === "flow" ? { flow: spec } : kind === "call" ? { call: spec } : {};
    const { resolution } = this.model.resolve(project, { ...selection, readModule: this.flows.reader() });
    const ok = kind === "project" || (resolution.python?.flow !== undefined && (kind === "flow" || resolution.python.call !== undefined));
    const entry: FlowResolution = { project, workspace, kind, spec, resolution, ok };
    this.cache.set(key, entry);
    return entry;
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
