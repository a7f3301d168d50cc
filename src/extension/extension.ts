/**
 * Kitaru Configuration: activation wires the model (what is resolved), the
 * views (what is shown) and the watchers (when it is recomputed). Everything
 * created here is owned by `context.subscriptions`.
 */
import * as vscode from "vscode";
import { createLogger, showError, type Logger } from "./logger";
import { KitaruModel } from "./model";
import { SettingsTreeProvider, snapshotTree, type TreeRow } from "./tree";
import { registerWatchers } from "./watchers";
import { registerExplain, type ExplainProvider } from "./explain";
import { GitIgnoreStatus } from "./gitIgnore";
import { projectLabel } from "./present";
import { registerItemActions } from "./itemActions";
import { registerStatusBar } from "./statusBar";
import { registerKitaruCommands, type KitaruCliApi } from "./kitaruCommands";
import { registerPythonFeatures } from "./python/register";
import type { Snapshot } from "./model";
import { registerFileChecks } from "./fileChecks";

/** What the extension exports: used by its integration tests, stable enough for other extensions. */
export interface KitaruApi {
  /** The current resolution (values already masked). */
  current(): Snapshot | undefined;
  /** Recomputes now and returns the new snapshot. */
  refresh(): Promise<Snapshot | undefined>;
  /** The settings tree as plain rows, read through the tree provider. */
  treeSnapshot(depth?: number): Promise<TreeRow[]>;
  /** What the status bar item shows. */
  statusBar(): { text: string; tooltip: string; visible: boolean };
  /** Switch Stack / Log In / Log Out: their messages, prompts and processes (test hooks). */
  cli: KitaruCliApi;
  /** Resolves once the first resolution is done. */
  ready: Promise<void>;
}

export async function activate(context: vscode.ExtensionContext): Promise<KitaruApi> {
  const logger = createLogger(context);
  logger.info(`Kitaru Configuration ${context.extension.packageJSON.version} activating (VS Code ${vscode.version}).`);
  const model = new KitaruModel(logger);
  context.subscriptions.push(model);
  const git = new GitIgnoreStatus(logger);
  const tree = new SettingsTreeProvider(model, git);
  context.subscriptions.push(git, tree);
  const view = vscode.window.createTreeView("kitaru.settings", { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(view);
  model.onDidChange((snap) => describeView(view, snap), undefined, context.subscriptions);
  // Never show stale values: re-read when the view comes back into sight.
  view.onDidChangeVisibility((e) => e.visible && model.scheduleRefresh(0), undefined, context.subscriptions);

  registerCommands(context, model, logger);
  registerWatchers(context, model, logger);
  const explain = registerExplain(context, model);
  // Features register here: each owns its files and adds one line.
  const features: FeatureContext = { context, model, logger, tree, explain };
  const statusBar = registerStatusBar(features);
  registerItemActions(features);
  registerFileChecks(features);
  const cli = registerKitaruCommands(features);
  registerPythonFeatures(features);

  const ready = (async () => {
    try {
      await model.discoverProjects();
      model.refreshNow();
    } catch (error) {
      await showError(logger, `Kitaru: could not read the workspace configuration: ${(error as Error).message}`);
    }
  })();

  return {
    current: () => model.current,
    refresh: async () => {
      await ready;
      return model.refreshNow();
    },
    treeSnapshot: async (depth) => snapshotTree(tree, depth),
    statusBar: () => ({
      text: statusBar.text,
      tooltip: typeof statusBar.tooltip === "string" ? statusBar.tooltip : statusBar.tooltip?.value ?? "",
      visible: model.current !== undefined,
    }),
    cli,
    ready,
  };
}

/** What a feature module receives to register itself. */
export interface FeatureContext {
  context: vscode.ExtensionContext;
  model: KitaruModel;
  logger: Logger;
  tree: SettingsTreeProvider;
  explain: ExplainProvider;
}

function describeView(view: vscode.TreeView<unknown>, snap: Snapshot | undefined): void {
  if (!snap) {
    view.description = undefined;
    view.message = "Open a folder with a Kitaru project to see its configuration.";
    return;
  }
  view.description = projectLabel(snap.project);
  view.message = `Explaining ${snap.environment.description}.`;
}

function registerCommands(context: vscode.ExtensionContext, model: KitaruModel, logger: Logger): void {
  const register = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register("kitaru.refresh", async () => {
    await model.discoverProjects();
    model.refreshNow();
  });

  register("kitaru.openOrigin", async (uri?: vscode.Uri, line?: number, column?: number) => {
    if (!(uri instanceof vscode.Uri)) return;
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      const pos = new vscode.Position(Math.max(0, (line ?? 1) - 1), Math.max(0, (column ?? 1) - 1));
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true });
    } catch (error) {
      await showError(logger, `Kitaru: cannot open ${uri.fsPath}: ${(error as Error).message}`);
    }
  });

  register("kitaru.selectProject", async (dir?: string) => {
    await model.discoverProjects();
    if (typeof dir === "string") {
      // Programmatic selection (tests, other extensions): a project directory, or "" to follow the editor.
      model.pin(dir ? model.knownProjects.find((p) => p.dir === dir) ?? model.projectFor(dir) : undefined);
      return;
    }
    type Pick = vscode.QuickPickItem & { project?: (typeof model.knownProjects)[number] };
    const active = model.current?.project;
    const items: Pick[] = [
      { label: "$(file) Follow the active editor", description: "explain the project of the file being edited", project: undefined },
      ...model.knownProjects.map((project) => ({
        label: `${project === active ? "$(check) " : ""}${vscode.workspace.asRelativePath(project.pyproject ?? project.dir, true)}`,
        description: project.pyproject ? undefined : "workspace folder, no pyproject.toml",
        project,
      })),
    ];
    const pick = await vscode.window.showQuickPick(items, { title: "Kitaru: Select Project", placeHolder: "Which project's configuration to explain" });
    if (pick) model.pin(pick.project);
  });

  register("kitaru.showLogs", () => logger.show(true));
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
