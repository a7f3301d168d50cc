/**
 * CodeLens above each `@flow` and each `.run(...)`/`.deploy(...)` call on a flow: the effective
 * stack, cache, retries and image, each with the layer that set it (`stack prod-cluster · run()`,
 * `· deploy()` for a deploy call; `stack dynamic: **opts · run()` when a spread may set it).
 * Clicking one opens the explain view for that flow or call.
 */
import * as vscode from "vscode";
import { executionSummary } from "../../core/flowSummary";
import type { FlowResolution, FlowResolutions } from "./flowResolutions";
import type { WorkspaceFlows } from "./workspaceFlows";

export class FlowCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(
    private readonly flows: WorkspaceFlows,
    private readonly resolutions: FlowResolutions,
  ) {
    this.onDidChangeCodeLenses = resolutions.onDidChange;
  }

  provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): vscode.CodeLens[] {
    if (document.uri.scheme !== "file") return [];
    this.flows.syncDocument(document);
    const file = document.uri.fsPath;
    const module = this.flows.index.get(file);
    if (!module) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const def of module.summary.flows) {
      if (token.isCancellationRequested) return [];
      const r = this.resolutions.forFlow(file, def.name);
      const line = def.decoratorSpan.start.line - 1;
      if (r?.ok) lenses.push(...this.lensesFor(r, line, `flow ${def.name}`));
    }
    for (const call of this.flows.index.callsIn(file)) {
      if (token.isCancellationRequested) return [];
      const r = this.resolutions.forCall(file, call.line);
      if (r?.ok) lenses.push(...this.lensesFor(r, call.line - 1, `this ${call.call.method}() call`));
    }
    return lenses;
  }

  private lensesFor(r: FlowResolution, line: number, what: string): vscode.CodeLens[] {
    const range = new vscode.Range(line, 0, line, 0);
    const request = { dir: r.project.dir, [r.kind]: r.spec };
    return executionSummary(r.resolution.settings, r.workspace, { method: r.resolution.python?.call?.method }).map(
      (item) =>
        new vscode.CodeLens(range, {
          title: item.title,
          command: "kitaru.explain",
          arguments: [request],
          tooltip: `${item.detail}\n\nClick to explain the configuration of ${what}.`,
        }),
    );
  }
}
