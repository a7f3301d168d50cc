/**
 * Keeps the flow index (src/core/flowIndex.ts) true for the open workspace: a first scan that
 * reads files asynchronously in batches and parses in short time slices (the extension host is
 * never blocked for long), then incremental updates from file events and from unsaved edits of
 * open documents (debounced). Virtual environments, node_modules and build output are skipped.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { EXCLUDED_DIR_NAMES, FlowIndex, MAX_MODULE_BYTES } from "../../core/flowIndex";
import type { ModuleReader } from "../../core/pythonLayers";
import type { Logger } from "../logger";

/** Folders never indexed (their own glob, for findFiles, and the same names for file events), shared with `kitaru-config check`. */
const EXCLUDED_NAMES = EXCLUDED_DIR_NAMES;
const EXCLUDE_GLOB = `**/{${EXCLUDED_NAMES.join(",")}}/**`;
const EXCLUDED_SEGMENT = new RegExp(`[\\\\/](${EXCLUDED_NAMES.map((n) => n.replace(/\./g, "\\.")).join("|")})[\\\\/]`);

/** How many files are read concurrently, and how long one parsing slice may hold the thread. */
const READ_BATCH = 48;
const SLICE_MS = 12;
const EDIT_DEBOUNCE_MS = 250;
const FILE_EVENT_DEBOUNCE_MS = 100;
const CHANGE_EVENT_DEBOUNCE_MS = 50;

export interface ScanState {
  scanning: boolean;
  /** Files found by the last scan, and how many of them were read so far. */
  total: number;
  done: number;
  /** Duration of the last complete scan. */
  lastScanMs?: number;
}

export class WorkspaceFlows implements vscode.Disposable {
  readonly index: FlowIndex;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fired (debounced) after the index changed. */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private changeTimer: NodeJS.Timeout | undefined;
  /** Document versions whose text the index holds. */
  private readonly synced = new Map<string, number>();
  /** Folders holding a virtual environment (a pyvenv.cfg), whatever their name. */
  private venvDirs: string[] = [];
  private scanGeneration = 0;
  private scanPromise: Promise<void> = Promise.resolve();
  readonly state: ScanState = { scanning: false, total: 0, done: 0 };

  constructor(private readonly logger: Logger) {
    this.index = new FlowIndex({
      platform: process.platform,
      workspaceOf: (file) => vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath,
    });

    const watcher = vscode.workspace.createFileSystemWatcher("**/*.py");
    this.subscriptions.push(
      watcher,
      watcher.onDidCreate((uri) => this.fileEvent(uri)),
      watcher.onDidChange((uri) => this.fileEvent(uri)),
      watcher.onDidDelete((uri) => this.deleted(uri)),
      // A deleted folder reports only itself.
      vscode.workspace.onDidDeleteFiles((e) => e.files.forEach((uri) => this.deleted(uri))),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (isPythonFile(e.document) && e.contentChanges.length) this.debounce(e.document.uri.fsPath, EDIT_DEBOUNCE_MS, () => this.syncDocument(e.document));
      }),
      vscode.workspace.onDidOpenTextDocument((doc) => {
        if (isPythonFile(doc)) this.syncDocument(doc);
      }),
      // Closing a document with unsaved changes drops them: the file on disk counts again.
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (!isPythonFile(doc)) return;
        this.synced.delete(doc.uri.fsPath);
        void this.readFromDisk(doc.uri.fsPath);
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.scan()),
    );
  }

  /** Scans every workspace folder; resolves when done. A new scan supersedes a running one. */
  scan(): Promise<void> {
    const generation = ++this.scanGeneration;
    this.scanPromise = this.runScan(generation).catch((error: unknown) => {
      this.logger.error(`Indexing Python files failed: ${(error as Error).message}`);
    });
    return this.scanPromise;
  }

  /** Resolves once the scan in progress (if any) is done. */
  get ready(): Promise<void> {
    return this.scanPromise;
  }

  private async runScan(generation: number): Promise<void> {
    const started = Date.now();
    const folders = vscode.workspace.workspaceFolders ?? [];
    Object.assign(this.state, { scanning: true, total: 0, done: 0 });
    this.fireSoon();
    const venvs = await vscode.workspace.findFiles("**/pyvenv.cfg", EXCLUDE_GLOB);
    this.venvDirs = venvs.map((u) => path.dirname(u.fsPath));
    const files: string[] = [];
    for (const folder of folders) {
      const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, "**/*.py"), EXCLUDE_GLOB);
      for (const uri of uris) if (uri.scheme === "file" && !this.isExcluded(uri.fsPath)) files.push(uri.fsPath);
    }
    if (generation !== this.scanGeneration) return;
    this.state.total = files.length;
    // Files indexed before that no longer exist or are now excluded.
    const found = new Set(files);
    for (const file of this.index.files()) if (!found.has(file)) this.index.remove(file);

    let sliceStart = Date.now();
    for (let i = 0; i < files.length; i += READ_BATCH) {
      const batch = files.slice(i, i + READ_BATCH);
      const texts = await Promise.all(batch.map((file) => this.readText(file)));
      if (generation !== this.scanGeneration) return;
      for (let k = 0; k < batch.length; k++) {
        const text = texts[k];
        const file = batch[k]!;
        if (text === null || text === undefined) this.index.remove(file);
        else this.index.update(file, text);
        this.state.done++;
        if (Date.now() - sliceStart > SLICE_MS) {
          await yieldToHost();
          if (generation !== this.scanGeneration) return;
          sliceStart = Date.now();
        }
      }
    }
    this.state.scanning = false;
    this.state.lastScanMs = Date.now() - started;
    this.logger.info(`Indexed Python flows: ${files.length} file(s) read, ${this.index.size} relevant, ${this.index.flows().length} flow(s), ${this.index.calls().length} call site(s) in ${this.state.lastScanMs} ms.`);
    this.fireSoon();
  }

  /** Brings the index up to date with an open document's text now (CodeLens, hovers call this first). */
  syncDocument(doc: vscode.TextDocument): void {
    if (!isPythonFile(doc) || this.isExcluded(doc.uri.fsPath)) return;
    const file = doc.uri.fsPath;
    if (this.synced.get(file) === doc.version && this.index.get(file)) return;
    this.clearTimer(file);
    this.synced.set(file, doc.version);
    this.apply(file, doc.getText());
  }

  /**
   * A ModuleReader for the resolution core: open documents' text first (unsaved edits count),
   * else the file on disk; parsed modules are shared with the index.
   */
  reader(): ModuleReader {
    return this.index.moduleReader((file) => openText(file) ?? readFileSync(file));
  }

  private fileEvent(uri: vscode.Uri): void {
    if (uri.scheme !== "file" || this.isExcluded(uri.fsPath)) return;
    // Open documents are followed through their edits; the disk is read once they close.
    if (findOpen(uri.fsPath)) return;
    this.debounce(uri.fsPath, FILE_EVENT_DEBOUNCE_MS, () => void this.readFromDisk(uri.fsPath));
  }

  private deleted(uri: vscode.Uri): void {
    if (uri.scheme !== "file") return;
    this.clearTimer(uri.fsPath);
    const removed = this.index.remove(uri.fsPath) === "removed";
    if (this.index.removeUnder(uri.fsPath) > 0 || removed) this.fireSoon();
  }

  private async readFromDisk(file: string): Promise<void> {
    if (this.isExcluded(file)) return;
    const open = findOpen(file);
    this.apply(file, open ? open.getText() : await this.readText(file));
  }

  private apply(file: string, text: string | null): void {
    const result = text === null ? this.index.remove(file) : this.index.update(file, text);
    if (result === "indexed" || result === "removed") this.fireSoon();
  }

  private async readText(file: string): Promise<string | null> {
    const open = findOpen(file);
    if (open) return open.getText();
    try {
      const stat = await fs.promises.stat(file);
      if (!stat.isFile() || stat.size > MAX_MODULE_BYTES) return null;
      return await fs.promises.readFile(file, "utf8");
    } catch {
      return null;
    }
  }

  isExcluded(file: string): boolean {
    if (EXCLUDED_SEGMENT.test(file)) return true;
    return this.venvDirs.some((dir) => file.startsWith(dir + path.sep));
  }

  private debounce(key: string, ms: number, fn: () => void): void {
    this.clearTimer(key);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        fn();
      }, ms),
    );
  }

  private clearTimer(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  /** One change event per burst, and only when the index really changed (or the scan state did). */
  private fireSoon(): void {
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.changed.fire();
    }, CHANGE_EVENT_DEBOUNCE_MS);
  }

  dispose(): void {
    this.scanGeneration++;
    for (const t of this.timers.values()) clearTimeout(t);
    if (this.changeTimer) clearTimeout(this.changeTimer);
    this.changed.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}

function isPythonFile(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === "file" && (doc.languageId === "python" || doc.uri.fsPath.endsWith(".py"));
}

function findOpen(file: string): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((d) => d.uri.scheme === "file" && d.uri.fsPath === file);
}

function openText(file: string): string | undefined {
  return findOpen(file)?.getText();
}

function readFileSync(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** Lets queued events (typing, other extensions) run before the next parsing slice. */
function yieldToHost(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
