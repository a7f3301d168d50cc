/**
 * Diagnostics, hovers and quick fixes on `pyproject.toml` and `kitaru.yaml`.
 * Everything they say comes from `src/core/documentChecks.ts`,
 * `hoverInfo.ts` and `quickFixes.ts` (shared with `kitaru-config check`);
 * this file only turns it into VS Code objects and keeps it current.
 *
 * Providers are registered by file pattern, not language id: without a TOML
 * extension a pyproject.toml has no `toml` language at all.
 *
 * Other extensions: Red Hat YAML and Even Better TOML receive our schemas
 * (package.json `yamlValidation` / `tomlValidation`), but those schemas are
 * annotation-only (see src/core/schemaFiles.ts): they give completion and
 * hover text and never a diagnostic, so with either extension installed each
 * problem is still reported once, here, with Kitaru's exact rules and fixes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { checkDocument, kitaruFileKind, type DocumentCheck } from "../core/documentChecks";
import { hoverAt } from "../core/hoverInfo";
import { invalidUtf8InFile, type InvalidUtf8 } from "../core/host";
import { MAX_PYPROJECT_BYTES } from "../core/pyproject";
import { MAX_YAML_BYTES } from "../core/yaml11";
import type { Problem } from "../core/problems";
import { quickFixes } from "../core/quickFixes";
import type { Resolution } from "../core/resolve";
import type { Span } from "../core/types";
import type { FeatureContext } from "./extension";
import type { KitaruModel, Project } from "./model";
import type { Logger } from "./logger";

/** Documents the checks apply to, for providers (language-independent). */
export const KITARU_FILES: vscode.DocumentSelector = [
  { scheme: "file", pattern: "**/pyproject.toml" },
  { scheme: "file", pattern: "**/kitaru.yaml" },
];

/** Commands a hover may link to (and nothing else). */
const HOVER_COMMANDS = ["kitaru.openOrigin"];
/** Every diagnostic of the extension says so in the Problems panel: TOML, YAML, env files and Python alike ("Kitaru", as python/diagnostics.ts writes it). */
export const DIAGNOSTIC_SOURCE = "Kitaru";
const CHANGE_DELAY_MS = 200;

export function registerFileChecks(features: FeatureContext): FileChecks {
  const checks = new FileChecks(features.model, features.logger);
  features.context.subscriptions.push(checks);
  return checks;
}

export class FileChecks implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection("kitaru");
  private readonly cache = new Map<string, { version: number; generation: number; check: DocumentCheck }>();
  /** Bumped when anything outside the document may have changed (environment, other files). */
  private generation = 0;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private recheckAllTimer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [this.collection];

  constructor(
    private readonly model: KitaruModel,
    private readonly logger: Logger,
  ) {
    const subs = this.subscriptions;
    vscode.workspace.onDidOpenTextDocument((d) => this.update(d), this, subs);
    vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document), this, subs);
    // Saving can add or drop a byte-order mark (Save with Encoding).
    vscode.workspace.onDidSaveTextDocument((d) => this.update(d), this, subs);
    vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri), this, subs);
    // The environment, the config directory or another file changed: overridden hints may differ.
    model.onDidChange(() => this.recheckAll(), this, subs);
    subs.push(vscode.languages.registerHoverProvider(KITARU_FILES, { provideHover: (doc, pos) => this.hover(doc, pos) }));
    subs.push(
      vscode.languages.registerCodeActionsProvider(KITARU_FILES, { provideCodeActions: (doc, range, ctx) => this.codeActions(doc, range, ctx) }, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    );
    for (const doc of vscode.workspace.textDocuments) this.update(doc);
  }

  static applies(doc: vscode.TextDocument): boolean {
    return doc.uri.scheme === "file" && kitaruFileKind(doc.uri.fsPath) !== undefined;
  }

  /** The check of a document as it is now (cached per version until something else changes). */
  check(doc: vscode.TextDocument): DocumentCheck | undefined {
    if (!FileChecks.applies(doc)) return undefined;
    const key = doc.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version && hit.generation === this.generation) return hit.check;
    const started = Date.now();
    const file = doc.uri.fsPath;
    const kind = kitaruFileKind(file);
    const resolution = this.resolutionFor(doc);
    const text = doc.getText();
    const notUtf8 = notUtf8OnDisk(doc, kind === "pyproject" ? MAX_PYPROJECT_BYTES : MAX_YAML_BYTES, text);
    const check = checkDocument(file, text, {
      ...(resolution ? { resolution } : {}),
      likelyCommitted: vscode.workspace.getWorkspaceFolder(doc.uri) !== undefined,
      bomOnDisk: kind === "pyproject" && startsWithBom(file),
      ...(notUtf8 ? { notUtf8 } : {}),
    });
    this.cache.set(key, { version: doc.version, generation: this.generation, check });
    this.logger.debug(`Checked ${vscode.workspace.asRelativePath(doc.uri)} (v${doc.version}) in ${Date.now() - started} ms: ${check.problems.length} problem(s).`);
    return check;
  }

  /** The project owning the file, resolved with the explained environment and unsaved text. */
  private resolutionFor(doc: vscode.TextDocument): Resolution | undefined {
    const file = doc.uri.fsPath;
    let project: Project | undefined;
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (kitaruFileKind(file) === "pyproject") {
      if (!folder) return undefined; // a pyproject.toml outside the workspace: its own checks only
      const owner = this.model.projectFor(file);
      // Runs started next to this file read it (it is the nearest pyproject.toml there).
      project = owner && owner.dir === path.dirname(file) ? owner : { folder, dir: path.dirname(file), pyproject: file };
    } else {
      project = (folder ? this.model.projectFor(file) : undefined) ?? this.model.activeProject();
    }
    if (!project) return undefined;
    try {
      return this.model.resolve(project, {}).resolution;
    } catch (error) {
      this.logger.error(`Could not resolve the configuration for ${vscode.workspace.asRelativePath(doc.uri)}: ${(error as Error).message}`);
      return undefined;
    }
  }

  private update(doc: vscode.TextDocument): void {
    if (!FileChecks.applies(doc)) return;
    this.clearTimer(doc.uri.toString());
    const check = this.check(doc);
    if (check) this.collection.set(doc.uri, check.problems.map((p) => toDiagnostic(doc, p)));
  }

  private schedule(doc: vscode.TextDocument): void {
    if (!FileChecks.applies(doc)) return;
    const key = doc.uri.toString();
    this.clearTimer(key);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (!doc.isClosed) this.update(doc);
      }, CHANGE_DELAY_MS),
    );
  }

  private recheckAll(): void {
    this.generation++;
    if (this.recheckAllTimer) clearTimeout(this.recheckAllTimer);
    this.recheckAllTimer = setTimeout(() => {
      this.recheckAllTimer = undefined;
      for (const doc of vscode.workspace.textDocuments) if (!doc.isClosed) this.update(doc);
    }, 50);
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.clearTimer(key);
    this.cache.delete(key);
    this.collection.delete(uri);
  }

  private clearTimer(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const check = this.check(doc);
    if (!check) return undefined;
    const info = hoverAt(check, { line: pos.line + 1, column: pos.character + 1 });
    if (!info) return undefined;
    const md = new vscode.MarkdownString(info.markdown);
    if (info.origin) {
      const args = [vscode.Uri.file(info.origin.file), info.origin.line, info.origin.column];
      const label = `${path.basename(info.origin.file)}:${info.origin.line}`;
      md.appendMarkdown(`\n\n[Open ${label.replace(/[[\]\\]/g, "\\$&")}](command:kitaru.openOrigin?${encodeURIComponent(JSON.stringify(args))} "Open where it is set")`);
    }
    md.isTrusted = { enabledCommands: HOVER_COMMANDS };
    return new vscode.Hover(md, toRange(doc, info.span));
  }

  private codeActions(doc: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.only && !vscode.CodeActionKind.QuickFix.intersects(context.only)) return [];
    const check = this.check(doc);
    if (!check) return [];
    const text = doc.getText();
    const actions: vscode.CodeAction[] = [];
    for (const problem of check.problems) {
      if (!problem.span) continue;
      const problemRange = toRange(doc, problem.span);
      if (!problemRange.intersection(range)) continue;
      for (const fix of quickFixes(check, text, problem)) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        for (const edit of fix.edits) action.edit.replace(doc.uri, toRange(doc, edit.span), edit.newText);
        action.isPreferred = fix.preferred;
        // The diagnostics the fix resolves: from the request, else ours for this document (API callers may pass none).
        const candidates = context.diagnostics.some((d) => d.source === DIAGNOSTIC_SOURCE) ? context.diagnostics : (this.collection.get(doc.uri) ?? []);
        const matching = candidates.filter((d) => d.source === DIAGNOSTIC_SOURCE && diagnosticCode(d) === problem.code && d.range.isEqual(problemRange));
        if (matching.length) action.diagnostics = matching;
        actions.push(action);
      }
    }
    return actions;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    if (this.recheckAllTimer) clearTimeout(this.recheckAllTimer);
    for (const s of this.subscriptions) s.dispose();
  }
}

function toRange(doc: vscode.TextDocument, span: Span): vscode.Range {
  const range = new vscode.Range(span.start.line - 1, span.start.column - 1, span.end.line - 1, span.end.column - 1);
  return doc.validateRange(range);
}

const SEVERITY: Record<Problem["severity"], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

function toDiagnostic(doc: vscode.TextDocument, p: Problem): vscode.Diagnostic {
  const range = p.span ? toRange(doc, p.span) : doc.lineAt(0).range;
  const d = new vscode.Diagnostic(range, p.message, SEVERITY[p.severity]);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = p.code;
  // Keys Kitaru ignores are shown faded, as unused code is.
  if (p.code === "unknown-key" || p.code === "unused-connection-key") d.tags = [vscode.DiagnosticTag.Unnecessary];
  return d;
}

function diagnosticCode(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  return typeof c === "object" && c !== null ? String(c.value) : c === undefined ? undefined : String(c);
}

/**
 * VS Code shows bytes that are not UTF-8 as U+FFFD (or reads the file in another encoding); Kitaru's
 * readers refuse them. Only a saved document is compared with its file (an edited one may be saved
 * as UTF-8), and the file is read only when the text hints at it.
 */
function notUtf8OnDisk(doc: vscode.TextDocument, maxBytes: number, text: string): InvalidUtf8 | undefined {
  if (doc.isDirty) return undefined;
  const otherEncoding = doc.encoding !== "utf8" && doc.encoding !== "utf8bom";
  if (!text.includes("\uFFFD") && !(otherEncoding && /[^\x00-\x7f]/.test(text))) return undefined;
  return invalidUtf8InFile(doc.uri.fsPath, maxBytes);
}

/** VS Code hides a UTF-8 byte-order mark from the document text; tomllib does not ignore it. */
function startsWithBom(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, "r");
    const head = Buffer.alloc(3);
    return fs.readSync(fd, head, 0, 3, 0) === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
