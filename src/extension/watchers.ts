/**
 * Keeps the model true as files, settings and editors change: every event
 * schedules one debounced recomputation.
 */
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
  const python = vscode.workspace.createFileSystemWatcher("**/*.py");
  python.onDidChange(refresh, undefined, subs);
  python.onDidCreate(refresh, undefined, subs);
  python.onDidDelete(refresh, undefined, subs);
  subs.push(python);

  // The config directory usually lives outside the workspace; it may not exist yet.
  let configDirWatcher: vscode.Disposable | undefined;
  let watchedDir: string | undefined;
  const watchConfigDir = () => {
    const dir = model.current?.resolution.configDir.path;
    if (!dir || dir === watchedDir) return;
    configDirWatcher?.dispose();
    watchedDir = dir;
    // Watch the parent so that creating the directory itself is seen too.
    const parent = path.dirname(dir);
    const name = path.basename(dir);
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(parent), `${name}/{kitaru.yaml,config.yaml,credentials.yaml,}`));
    const onEvent = (uri: vscode.Uri) => {
      logger.debug(`Config directory changed: ${uri.fsPath}`);
      refresh();
    };
    watcher.onDidChange(onEvent);
    watcher.onDidCreate(onEvent);
    watcher.onDidDelete(onEvent);
    configDirWatcher = watcher;
    logger.info(`Watching the config directory ${dir}`);
  };
  model.onDidChange(watchConfigDir, undefined, subs);
  subs.push({ dispose: () => configDirWatcher?.dispose() });

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
