/**
 * Kitaru Configuration: activation wires the model (what is resolved), the
 * views (what is shown) and the watchers (when it is recomputed). Everything
 * created here is owned by `context.subscriptions`.
 */
import * as path from "node:path";
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
import { registerEnvDiagnostics } from "./envDiagnostics";
import { defaultStackNameCacheFile, StackNameReader } from "../core/sqliteStacks";
import { KnownStacks } from "./knownStacks";

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
  /** The view's header: its message and description; `welcome` while nothing in the workspace is Kitaru's. */
  view(): { message: string | undefined; description: string | undefined; welcome: boolean };
  /** Switch Stack / Log In / Log Out: their messages, prompts and processes (test hooks). */
  cli: KitaruCliApi;
  /** What Copy Value / Copy as … copied last (a headless browser's clipboard cannot be read back). */
  lastCopied(): { text: string; what: string } | undefined;
  /** Files the resolution read from disk, and reads skipped because the file was unchanged (since activation). */
  fileReads(): { read: number; unchanged: number; missing: number };
  /** Resolves once the first resolution is done. */
  ready: Promise<void>;
}

/** When the bundle's top-level code started (esbuild.mjs's banner) and ended: its cost at load. */
declare const __kitaruBundleStarted: number | undefined;
const bundleEvaluated = performance.now();
const topLevelMs = typeof __kitaruBundleStarted === "number" ? bundleEvaluated - __kitaruBundleStarted : undefined;

export async function activate(context: vscode.ExtensionContext): Promise<KitaruApi> {
  const activateStarted = performance.now();
  const logger = createLogger(context);
  logger.info(`Kitaru Configuration ${context.extension.packageJSON.version} activating (VS Code ${vscode.version}).`);
  const model = new KitaruModel(logger);
  context.subscriptions.push(model);
  const git = new GitIgnoreStatus(logger);
  // Stack names the kitaru CLI reported (Switch Stack), for ids the core could not name.
  const stacks = new KnownStacks();
  const tree = new SettingsTreeProvider(model, git, stacks);
  context.subscriptions.push(git, stacks, tree);
  const view = vscode.window.createTreeView("kitaru.settings", { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(view);
  model.onDidChange((snap) => describeView(view, snap, model.kitaruRelated), undefined, context.subscriptions);
  // The welcome (package.json viewsWelcome) shows while nothing in the workspace is Kitaru's.
  const setNoProject = (related: boolean) => void vscode.commands.executeCommand("setContext", "kitaru.noProject", !related);
  model.onDidChangeRelated((related) => {
    setNoProject(related);
    model.scheduleRefresh(0);
  }, undefined, context.subscriptions);
  // Never show stale values: re-read when the view comes back into sight.
  view.onDidChangeVisibility((e) => e.visible && model.scheduleRefresh(0), undefined, context.subscriptions);

  registerCommands(context, model, logger);
  registerWelcomeCommands(context, model, logger);
  registerWatchers(context, model, logger);
  const explain = registerExplain(context, model);
  // Features register here: each owns its files and adds one line.
  const features: FeatureContext = { context, model, logger, tree, explain, stacks };
  const statusBar = registerStatusBar(features);
  const itemActions = registerItemActions(features);
  registerFileChecks(features);
  registerEnvDiagnostics(features, git);
  const cli = registerKitaruCommands(features);
  registerPythonFeatures(features);

  // Stack names: from the cache while a store is unchanged; otherwise sql.js reads the store in
  // the background and the view refreshes (the id shows meanwhile).
  const stackNames = new StackNameReader(path.join(context.extensionPath, "dist"), defaultStackNameCacheFile());
  const reading = new Map<string, Promise<void>>();
  model.useStackNames((file) => {
    const known = stackNames.lookup(file);
    if (known) return known;
    // One read at a time per store; a later change of the store starts another.
    if (!reading.has(file)) {
      reading.set(
        file,
        stackNames
          .read(file)
          .then((names) => {
            if ("error" in names) logger.warn(`ZenML's local store ${file} ${names.error}: stack ids are shown instead of names.`);
          })
          .finally(() => {
            reading.delete(file);
            model.scheduleRefresh(0);
          }),
      );
    }
    return { error: "being read" };
  });

  // Everything is registered: the parsers and the first resolution come after, off this call.
  logger.info(`Activated in ${(performance.now() - activateStarted).toFixed(1)} ms${topLevelMs !== undefined ? ` (the bundle's top level ran in ${topLevelMs.toFixed(1)} ms)` : ""}.`);

  const ready = (async () => {
    try {
      await model.discoverProjects();
      model.refreshNow();
      if (reading.size) {
        await Promise.all(reading.values());
        model.refreshNow();
      }
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
    view: () => ({ message: view.message, description: view.description, welcome: !model.kitaruRelated }),
    cli,
    lastCopied: () => itemActions.lastCopied(),
    fileReads: () => ({ ...model.files.counts }),
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
  /** Stack names the kitaru CLI reported, for persisted ids the core could not name. */
  stacks: KnownStacks;
}

function describeView(view: vscode.TreeView<unknown>, snap: Snapshot | undefined, related: boolean): void {
  if (!snap) {
    view.description = undefined;
    // The welcome content says it when nothing is Kitaru's; a message would only repeat it.
    view.message = related && vscode.workspace.workspaceFolders?.length ? "Open a folder with a Kitaru project to see its configuration." : undefined;
    return;
  }
  view.description = projectLabel(snap.project);
  const envFile = snap.environment.envFile;
  const missing = envFile?.missing ? ` ⚠ kitaru.envFile ${envFile.setting} does not exist.` : envFile?.error ? ` ⚠ kitaru.envFile ${envFile.setting} cannot be read.` : "";
  view.message = `Explaining ${snap.environment.description}.${missing}`;
}

const PYPROJECT_TEMPLATE = `[tool.kitaru]
# Project defaults for every flow run from this folder (Kitaru reads the nearest
# pyproject.toml). Environment variables, kitaru.configure(), @flow(...) and
# .run(...) override them; see the Kitaru view for what wins.
# stack = "my-remote-stack"
# cache = false
# retries = 2
#
# [tool.kitaru.image]
# base_image = "python:3.12-slim"
# secret_environment_from = ["openai-creds"]
`;

/** The welcome's actions: the guide to [tool.kitaru], and adding it to a pyproject.toml. */
function registerWelcomeCommands(context: vscode.ExtensionContext, model: KitaruModel, logger: Logger): void {
  context.subscriptions.push(
    vscode.commands.registerCommand("kitaru.openDocs", async () => {
      const guide = vscode.Uri.joinPath(context.extensionUri, "media", "tool-kitaru.md");
      try {
        await vscode.commands.executeCommand("markdown.showPreview", guide);
      } catch {
        await vscode.window.showTextDocument(guide, { preview: true });
      }
    }),
    vscode.commands.registerCommand("kitaru.createProjectConfig", async (folderArg?: unknown) => {
      const folders = vscode.workspace.workspaceFolders ?? [];
      const folder = folderArg instanceof vscode.Uri ? vscode.workspace.getWorkspaceFolder(folderArg) : folders.length > 1 ? await vscode.window.showWorkspaceFolderPick({ placeHolder: "Which folder's pyproject.toml gets [tool.kitaru]" }) : folders[0];
      if (!folder) return undefined;
      const file = vscode.Uri.joinPath(folder.uri, "pyproject.toml");
      const edit = new vscode.WorkspaceEdit();
      let existing: string | undefined;
      try {
        existing = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
      } catch {
        existing = undefined;
      }
      if (existing !== undefined && /^\s*\[tool\.kitaru[\].]|^\s*tool\.kitaru\./m.test(existing)) {
        await vscode.window.showTextDocument(file);
        return file;
      }
      if (existing === undefined) {
        edit.createFile(file, { ignoreIfExists: true });
        edit.insert(file, new vscode.Position(0, 0), PYPROJECT_TEMPLATE);
      } else {
        const doc = await vscode.workspace.openTextDocument(file);
        const end = doc.lineAt(doc.lineCount - 1).range.end;
        edit.insert(file, end, `${existing.endsWith("\n") || existing === "" ? "" : "\n"}\n${PYPROJECT_TEMPLATE}`);
      }
      if (!(await vscode.workspace.applyEdit(edit))) {
        await showError(logger, `Kitaru: could not write ${file.fsPath}.`);
        return undefined;
      }
      const doc = await vscode.workspace.openTextDocument(file);
      await doc.save();
      await vscode.window.showTextDocument(doc);
      logger.info(`Added [tool.kitaru] to ${vscode.workspace.asRelativePath(file)}.`);
      await model.discoverProjects();
      model.refreshNow();
      return file;
    }),
  );
}

function registerCommands(context: vscode.ExtensionContext, model: KitaruModel, logger: Logger): void {
  const register = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register("kitaru.refresh", async () => {
    // Read every file again, whatever its modification time says.
    model.files.clear();
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
