/**
 * CodeLens above each `@flow` and each `.run(...)`/`.deploy(...)` call on a flow: the effective
 * stack, cache, retries and image, each with the layer that set it (`stack prod-cluster · run()`,
 * `· deploy()` for a deploy call; `stack dynamic: **opts · run()` when a spread may set it).
 * Clicking one opens the explain view for that flow or call.
 *
 * A module with thousands of flows must not hold the extension host:
 *  - past ALL_ENTRIES flows and calls, lenses are given only around what its editors show (the
 *    window follows the scroll), so a request never carries tens of thousands of lenses;
 *  - lenses are resolved at once for as long as EAGER_MS allows; the rest are handed to VS Code
 *    unresolved and filled in by resolveCodeLens (VS Code asks only for those on screen), in slices.
 * A module too large to be read gets one lens saying so.
 */
import * as vscode from "vscode";
import { executionSummary } from "../../core/flowSummary";
import type { FlowResolution, FlowResolutions } from "./flowResolutions";
import { Slices } from "./slices";
import type { WorkspaceFlows } from "./workspaceFlows";

/** How long one provideCodeLenses call resolves lenses itself before leaving the rest to resolveCodeLens. */
const EAGER_MS = 10;
/** How long resolving deferred lenses may hold the extension host at a time. */
const SLICE_MS = 12;
/** executionSummary's items, always these four: stack, cache, retries, image. */
const ITEMS = 4;
/** Up to this many flows and calls a module gets every lens; beyond, those near its visible lines. */
const ALL_ENTRIES = 400;
/** Lines above and below the visible ones that get lenses in a module past ALL_ENTRIES. */
const MARGIN_LINES = 400;
const SCROLL_DEBOUNCE_MS = 100;

type Entry = { kind: "flow"; file: string; name: string; line: number } | { kind: "call"; file: string; line: number; method: "run" | "deploy" };

/** A lens whose command is filled in by resolveCodeLens. */
class PendingLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly entry: Entry,
    readonly item: number,
  ) {
    super(range);
  }
}

export class FlowCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  readonly onDidChangeCodeLenses: vscode.Event<void>;
  private readonly slices = new Slices(SLICE_MS);
  private readonly scrolled = new vscode.EventEmitter<void>();
  /** Per large module, the lines whose lenses the last answer held (0-based, inclusive). */
  private readonly served = new Map<string, { from: number; to: number }>();
  private scrollTimer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly flows: WorkspaceFlows,
    private readonly resolutions: FlowResolutions,
  ) {
    this.onDidChangeCodeLenses = (listener, thisArg, disposables) => {
      const both = vscode.Disposable.from(resolutions.onDidChange(listener, thisArg), this.scrolled.event(listener, thisArg));
      disposables?.push(both);
      return both;
    };
    this.subscriptions.push(
      this.scrolled,
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => this.visibleChanged(e.textEditor)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.visibleChanged(e))),
      vscode.workspace.onDidCloseTextDocument((doc) => this.served.delete(doc.uri.fsPath)),
    );
  }

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (document.uri.scheme !== "file") return [];
    const large = this.flows.tooLarge(document);
    if (large) {
      return [
        new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
          title: "Kitaru: this file is too large to analyse, so it has no flow settings here",
          command: "",
          tooltip: large.message,
        }),
      ];
    }
    await this.flows.sync(document);
    if (token.isCancellationRequested) return [];
    const file = document.uri.fsPath;
    const module = this.flows.index.get(file);
    if (!module) return [];
    let entries: Entry[] = [];
    for (const def of module.summary.flows) entries.push({ kind: "flow", file, name: def.name, line: def.decoratorSpan.start.line - 1 });
    for (const call of this.flows.index.callsIn(file)) entries.push({ kind: "call", file, line: call.line - 1, method: call.call.method });
    if (entries.length > ALL_ENTRIES) {
      entries.sort((a, b) => a.line - b.line);
      const window = this.windowOf(document, entries);
      this.served.set(file, window);
      entries = entries.filter((e) => e.line >= window.from && e.line <= window.to);
    } else {
      this.served.delete(file);
    }

    const lenses: vscode.CodeLens[] = [];
    const started = performance.now();
    for (const entry of entries) {
      if (token.isCancellationRequested) return [];
      const range = new vscode.Range(entry.line, 0, entry.line, 0);
      if (performance.now() - started < EAGER_MS) {
        const r = this.resolve(entry);
        if (r?.ok) lenses.push(...this.lensesFor(r, range, describe(entry)));
      } else {
        for (let i = 0; i < ITEMS; i++) lenses.push(new PendingLens(range, entry, i));
      }
    }
    return lenses;
  }

  resolveCodeLens(lens: vscode.CodeLens, token: vscode.CancellationToken): vscode.CodeLens | Promise<vscode.CodeLens> {
    if (!(lens instanceof PendingLens) || lens.command) return lens;
    // Many asked for at once (a command resolving them all) are answered in slices.
    return this.slices.run(() => (token.isCancellationRequested ? lens : this.fill(lens)));
  }

  private fill(lens: PendingLens): vscode.CodeLens {
    const r = this.resolve(lens.entry);
    if (r?.ok) {
      lens.command = this.lensesFor(r, lens.range, describe(lens.entry))[lens.item]?.command;
    } else {
      // A lens must have a command once resolved; say why instead of leaving it blank.
      const why = r?.resolution.problems.filter((p) => p.severity === "error").map((p) => p.message).join("\n");
      lens.command = { title: lens.item === 0 ? "Kitaru: settings not available" : "", command: "", ...(why ? { tooltip: why } : {}) };
    }
    return lens;
  }

  /**
   * The lines of a large module that get lenses: its editors' visible lines with MARGIN_LINES
   * around them; in no editor (a command asking), the first ALL_ENTRIES entries.
   */
  private windowOf(document: vscode.TextDocument, entries: readonly Entry[]): { from: number; to: number } {
    const ranges = vscode.window.visibleTextEditors.filter((e) => e.document === document).flatMap((e) => e.visibleRanges);
    if (!ranges.length) return { from: 0, to: entries[ALL_ENTRIES - 1]!.line };
    const from = Math.min(...ranges.map((r) => r.start.line));
    const to = Math.max(...ranges.map((r) => r.end.line));
    return { from: Math.max(0, from - MARGIN_LINES), to: to + MARGIN_LINES };
  }

  /** Scrolled out of the lines served: ask VS Code for the lenses again (debounced). */
  private visibleChanged(editor: vscode.TextEditor): void {
    const served = this.served.get(editor.document.uri.fsPath);
    if (!served) return;
    const outside = editor.visibleRanges.some((r) => r.start.line < served.from || r.end.line > served.to);
    if (!outside) return;
    if (this.scrollTimer) clearTimeout(this.scrollTimer);
    this.scrollTimer = setTimeout(() => {
      this.scrollTimer = undefined;
      this.scrolled.fire();
    }, SCROLL_DEBOUNCE_MS);
  }

  private resolve(entry: Entry): FlowResolution | undefined {
    return entry.kind === "flow" ? this.resolutions.forFlow(entry.file, entry.name) : this.resolutions.forCall(entry.file, entry.line + 1);
  }

  private lensesFor(r: FlowResolution, range: vscode.Range, what: string): vscode.CodeLens[] {
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

  dispose(): void {
    if (this.scrollTimer) clearTimeout(this.scrollTimer);
    for (const d of this.subscriptions) d.dispose();
  }
}

function describe(entry: Entry): string {
  return entry.kind === "flow" ? `flow ${entry.name}` : `this ${entry.method}() call`;
}
