/**
 * The explain view: a read-only document with the whole resolution, exactly
 * what `kitaru-config resolve` prints for the same project, environment and
 * flow or call.
 */
import * as vscode from "vscode";
import { formatResolution } from "../core/format";
import { resolveCommandLines } from "../core/kitaruCli";
import type { Resolution } from "../core/resolve";
import type { KitaruModel, Project } from "./model";
import { explainRequestForRow } from "./itemActions";
import { shortPath } from "./present";

export const EXPLAIN_SCHEME = "kitaru-explain";

export interface ExplainRequest {
  /** The project directory (a run's working directory). */
  dir?: string;
  flow?: string;
  call?: string;
}

/** Extra sections other features append (e.g. the frozen execution spec of a call). */
export type ExplainSection = (resolution: Resolution, request: ExplainRequest) => string | undefined;

export class ExplainProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly open = new Set<string>();
  private readonly sections: ExplainSection[] = [];
  private readonly subscription: vscode.Disposable;

  constructor(private readonly model: KitaruModel) {
    // Keep open explain documents true as the configuration changes.
    this.subscription = model.onDidChange(() => {
      for (const uri of this.open) this.changed.fire(vscode.Uri.parse(uri));
    });
  }

  forget(uri: vscode.Uri): void {
    this.open.delete(uri.toString());
  }

  addSection(section: ExplainSection): vscode.Disposable {
    this.sections.push(section);
    return { dispose: () => this.sections.splice(this.sections.indexOf(section), 1) };
  }

  static uriFor(request: ExplainRequest): vscode.Uri {
    const title = request.call ? `call ${request.call}` : request.flow ? `flow ${request.flow}` : "configuration";
    const query = new URLSearchParams(Object.entries(request).filter(([, v]) => v !== undefined) as [string, string][]).toString();
    return vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: `/Kitaru ${title.replace(/[\\/]/g, "∕")}.txt`, query });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    this.open.add(uri.toString());
    const params = new URLSearchParams(uri.query);
    const request: ExplainRequest = {};
    for (const k of ["dir", "flow", "call"] as const) {
      const v = params.get(k);
      if (v) request[k] = v;
    }
    const project = this.projectFor(request.dir);
    if (!project) return "No Kitaru project is open.\n";
    const { resolution, environment } = this.model.resolve(project, { ...(request.flow ? { flow: request.flow } : {}), ...(request.call ? { call: request.call } : {}) });
    const extra = this.sections.map((s) => s(resolution, request)).filter((s): s is string => Boolean(s));
    return [
      formatResolution(resolution, { color: false }).trimEnd(),
      "",
      `Environment explained: ${environment.description}.`,
      ...resolveCommandLines({
        workspace: project.folder.uri.fsPath,
        cwd: project.dir,
        ...(request.flow ? { flow: request.flow } : {}),
        ...(request.call ? { call: request.call } : {}),
        ...(environment.envFile && !environment.envFile.error ? { envFile: environment.envFile.path } : {}),
        ...(environment.envFile?.error ? { envFileUnread: environment.envFile.path } : {}),
        settingVariables: environment.fromSetting,
        unsaved: unsavedFilesRead(resolution).map((f) => shortPath(f, project.folder.uri.fsPath)),
      }),
      ...extra.map((e) => `\n${e.trimEnd()}`),
      "",
    ].join("\n");
  }

  private projectFor(dir: string | undefined): Project | undefined {
    if (!dir) return this.model.current?.project ?? this.model.activeProject();
    return this.model.knownProjects.find((p) => p.dir === dir) ?? this.model.projectFor(dir);
  }

  dispose(): void {
    this.changed.dispose();
    this.subscription.dispose();
  }
}


export function registerExplain(context: vscode.ExtensionContext, model: KitaruModel): ExplainProvider {
  const provider = new ExplainProvider(model);
  context.subscriptions.push(provider, vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, provider));
  context.subscriptions.push(
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (doc.uri.scheme === EXPLAIN_SCHEME) provider.forget(doc.uri);
    }),
    vscode.commands.registerCommand("kitaru.explain", async (request?: unknown) => {
      // A Flows row (its menu passes the tree element): that flow's or call's configuration.
      const fromRow = explainRequestForRow(model, request);
      const given = request && typeof request === "object" && !("kind" in request) ? (request as ExplainRequest) : {};
      const req: ExplainRequest = fromRow ?? { ...(typeof given.dir === "string" ? { dir: given.dir } : {}), ...(typeof given.flow === "string" ? { flow: given.flow } : {}), ...(typeof given.call === "string" ? { call: given.call } : {}) };
      if (!req.dir && model.current) req.dir = model.current.project.dir;
      const doc = await vscode.workspace.openTextDocument(ExplainProvider.uriFor(req));
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    }),
  );
  return provider;
}

/**
 * The files this answer was read from that have unsaved edits in an editor:
 * the resolution reads the editor's text (what the user sees is what is
 * explained), the command line reads the file on disk. The env file is read
 * from disk by both, so it is never among them.
 */
function unsavedFilesRead(resolution: Resolution): string[] {
  const dirty = new Set(vscode.workspace.textDocuments.filter((d) => d.uri.scheme === "file" && d.isDirty).map((d) => d.uri.fsPath));
  if (!dirty.size) return [];
  return [...new Set(resolution.looked.filter((l) => l.exists && dirty.has(l.path)).map((l) => l.path))].sort();
}
