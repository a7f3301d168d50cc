/**
 * Diagnostics in Python modules (collection `kitaru-python`), for open documents: wrong types
 * (`retries="x"`, `cache="maybe"`), negative retries, unknown ImageSettings fields, secret-looking
 * literals in an image `environment`, `**opts` spreads, and an information hint on a
 * `@checkpoint(cache=...)` that an execution-level cache replaces, naming the winner and where it
 * is set (core/flowIndex.ts's modulePythonProblems, which `kitaru-config check` prints too).
 * Keyword arguments that are not configuration settings are left alone.
 */
import * as vscode from "vscode";
import { modulePythonProblems, modulePythonProblemsAsync, type ModuleResolver } from "../../core/flowIndex";
import type { Problem } from "../../core/problems";
import type { FlowResolutions } from "./flowResolutions";
import { toRange } from "./hover";
import { DIAGNOSTIC_SOURCE } from "../fileChecks";
import type { WorkspaceFlows } from "./workspaceFlows";

const SEVERITY: Record<Problem["severity"], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

const DEBOUNCE_MS = 200;
/** How long one slice of a module's checks may hold the extension host. */
const SLICE_MS = 12;

export class PythonDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection("kitaru-python");
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Per document, the latest update: an older one still running is dropped. */
  private readonly turns = new Map<string, number>();

  constructor(
    private readonly flows: WorkspaceFlows,
    private readonly resolutions: FlowResolutions,
  ) {
    this.subscriptions.push(
      this.collection,
      resolutions.onDidChange(() => this.schedule()),
      vscode.workspace.onDidOpenTextDocument((doc) => void this.update(doc)),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        this.turns.delete(doc.uri.fsPath);
        this.collection.delete(doc.uri);
      }),
    );
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const doc of vscode.workspace.textDocuments) void this.update(doc);
    }, DEBOUNCE_MS);
  }

  /**
   * Recomputes one document's diagnostics: in slices (one flow resolution at a time, yielding
   * between slices), so a module with thousands of flows never holds the extension host. A newer
   * update of the same document supersedes one still running.
   */
  async update(doc: vscode.TextDocument): Promise<void> {
    if (doc.uri.scheme !== "file" || !(doc.languageId === "python" || doc.uri.fsPath.endsWith(".py"))) return;
    const file = doc.uri.fsPath;
    const turn = (this.turns.get(file) ?? 0) + 1;
    this.turns.set(file, turn);
    const current = () => this.turns.get(file) === turn && !doc.isClosed;
    const large = this.flows.tooLarge(doc);
    if (large) {
      this.collection.set(doc.uri, [toDiagnostic(large)]);
      return;
    }
    await this.flows.sync(doc);
    if (!current()) return;
    if (!this.flows.index.get(file)) {
      this.collection.delete(doc.uri);
      return;
    }
    const problems = await modulePythonProblemsAsync(this.flows.index, file, this.resolver(), { sliceMs: SLICE_MS, isCurrent: current });
    if (problems && current()) this.collection.set(doc.uri, problems.map(toDiagnostic));
  }

  /** Static problems of the module, plus the checkpoint-cache hints of its flows' resolutions (the same as `kitaru-config check`). */
  problemsOf(file: string): Problem[] {
    return modulePythonProblems(this.flows.index, file, this.resolver());
  }

  private resolver(): ModuleResolver {
    return {
      forFlow: (f, name) => this.resolutions.forFlow(f, name)?.resolution,
      forProject: (f) => this.resolutions.forProject(f)?.resolution,
    };
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.subscriptions) d.dispose();
  }
}

function toDiagnostic(p: Problem): vscode.Diagnostic {
  const range = p.span ? toRange(p.span) : new vscode.Range(0, 0, 0, 0);
  const d = new vscode.Diagnostic(range, p.message, SEVERITY[p.severity]);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = p.code;
  return d;
}
