/**
 * Diagnostics in Python modules (collection `kitaru-python`), for open documents: wrong types
 * (`retries="x"`, `cache="maybe"`), negative retries, unknown ImageSettings fields, secret-looking
 * literals in an image `environment`, and an information hint on a `@checkpoint(cache=...)` that
 * an execution-level cache replaces, naming the winner and where it is set. Keyword arguments that
 * are not configuration settings are left alone.
 */
import * as vscode from "vscode";
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

  /** Static problems of the module, plus the checkpoint-cache hints of its flows' resolutions. */
  problemsOf(file: string): Problem[] {
    const module = this.flows.index.get(file);
    if (!module) return [];
    const problems = this.flows.index.problemsOf(file);
    // Checkpoint hints: per flow of the module (a run of it replaces them); in a module without
    // flows, only what every run inherits (environment, pyproject).
    const hints: { flow?: string; problem: Problem }[] = [];
    if (module.summary.checkpoints.some((c) => c.kwargs.some((k) => k.name === "cache"))) {
      if (module.summary.flows.length) {
        for (const def of module.summary.flows) {
          const r = this.resolutions.forFlow(file, def.name);
          for (const p of r?.resolution.problems ?? []) if (p.code === "checkpoint-cache-replaced" && p.file === file) hints.push({ flow: def.name, problem: p });
        }
      } else {
        hints.push(...this.inheritedHints(file).map((problem) => ({ problem })));
      }
    }
    // One hint per checkpoint and message; when flows disagree, say which flow each is about.
    const bySpan = new Map<string, { flow?: string; problem: Problem }[]>();
    for (const h of hints) {
      const k = spanKey(h.problem);
      const list = bySpan.get(k) ?? [];
      if (!list.some((x) => x.problem.message === h.problem.message)) list.push(h);
      bySpan.set(k, list);
    }
    for (const list of bySpan.values()) {
      for (const h of list) problems.push(list.length > 1 && h.flow ? { ...h.problem, message: `When flow ${h.flow} runs: ${h.problem.message}` } : h.problem);
    }
    return problems;
  }

  private inheritedHints(file: string): Problem[] {
    const module = this.flows.index.get(file)!;
    const r = this.resolutions.forProject(file);
    const cache = r?.resolution.settings.cache;
    if (!r || !cache || cache.source === "default") return [];
    const where = cache.origin ? ("env" in cache.origin ? cache.origin.env : `${cache.origin.file}:${cache.origin.line}`) : cache.source;
    const out: Problem[] = [];
    for (const cp of module.summary.checkpoints) {
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

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.subscriptions) d.dispose();
  }
}

function spanKey(p: Problem): string {
  return p.span ? `${p.span.start.line}:${p.span.start.column}` : "";
}

function toDiagnostic(p: Problem): vscode.Diagnostic {
  const range = p.span ? toRange(p.span) : new vscode.Range(0, 0, 0, 0);
  const d = new vscode.Diagnostic(range, p.message, SEVERITY[p.severity]);
  d.source = "Kitaru";
  d.code = p.code;
  return d;
}
