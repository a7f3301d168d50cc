/**
 * Keeps the flow index (src/core/flowIndex.ts) true for the open workspace: a first scan that
 * reads files asynchronously in batches and parses in short time slices (the extension host is
 * never blocked for long), then incremental updates from file events and from unsaved edits of
 * open documents (debounced). Virtual environments, node_modules and build output are skipped.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { EXCLUDED_DIR_NAMES, FlowIndex, MAX_MODULE_BYTES, tooLargeProblem } from "../../core/flowIndex";
import type { Problem } from "../../core/problems";
import type { ModuleReader } from "../../core/pythonLayers";
import type { Logger } from "../logger";

/** Folders never indexed (their own glob, for findFiles, and the same names for file events), shared with `kitaru-config check`. */
const EXCLUDED_NAMES = EXCLUDED_DIR_NAMES;
const EXCLUDE_GLOB = `**/{${EXCLUDED_NAMES.join(",")}}/**`;
const EXCLUDED_SEGMENT = new RegExp(`[\\\\/](${EXCLUDED_NAMES.map((n) => n.replace(/\./g, "\\.")).join("|")})[\\\\/]`);

/** How many files are read concurrently, and how long one parsing slice may hold the thread. */
const READ_BATCH = 48;
const SLICE_MS = 12;
/**
 * Texts from this size on are parsed in slices of SLICE_MS (parsing takes about 0.5 ms per 1,000
 * characters): a module of up to MAX_MODULE_BYTES never holds the extension host for long.
 */
const SLICED_PARSE_CHARS = 16_000;
const EDIT_DEBOUNCE_MS = 250;
const FILE_EVENT_DEBOUNCE_MS = 100;
const CHANGE_EVENT_DEBOUNCE_MS = 50;
/** How long after a folder appears its files are looked at (a checkout writes many at once). */
const FOLDER_SETTLE_MS = 300;

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
  /** Document versions whose text the index holds (or skipped). */
  private readonly synced = new Map<string, { version: number }>();
  /** Sliced parses in progress, per file, with the document version they parse (undefined: the disk). */
  private readonly pending = new Map<string, { version: number | undefined; promise: Promise<void> }>();
  /** Per file, the latest text handed to the index: an older sliced parse finishing later is dropped. */
  private readonly turns = new Map<string, number>();
  private readonly tooLargeCache = new Map<string, { version: number; problem: Problem | undefined }>();
  /** Files the scan did not read for their size (for the log). */
  private readonly skippedForSize = new Set<string>();
  /** Folders created since the last look (see maybeFolderCreated). */
  private readonly newFolders = new Set<string>();
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
    // Projects (a pyproject.toml) are where imports between the workspace's packages are looked up.
    const projects = vscode.workspace.createFileSystemWatcher("**/pyproject.toml", false, true, false);
    // Folders come and go as themselves only (which "**/*.py" does not match), and the files of a new
    // folder may be written before the watcher follows it (a checkout, a package copied in).
    const folders = vscode.workspace.createFileSystemWatcher("**", false, true, false);
    this.subscriptions.push(
      watcher,
      projects,
      folders,
      folders.onDidCreate((uri) => this.maybeFolderCreated(uri)),
      folders.onDidDelete((uri) => {
        if (!uri.fsPath.endsWith(".py")) this.folderDeleted(uri);
      }),
      projects.onDidCreate((uri) => this.projectEvent(uri, true)),
      projects.onDidDelete((uri) => this.projectEvent(uri, false)),
      watcher.onDidCreate((uri) => this.fileEvent(uri)),
      watcher.onDidChange((uri) => this.fileEvent(uri)),
      watcher.onDidDelete((uri) => this.deleted(uri)),
      // A deleted folder reports only itself.
      vscode.workspace.onDidDeleteFiles((e) => e.files.forEach((uri) => (this.deleted(uri), this.folderDeleted(uri)))),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (isPythonFile(e.document) && e.contentChanges.length) this.debounce(e.document.uri.fsPath, EDIT_DEBOUNCE_MS, () => void this.sync(e.document));
      }),
      vscode.workspace.onDidOpenTextDocument((doc) => {
        if (isPythonFile(doc)) void this.sync(doc);
      }),
      // Closing a document with unsaved changes drops them: the file on disk counts again.
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (!isPythonFile(doc)) return;
        this.synced.delete(doc.uri.fsPath);
        this.tooLargeCache.delete(doc.uri.fsPath);
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
    const pyprojects = await vscode.workspace.findFiles("**/pyproject.toml", EXCLUDE_GLOB);
    if (generation !== this.scanGeneration) return;
    this.index.setProjectDirs(pyprojects.filter((u) => u.scheme === "file" && !this.isExcluded(u.fsPath)).map((u) => path.dirname(u.fsPath)));
    const files: string[] = [];
    for (const folder of folders) {
      const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, "**/*.py"), EXCLUDE_GLOB);
      for (const uri of uris) if (uri.scheme === "file" && !this.isExcluded(uri.fsPath)) files.push(uri.fsPath);
    }
    if (generation !== this.scanGeneration) return;
    this.state.total = files.length;
    // Files indexed before that no longer exist or are now excluded.
    const found = new Set(files);
    // (Open documents are followed through their edits, wherever they are.)
    for (const file of this.index.files()) if (!found.has(file) && !findOpen(file)) this.index.remove(file);

    let sliceStart = Date.now();
    for (let i = 0; i < files.length; i += READ_BATCH) {
      const batch = files.slice(i, i + READ_BATCH);
      const texts = await Promise.all(batch.map((file) => this.readText(file)));
      if (generation !== this.scanGeneration) return;
      for (let k = 0; k < batch.length; k++) {
        const text = texts[k];
        const file = batch[k]!;
        if (text === null || text === undefined) this.index.remove(file);
        else if (text.length >= SLICED_PARSE_CHARS) {
          // An open document may have moved on meanwhile: its own sync wins.
          const turn = this.nextTurn(file);
          await this.index.updateAsync(file, text, { sliceMs: SLICE_MS, isCurrent: () => generation === this.scanGeneration && this.turns.get(file) === turn });
          if (generation !== this.scanGeneration) return;
          sliceStart = Date.now();
        } else this.index.update(file, text);
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
    const skipped = files.filter((f) => this.skippedForSize.has(f));
    if (skipped.length) this.logger.info(`Not read, over ${Math.round(MAX_MODULE_BYTES / 1000)} KB (opened, each says so in a CodeLens and a diagnostic): ${skipped.slice(0, 10).map((f) => vscode.workspace.asRelativePath(f)).join(", ")}${skipped.length > 10 ? `, and ${skipped.length - 10} more` : ""}.`);
    this.fireSoon();
  }

  /**
   * Brings the index up to date with an open document's text (CodeLens, hovers and diagnostics
   * await this first). Small modules are read at once; large ones in slices (the promise resolves
   * when done), so typing in a module with thousands of flows never blocks the extension host.
   */
  sync(doc: vscode.TextDocument): Promise<void> {
    if (!isPythonFile(doc) || this.isExcluded(doc.uri.fsPath)) return DONE;
    const file = doc.uri.fsPath;
    // The same version is never read twice: not even when the index dropped the file since (deleted
    // on disk while a closed editor's document lingers), which would bring a deleted module back.
    if (this.synced.get(file)?.version === doc.version) return DONE;
    const pending = this.pending.get(file);
    if (pending && pending.version === doc.version) return pending.promise;
    this.clearTimer(file);
    const version = doc.version;
    return this.apply(file, doc.getText(), version);
  }

  /**
   * For an open document too large to be read as a module that mentions Kitaru: the information
   * problem the editor shows where the user looks (a CodeLens and a diagnostic on its first line).
   */
  tooLarge(doc: vscode.TextDocument): Problem | undefined {
    if (!isPythonFile(doc) || this.isExcluded(doc.uri.fsPath)) return undefined;
    // The length without copying the text: most documents are far below the limit.
    if (doc.offsetAt(doc.lineAt(doc.lineCount - 1).range.end) <= MAX_MODULE_BYTES) return undefined;
    const file = doc.uri.fsPath;
    const hit = this.tooLargeCache.get(file);
    if (hit && hit.version === doc.version) return hit.problem;
    const problem = tooLargeProblem(file, doc.getText());
    this.tooLargeCache.set(file, { version: doc.version, problem });
    return problem;
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
    // A sliced parse of this file still running must not bring it back.
    this.nextTurn(uri.fsPath);
    const removed = this.index.remove(uri.fsPath) === "removed";
    if (this.index.removeUnder(uri.fsPath) > 0 || removed) this.fireSoon();
  }

  /** Anything else deleted may have been a folder: its modules and projects go with it (they report no event of their own). */
  private folderDeleted(uri: vscode.Uri): void {
    if (uri.scheme !== "file" || this.isExcluded(uri.fsPath + path.sep)) return;
    const dir = uri.fsPath;
    const before = this.index.version;
    this.index.removeUnder(dir);
    for (const d of this.index.projectDirList()) if (d === dir || d.startsWith(dir + path.sep)) this.index.setProjectDir(d, false);
    if (this.index.version !== before) this.fireSoon();
  }

  private async readFromDisk(file: string): Promise<void> {
    if (this.isExcluded(file)) return;
    const open = findOpen(file);
    await this.apply(file, open ? open.getText() : await this.readText(file), open?.version);
  }

  /** Hands a file's text (null: gone) to the index, in slices when it is large; `version`: the open document's. */
  private apply(file: string, text: string | null, version?: number): Promise<void> {
    const turn = this.nextTurn(file);
    const done = (result: string) => {
      if (this.turns.get(file) !== turn) return;
      if (version !== undefined) this.synced.set(file, { version });
      if (result === "indexed" || result === "removed") this.fireSoon();
    };
    if (text === null || text.length < SLICED_PARSE_CHARS) {
      this.pending.delete(file);
      done(text === null ? this.index.remove(file) : this.index.update(file, text));
      return DONE;
    }
    const promise = this.index
      .updateAsync(file, text, { sliceMs: SLICE_MS, isCurrent: () => this.turns.get(file) === turn })
      .then(done, (error: unknown) => this.logger.error(`Reading ${file} failed: ${(error as Error).message}`))
      .finally(() => {
        if (this.pending.get(file)?.promise === promise) this.pending.delete(file);
      });
    this.pending.set(file, { version, promise });
    return promise;
  }

  private nextTurn(file: string): number {
    const turn = (this.turns.get(file) ?? 0) + 1;
    this.turns.set(file, turn);
    return turn;
  }

  private projectEvent(uri: vscode.Uri, present: boolean): void {
    if (uri.scheme !== "file" || this.isExcluded(uri.fsPath)) return;
    const dir = path.dirname(uri.fsPath);
    const before = this.index.version;
    this.index.setProjectDir(dir, present);
    // Known already (an editor saving by rename reports a creation): nothing new.
    if (this.index.version === before) return;
    this.fireSoon();
    // A project's files may come and go faster than the file watcher follows new folders (a checkout,
    // a package copied in): look at them once more now.
    void this.refreshUnder(dir).catch((error: unknown) => this.logger.error(`Re-reading ${dir} failed: ${(error as Error).message}`));
  }

  /** Something was created: when it is a folder, its projects and modules are looked at once it settled. */
  private maybeFolderCreated(uri: vscode.Uri): void {
    // Files have their own watchers; a name with a dot is a file far more often than a folder.
    if (uri.scheme !== "file" || path.basename(uri.fsPath).includes(".") || this.isExcluded(uri.fsPath + path.sep)) return;
    this.newFolders.add(uri.fsPath);
    this.debounce("\u0000new folders", FOLDER_SETTLE_MS, () => void this.foldersCreated());
  }

  private async foldersCreated(): Promise<void> {
    const dirs = [...this.newFolders];
    this.newFolders.clear();
    // The outermost new folders hold the others.
    const outer = dirs.filter((d) => !dirs.some((o) => o !== d && d.startsWith(o + path.sep)));
    for (const dir of outer) {
      const stat = await fs.promises.stat(dir).catch(() => undefined);
      if (!stat?.isDirectory()) continue;
      const pyprojects = await vscode.workspace.findFiles(new vscode.RelativePattern(dir, "**/pyproject.toml"), EXCLUDE_GLOB);
      const before = this.index.version;
      for (const u of pyprojects) if (u.scheme === "file" && !this.isExcluded(u.fsPath)) this.index.setProjectDir(path.dirname(u.fsPath), true);
      if (this.index.version !== before) this.fireSoon();
      await this.refreshUnder(dir);
    }
  }

  /** Reads the Python files under `dir` the index does not hold yet, and drops those it holds that are gone. */
  private async refreshUnder(dir: string): Promise<void> {
    const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(dir, "**/*.py"), EXCLUDE_GLOB);
    const found = new Set(uris.filter((u) => u.scheme === "file").map((u) => u.fsPath));
    let removed = false;
    for (const file of this.index.files()) {
      if (file.startsWith(dir + path.sep) && !found.has(file) && !findOpen(file) && this.index.remove(file) === "removed") removed = true;
    }
    if (removed) this.fireSoon();
    for (const file of found) if (!this.isExcluded(file) && !this.index.get(file)) await this.readFromDisk(file);
  }

  private async readText(file: string): Promise<string | null> {
    const open = findOpen(file);
    if (open) return open.getText();
    try {
      const stat = await fs.promises.stat(file);
      if (stat.isFile() && stat.size > MAX_MODULE_BYTES) this.skippedForSize.add(file);
      if (!stat.isFile() || stat.size > MAX_MODULE_BYTES) return null;
      this.skippedForSize.delete(file);
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

const DONE: Promise<void> = Promise.resolve();

/** Lets queued events (typing, other extensions) run before the next parsing slice. */
function yieldToHost(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
