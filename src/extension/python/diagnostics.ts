/**
 * Diagnostics in Python modules (collection `kitaru-python`), for open documents: wrong types
 * (`retries="x"`, `cache="maybe"`), negative retries, unknown ImageSettings fields, secret-looking
 * literals in an image `environment`, `**opts` spreads, and an information hint on a
 * `@checkpoint(cache=...)` that an execution-level cache replaces, naming the winner and where it
 * is set (core/flowIndex.ts's modulePythonProblems, which `kitaru-config check` prints too).
 * Keyword arguments that are not configuration settings are left alone.
 */
import * as vscode from "vscode";
import { modulePythonProblems } from "../../core/flowIndex";
import type { Problem } from "../../core/problems";
import type { FlowResolutions } from "./flowResolutions";
import { toRange } from "./hover";
import type { WorkspaceFlows } from "./workspaceFlows";

const SEVERITY: Record<Problem["severity"], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

const DEBOUNCE_MS = 200;

export class PythonDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection("kitaru-python");
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly flows: WorkspaceFlows,
    private readonly resolutions: FlowResolutions,
  ) {
    this.subscriptions.push(
      this.collection,
      resolutions.onDidChange(() => this.schedule()),
      vscode.workspace.onDidOpenTextDocument((doc) => this.update(doc)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.collection.delete(doc.uri)),
    );
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const doc of vscode.workspace.textDocuments) this.update(doc);
    }, DEBOUNCE_MS);
  }

  update(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== "file" || !(doc.languageId === "python" || doc.uri.fsPath.endsWith(".py"))) return;
    this.flows.syncDocument(doc);
    const file = doc.uri.fsPath;
    if (!this.flows.index.get(file)) {
      this.collection.delete(doc.uri);
      return;
    }
    this.collection.set(doc.uri, this.problemsOf(file).map(toDiagnostic));
  }

  /** Static problems of the module, plus the checkpoint-cache hints of its flows' resolutions (the same as `kitaru-config check`). */
  problemsOf(file: string): Problem[] {
    return modulePythonProblems(this.flows.index, file, {
      forFlow: (f, name) => this.resolutions.forFlow(f, name)?.resolution,
      forProject: (f) => this.resolutions.forProject(f)?.resolution,
    });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.subscriptions) d.dispose();
  }
}

function toDiagnostic(p: Problem): vscode.Diagnostic {
  const range = p.span ? toRange(p.span) : new vscode.Range(0, 0, 0, 0);
  const d = new vscode.Diagnostic(range, p.message, SEVERITY[p.severity]);
  d.source = "Kitaru";
  d.code = p.code;
  return d;
}
