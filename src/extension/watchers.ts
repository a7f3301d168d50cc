/**
 * Keeps the model true as files, settings and editors change: every event
 * schedules one debounced recomputation.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { KitaruModel } from "./model";
import type { Logger } from "./logger";
import { RESOLUTION_SETTINGS } from "./settings";

const RELEVANT_NAMES = new Set(["pyproject.toml", "kitaru.yaml", "config.yaml", "credentials.yaml"]);

export function registerWatchers(context: vscode.ExtensionContext, model: KitaruModel, logger: Logger): void {
  const subs = context.subscriptions;
  const refresh = () => model.scheduleRefresh();
  const rediscover = async () => {
    await model.discoverProjects();
    model.scheduleRefresh();
  };

  // Workspace files: project configs and repository state.
  const pyprojects = vscode.workspace.createFileSystemWatcher("**/pyproject.toml");
  pyprojects.onDidCreate(rediscover, undefined, subs);
  pyprojects.onDidDelete(rediscover, undefined, subs);
  pyprojects.onDidChange(refresh, undefined, subs);
  subs.push(pyprojects);
  const repo = vscode.workspace.createFileSystemWatcher("**/.kitaru/**");
  repo.onDidCreate(refresh, undefined, subs);
  repo.onDidChange(refresh, undefined, subs);
  repo.onDidDelete(refresh, undefined, subs);
  subs.push(repo);
  // A kitaru.yaml appearing in the workspace can turn a folder into a Kitaru project (the welcome goes).
  const yamls = vscode.workspace.createFileSystemWatcher("**/kitaru.yaml");
  yamls.onDidCreate(rediscover, undefined, subs);
  yamls.onDidDelete(rediscover, undefined, subs);
  subs.push(yamls);
  const python = vscode.workspace.createFileSystemWatcher("**/*.py");
  python.onDidChange(refresh, undefined, subs);
  python.onDidCreate(refresh, undefined, subs);
  python.onDidDelete(refresh, undefined, subs);
  subs.push(python);

  // Files outside the workspace (the config directory, an env file): watched non-recursively,
  // re-armed when the resolution moves them, and through their real path (symlinked dirs).
  const outside = new OutsideWatchers(logger, refresh);
  subs.push(outside);
  model.onDidChange((snap) => {
    if (!snap) return;
    outside.watchDirectory(snap.resolution.configDir.path);
    outside.watchFile("envFile", snap.environment.envFile?.path);
    // ZenML's store sits below the config directory, which is watched without its subfolders.
    outside.watchFile("store", snap.resolution.looked.find((l) => l.role === "zenml-store" && l.exists)?.path);
  }, undefined, subs);
  // A safety net for changes no watcher reports (network drives, some editors): re-read on focus.
  vscode.window.onDidChangeWindowState((state) => state.focused && refresh(), undefined, subs);

  // Unsaved edits count: what the user sees is what is explained.
  vscode.workspace.onDidChangeTextDocument(
    (e) => {
      if (e.document.uri.scheme === "file" && isRelevant(e.document)) refresh();
    },
    undefined,
    subs,
  );
  vscode.workspace.onDidCloseTextDocument((d) => isRelevant(d) && refresh(), undefined, subs);
  vscode.window.onDidChangeActiveTextEditor(
    (editor) => {
      if (!model.isPinned && editor?.document.uri.scheme === "file") {
        const next = model.projectFor(editor.document.uri.fsPath);
        if (next && next.dir !== model.current?.project.dir) refresh();
      }
    },
    undefined,
    subs,
  );
  vscode.workspace.onDidChangeConfiguration(
    (e) => {
      if (RESOLUTION_SETTINGS.some((s) => e.affectsConfiguration(s))) refresh();
    },
    undefined,
    subs,
  );
  vscode.workspace.onDidChangeWorkspaceFolders(rediscover, undefined, subs);
}

function isRelevant(doc: vscode.TextDocument): boolean {
  return RELEVANT_NAMES.has(path.basename(doc.uri.fsPath)) || doc.languageId === "python" || path.basename(doc.uri.fsPath).startsWith(".env");
}

/** Watches a directory outside the workspace that may not exist yet, and one file. */
class OutsideWatchers implements vscode.Disposable {
  private dir: { path: string; watcher: vscode.Disposable } | undefined;
  private readonly files = new Map<string, { path: string; watcher: vscode.Disposable }>();

  constructor(
    private readonly logger: Logger,
    private readonly onChange: () => void,
  ) {}

  watchDirectory(dir: string): void {
    if (this.dir?.path === dir) return;
    this.dir?.watcher.dispose();
    this.dir = { path: dir, watcher: this.arm(dir) };
  }

  /** Watches one file per `slot` (the env file, ZenML's store); undefined stops watching. */
  watchFile(slot: string, file: string | undefined): void {
    const current = this.files.get(slot);
    if (current?.path === file) return;
    current?.watcher.dispose();
    this.files.delete(slot);
    if (!file) return;
    // Through the real directory, as for the config directory (symlinked folders).
    const dir = realDirectory(path.dirname(file)) ?? path.dirname(file);
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), path.basename(file)));
    const fire = () => this.onChange();
    watcher.onDidChange(fire);
    watcher.onDidCreate(fire);
    watcher.onDidDelete(fire);
    this.files.set(slot, { path: file, watcher });
  }

  private arm(dir: string): vscode.Disposable {
    const real = realDirectory(dir);
    if (real) {
      // Non-recursive "*": sees kitaru.yaml/config.yaml created, changed, deleted or renamed into place.
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(real), "*"));
      const fire = (uri: vscode.Uri) => {
        this.logger.debug(`Config directory changed: ${path.basename(uri.fsPath)}`);
        this.onChange();
      };
      watcher.onDidChange(fire);
      watcher.onDidCreate(fire);
      watcher.onDidDelete((uri) => {
        // The directory itself may have gone: re-arm on its parent.
        if (!realDirectory(dir)) this.rearm(dir);
        fire(uri);
      });
      this.logger.info(`Watching the config directory ${dir}${real !== dir ? ` (really ${real})` : ""}`);
      return watcher;
    }
    // Not there yet (Kitaru creates it on first write): wait for it in the nearest existing parent.
    let parent = path.dirname(dir);
    let name = path.basename(dir);
    while (!realDirectory(parent) && path.dirname(parent) !== parent) {
      name = `${path.basename(parent)}`;
      parent = path.dirname(parent);
    }
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(parent), name));
    watcher.onDidCreate(() => {
      this.rearm(dir);
      this.onChange();
    });
    this.logger.info(`The config directory ${dir} does not exist yet; waiting for it.`);
    return watcher;
  }

  private rearm(dir: string): void {
    if (this.dir?.path !== dir) return;
    this.dir.watcher.dispose();
    this.dir = { path: dir, watcher: this.arm(dir) };
  }

  dispose(): void {
    this.dir?.watcher.dispose();
    for (const { watcher } of this.files.values()) watcher.dispose();
    this.files.clear();
  }
}

function realDirectory(dir: string): string | undefined {
  try {
    const real = fs.realpathSync(dir);
    return fs.statSync(real).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}
