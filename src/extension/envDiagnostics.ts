/**
 * Diagnostics on the files the explained environment comes from: the env file
 * (`kitaru.envFile`) and a workspace `.vscode/settings.json` (or
 * `.code-workspace`) holding `kitaru.environment`. Problems the core reports
 * about a variable set there (`KITARU_DEFAULT_MODEL is set but empty`), lines
 * of the env file that set nothing, and a secret written there in plain text
 * in a file git does not ignore. `pyproject.toml` and `kitaru.yaml` have their
 * own checks (fileChecks.ts); this collection never touches them.
 */
import * as vscode from "vscode";
import type { Problem } from "../core/problems";
import { plainTextSecretProblems, type VariablePosition } from "../core/secretStatus";
import type { FeatureContext } from "./extension";
import type { GitIgnoreStatus } from "./gitIgnore";
import { DIAGNOSTIC_SOURCE } from "./fileChecks";
import type { Snapshot } from "./model";

/** The files whose variables the snapshot's environment holds. */
export function environmentFiles(snap: Snapshot | undefined): Set<string> {
  const files = new Set<string>();
  if (!snap) return files;
  if (snap.environment.envFile && !snap.environment.envFile.error) files.add(snap.environment.envFile.path);
  for (const at of Object.values(snap.environment.positions)) files.add(at.file);
  return files;
}

/**
 * A clear-text secret from the env file or workspace settings, in a workspace
 * file git does not ignore (or whose status is not known): a warning at the
 * variable's own place, as `kitaru-config check` reports it.
 */
export function leakProblems(snap: Snapshot | undefined, ignored: (file: string) => boolean | undefined): Problem[] {
  if (!snap) return [];
  const position: VariablePosition = (variable, file) => {
    const at = snap.environment.positions[variable];
    return at?.file === file ? at : undefined;
  };
  return plainTextSecretProblems(snap.resolution.secrets, { workspace: snap.project.folder.uri.fsPath, ignored, position, platform: process.platform });
}

export function registerEnvDiagnostics({ context, model }: FeatureContext, git: GitIgnoreStatus): vscode.DiagnosticCollection {
  const collection = vscode.languages.createDiagnosticCollection("kitaru-environment");
  context.subscriptions.push(collection);
  const update = () => {
    const snap = model.current;
    const files = environmentFiles(snap);
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const add = (p: Problem) => {
      if (!p.file || !files.has(p.file)) return;
      const list = byFile.get(p.file) ?? [];
      list.push(toDiagnostic(p));
      byFile.set(p.file, list);
    };
    for (const p of snap?.resolution.problems ?? []) add(p);
    for (const p of leakProblems(snap, (f) => git.ignored(f))) add(p);
    collection.clear();
    for (const [file, diagnostics] of byFile) collection.set(vscode.Uri.file(file), diagnostics);
  };
  model.onDidChange(update, undefined, context.subscriptions);
  git.onDidChange(update, undefined, context.subscriptions);
  update();
  return collection;
}

const SEVERITY: Record<Problem["severity"], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

function toDiagnostic(p: Problem): vscode.Diagnostic {
  const start = p.span?.start ?? { line: 1, column: 1 };
  const end = p.span?.end ?? start;
  const range = new vscode.Range(start.line - 1, start.column - 1, end.line - 1, Math.max(end.column - 1, start.column - 1));
  const d = new vscode.Diagnostic(range, p.message, SEVERITY[p.severity]);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = p.code;
  return d;
}
