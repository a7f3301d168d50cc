/**
 * The effective-configuration tree: settings grouped as Kitaru documents them,
 * each with its value and winning layer, expandable to the whole chain of
 * layers that set it (like the Settings editor's "Also modified in").
 */
import * as path from "node:path";
import * as vscode from "vscode";
import type { LookedAt } from "../core/persisted";
import type { Problem } from "../core/problems";
import type { Candidate, Setting } from "../core/resolve";
import { copyForms } from "../core/copyAs";
import type { KnownStack } from "../core/kitaruCli";
import { secretUse, type SecretStatus } from "../core/secretStatus";
import { groupOf, settingInfo, SOURCE_SHORT, type Group } from "../core/settingsInfo";
import { leakProblems } from "./envDiagnostics";
import type { GitIgnoreStatus } from "./gitIgnore";
import type { KnownStacks } from "./knownStacks";
import type { KitaruModel, Snapshot } from "./model";
import { describeOrigin, displayValue, md, mdCode, originLocation, shortPath, SOURCE_ICONS, sourceLabel, truncate } from "./present";

const SETTING_GROUPS: Group[] = ["Execution", "Image", "Connection", "LLM", "Log store", "Housekeeping", "Checkpoints"];

/** A node another feature adds to the tree (e.g. the Flows group), already rendered. */
export interface ContributedNode {
  item: vscode.TreeItem;
  children?: () => ContributedNode[];
}

/** A top-level group another feature owns; shown after the settings groups. */
export interface TreeGroupContributor {
  id: string;
  label: string;
  roots(): ContributedNode[];
  description?(): string | undefined;
  /** Fired when the group's content changes. */
  onDidChange?: vscode.Event<void>;
}

type Node =
  | { kind: "group"; group: Group | "Problems" | "Secrets" | "Files"; id: string }
  | { kind: "contributed-group"; contributor: TreeGroupContributor }
  | { kind: "contributed"; node: ContributedNode }
  | { kind: "setting"; setting: Setting }
  | { kind: "layer"; setting: Setting; candidate: Candidate; index: number }
  | { kind: "problem"; problem: Problem; index: number }
  | { kind: "file"; looked: LookedAt; index: number }
  | { kind: "env-file"; path: string; setting: string; state: "used" | "absent" | "unreadable"; detail: string }
  | { kind: "secret"; secret: SecretStatus; index: number }
  | { kind: "message"; id: string; label: string; tooltip?: string };

export class SettingsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly contributors: TreeGroupContributor[] = [];

  constructor(
    private readonly model: KitaruModel,
    private readonly git?: GitIgnoreStatus,
    private readonly stacks?: KnownStacks,
  ) {
    model.onDidChange(() => this.changed.fire(undefined), this, this.subscriptions);
    stacks?.onDidChange(() => this.changed.fire(undefined), this, this.subscriptions);
    if (git) {
      git.onDidChange(() => this.changed.fire(undefined), this, this.subscriptions);
      model.onDidChange((snap) => void git.check((snap?.resolution.secrets ?? []).flatMap((s) => (s.plainTextInWorkspace && s.origin?.file ? [s.origin.file] : []))), this, this.subscriptions);
    }
  }

  /** A clear-text secret in a workspace file that git does not ignore (or whose status is unknown). */
  private leaked(s: SecretStatus): boolean {
    if (!s.plainTextInWorkspace) return false;
    const file = s.origin?.file;
    return !file || this.git?.ignored(file) !== true;
  }

  /**
   * The Problems group's rows: the resolution's problems, and a warning for each
   * clear-text secret in a likely-committed env or settings file. The status bar
   * counts these, so both always agree.
   */
  problems(snap: Snapshot): Problem[] {
    const leaks = leakProblems(snap, (f) => this.git?.ignored(f));
    if (!leaks.length) return snap.resolution.problems;
    const rank = { error: 0, warning: 1, info: 2 } as const;
    return [...snap.resolution.problems, ...leaks].map((p, i) => ({ p, i })).sort((a, b) => rank[a.p.severity] - rank[b.p.severity] || a.i - b.i).map(({ p }) => p);
  }

  addGroup(contributor: TreeGroupContributor): vscode.Disposable {
    this.contributors.push(contributor);
    const sub = contributor.onDidChange?.(() => this.changed.fire(undefined));
    this.changed.fire(undefined);
    return {
      dispose: () => {
        sub?.dispose();
        this.contributors.splice(this.contributors.indexOf(contributor), 1);
        this.changed.fire(undefined);
      },
    };
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    const snap = this.model.current;
    if (!snap) return [];
    const r = snap.resolution;
    if (!node) {
      const roots: Node[] = [];
      if (this.problems(snap).some((p) => p.severity !== "info")) roots.push({ kind: "group", group: "Problems", id: "group:Problems" });
      const present = new Set(Object.values(r.settings).map((s) => groupOf(s.key)));
      for (const g of SETTING_GROUPS) if (present.has(g)) roots.push({ kind: "group", group: g, id: `group:${g}` });
      for (const contributor of this.contributors) roots.push({ kind: "contributed-group", contributor });
      roots.push({ kind: "group", group: "Secrets", id: "group:Secrets" });
      roots.push({ kind: "group", group: "Files", id: "group:Files" });
      return roots;
    }
    switch (node.kind) {
      case "group":
        if (node.group === "Problems") return this.problems(snap).map((problem, index) => ({ kind: "problem", problem, index }));
        if (node.group === "Files") {
          const files: Node[] = r.looked.map((looked, index) => ({ kind: "file", looked, index }));
          const envFile = snap.environment.envFile;
          if (envFile) files.push({ kind: "env-file", path: envFile.path, setting: envFile.setting, state: envFile.missing ? "absent" : envFile.error ? "unreadable" : "used", detail: envFile.missing ? "kitaru.envFile names it, but it does not exist: none of its variables are explained" : envFile.error ? `kitaru.envFile names it, but it cannot be read (${envFile.error})` : `kitaru.envFile: ${envFile.variables ?? 0} variable${envFile.variables === 1 ? "" : "s"} added to the explained environment` });
          return files;
        }
        if (node.group === "Secrets") {
          if (!r.secrets.length) return [{ kind: "message", id: "secrets:none", label: "No secrets set", tooltip: "No auth token, API key, secret-looking image variable or secret reference is set in any layer." }];
          return r.secrets.map((secret, index) => ({ kind: "secret", secret, index }));
        }
        return Object.values(r.settings)
          .filter((s) => groupOf(s.key) === node.group)
          .map((setting) => ({ kind: "setting", setting }));
      case "setting":
        return [node.setting, ...node.setting.overridden].map((candidate, index) => ({ kind: "layer", setting: node.setting, candidate, index }));
      case "contributed-group":
        return node.contributor.roots().map((n) => ({ kind: "contributed", node: n }));
      case "contributed":
        return (node.node.children?.() ?? []).map((n) => ({ kind: "contributed", node: n }));
      default:
        return [];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const snap = this.model.current;
    const base = snap?.project.folder.uri.fsPath;
    switch (node.kind) {
      case "group":
        return groupItem(node, snap, (s) => this.leaked(s), snap ? this.problems(snap) : []);
      case "contributed-group": {
        const item = new vscode.TreeItem(node.contributor.label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${node.contributor.id}`;
        item.contextValue = `group.${node.contributor.id}`;
        const description = node.contributor.description?.();
        if (description) item.description = description;
        return item;
      }
      case "contributed":
        return node.node.item;
      case "setting":
        return settingItem(node.setting, base, this.stackNamer(snap));
      case "layer":
        return layerItem(node.setting, node.candidate, node.index, base, this.stackNamer(snap));
      case "problem":
        return problemItem(node.problem, node.index, base);
      case "file":
        return fileItem(node.looked, node.index, base);
      case "env-file":
        return envFileItem(node, base);
      case "secret":
        return secretItem(node.secret, node.index, base, this.leaked(node.secret));
      case "message": {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        if (node.tooltip) item.tooltip = node.tooltip;
        item.iconPath = new vscode.ThemeIcon("info");
        return item;
      }
    }
  }

  /** Names kitaru reported for persisted stack ids the core could not name (this config directory's). */
  private stackNamer(snap: Snapshot | undefined): StackNamer {
    const stacks = this.stacks;
    const configDir = snap?.resolution.configDir.path;
    return (c) => (stacks && configDir && c.key === "stack" ? stacks.nameFor(c.candidate, configDir) : undefined);
  }

  dispose(): void {
    this.changed.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}

/** A stack candidate's name from the kitaru CLI, when it holds an id the core could not name. */
type StackNamer = (c: { key: string; candidate: Pick<Candidate, "value" | "source"> }) => KnownStack | undefined;

/** `gpu` for a persisted id kitaru named, else the value as the core gives it. */
function shownValue(key: string, c: Candidate, named: StackNamer): { text: string; named?: KnownStack } {
  const hit = named({ key, candidate: c });
  return hit ? { text: hit.name, named: hit } : { text: displayValue(c) };
}

/** "named by kitaru stack use": the label of a name the core did not find itself. */
function namedLabel(hit: KnownStack): string {
  return `named by ${hit.via}`;
}

function namedNote(hit: KnownStack, id: string): string {
  return `The name \`${hit.via}\` reported for stack id ${mdCode(id)}: ZenML's local store does not hold this stack (a remote server's stacks stay on the server), so the configuration files give only its id.`;
}

function groupItem(node: Extract<Node, { kind: "group" }>, snap: Snapshot | undefined, leaked: (s: SecretStatus) => boolean, problems: Problem[]): vscode.TreeItem {
  const r = snap?.resolution;
  const collapsed = node.group === "Files" || node.group === "Housekeeping" ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded;
  const item = new vscode.TreeItem(node.group, collapsed);
  item.id = node.id;
  item.contextValue = `group.${node.group}`;
  if (node.group === "Problems" && r) {
    const errors = problems.filter((p) => p.severity === "error").length;
    const warnings = problems.filter((p) => p.severity === "warning").length;
    item.description = [errors && `${errors} error${errors > 1 ? "s" : ""}`, warnings && `${warnings} warning${warnings > 1 ? "s" : ""}`].filter(Boolean).join(", ");
    item.iconPath = new vscode.ThemeIcon(errors ? "error" : "warning", new vscode.ThemeColor(errors ? "problemsErrorIcon.foreground" : "problemsWarningIcon.foreground"));
  } else if (node.group === "Secrets" && r) {
    const exposed = r.secrets.filter(leaked).length;
    const values = r.secrets.filter((s) => s.kind === "value").length;
    const refs = r.secrets.length - values;
    const parts = [values ? `${values} set, all masked` : "no secret values", refs ? `${refs} reference${refs > 1 ? "s" : ""}` : ""].filter(Boolean);
    item.description = `${parts.join(", ")}${exposed ? `; ${exposed} in plain text in a file git does not ignore (likely committed)` : ""}`;
    item.iconPath = new vscode.ThemeIcon(exposed ? "warning" : "lock", exposed ? new vscode.ThemeColor("problemsWarningIcon.foreground") : undefined);
  } else if (node.group === "Files" && r) {
    item.description = `config dir: ${shortPath(r.configDir.path, snap?.project.folder.uri.fsPath)}`;
    item.iconPath = new vscode.ThemeIcon("files");
  }
  return item;
}

function settingItem(s: Setting, base: string | undefined, named: StackNamer): vscode.TreeItem {
  const item = new vscode.TreeItem(shortKey(s.key), s.overridden.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `setting:${s.key}`;
  const shown = shownValue(s.key, s, named);
  item.description = `${shown.text}  ·  ${SOURCE_SHORT[s.source]}${s.masked ? "  ·  masked" : ""}${shown.named ? `  ·  ${namedLabel(shown.named)}` : ""}`;
  item.iconPath = new vscode.ThemeIcon(s.masked ? "lock" : SOURCE_ICONS[s.source], s.source === "default" ? new vscode.ThemeColor("disabledForeground") : undefined);
  item.tooltip = settingTooltip(s, base, named);
  const location = originLocation(s.origin);
  // Menus match these words (package.json `viewItem =~`): "Copy as" only where the form exists.
  const forms = copyForms(s);
  item.contextValue = ["setting", s.key === "stack" ? "key.stack" : "", location ? "hasOrigin" : "", s.masked ? "secret" : "", s.value !== null && !s.masked ? "hasValue" : "", forms.toml ? "canToml" : "", forms.export ? "canExport" : ""].filter(Boolean).join(".");
  if (location) item.command = { command: "kitaru.openOrigin", title: "Open Where It Is Set", arguments: [location.uri, location.line, location.column] };
  item.accessibilityInformation = { label: `${s.key} is ${shown.text}${shown.named ? ` (${namedLabel(shown.named)})` : ""}, from ${sourceLabel(s.source)}${s.overridden.length ? `, overriding ${s.overridden.length} lower layer${s.overridden.length > 1 ? "s" : ""}` : ""}` };
  return item;
}

function layerItem(s: Setting, c: Candidate, index: number, base: string | undefined, named: StackNamer): vscode.TreeItem {
  const winner = index === 0;
  const item = new vscode.TreeItem(sourceLabel(c.source), vscode.TreeItemCollapsibleState.None);
  item.id = `setting:${s.key}:layer:${index}`;
  const where = describeOrigin(c.origin, base);
  const shown = shownValue(s.key, c, named);
  item.description = `${winner ? "" : "overridden: "}${shown.text}${shown.named ? ` (${namedLabel(shown.named)})` : ""}${where ? `  ·  ${where}` : ""}`;
  item.iconPath = winner ? new vscode.ThemeIcon("pass-filled", new vscode.ThemeColor("testing.iconPassed")) : new vscode.ThemeIcon("circle-slash", new vscode.ThemeColor("disabledForeground"));
  item.tooltip = new vscode.MarkdownString(`${winner ? "**Wins**" : "*Overridden*"} — ${md(sourceLabel(c.source))}: ${mdCode(shown.text)}${shown.named ? ` *(${namedLabel(shown.named)})*\n\n${namedNote(shown.named, String(c.value))}` : ""}${where ? `\n\n${md(where)}` : ""}${c.note ? `\n\n${md(c.note)}` : ""}`);
  const location = originLocation(c.origin);
  item.contextValue = location ? "layer.hasOrigin" : "layer";
  if (location) item.command = { command: "kitaru.openOrigin", title: "Open Where It Is Set", arguments: [location.uri, location.line, location.column] };
  return item;
}

export function settingTooltip(s: Setting, base: string | undefined, named: StackNamer = () => undefined): vscode.MarkdownString {
  const info = settingInfo(s.key);
  const shown = shownValue(s.key, s, named);
  const lines = [`**${md(s.key)}** = ${mdCode(shown.text)}${s.masked ? " *(masked)*" : ""}${shown.named ? ` *(${namedLabel(shown.named)})*` : ""}`, ""];
  if (shown.named) lines.push(namedNote(shown.named, String(s.value)), "");
  const where = describeOrigin(s.origin, base);
  lines.push(`Set by **${md(sourceLabel(s.source))}**${where ? ` — ${md(where)}` : ""}`);
  if (s.note) lines.push("", `*${md(s.note)}*`);
  if (s.overridden.length) {
    lines.push("", "Overrides:");
    for (const o of s.overridden) lines.push(`- ~~${md(shownValue(s.key, o, named).text)}~~ — ${md(sourceLabel(o.source))}${o.origin ? ` (${md(describeOrigin(o.origin, base))})` : ""}`);
  }
  if (info) lines.push("", "---", md(info.description), "", `*Type:* ${md(info.type)}${info.env ? ` · *Variable:* \`${info.env}\`` : ""}`);
  const tip = new vscode.MarkdownString(lines.join("\n"));
  tip.supportThemeIcons = false;
  return tip;
}

function problemItem(p: Problem, index: number, base: string | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(truncate(p.message, 90), vscode.TreeItemCollapsibleState.None);
  item.id = `problem:${index}:${p.code}`;
  const icon = p.severity === "error" ? "error" : p.severity === "warning" ? "warning" : "info";
  const color = p.severity === "error" ? "problemsErrorIcon.foreground" : p.severity === "warning" ? "problemsWarningIcon.foreground" : "problemsInfoIcon.foreground";
  item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
  item.description = p.file ? `${shortPath(p.file, base)}${p.span ? `:${p.span.start.line}` : ""}` : p.env ? `$${p.env}` : "";
  item.tooltip = new vscode.MarkdownString(`**${p.severity}** \`${p.code}\`\n\n${md(p.message)}`);
  item.contextValue = p.file ? "problem.hasOrigin" : "problem";
  if (p.file) item.command = { command: "kitaru.openOrigin", title: "Open", arguments: [vscode.Uri.file(p.file), p.span?.start.line ?? 1, p.span?.start.column ?? 1] };
  else if (p.code === "env-file-missing") {
    item.description = "kitaru.envFile";
    item.command = { command: "workbench.action.openSettings", title: "Open Settings", arguments: ["kitaru.envFile"] };
  }
  return item;
}

const ROLE_LABELS: Record<LookedAt["role"], string> = {
  pyproject: "pyproject.toml",
  "config-dir": "Config directory",
  "kitaru.yaml": "kitaru.yaml",
  "config.yaml": "config.yaml (ZenML)",
  "credentials.yaml": "credentials.yaml",
  "zenml-store": "ZenML store (zenml.db)",
  repository: "Repository .kitaru/",
  python: "Python module",
};

function fileItem(f: LookedAt, index: number, base: string | undefined): vscode.TreeItem {
  const label = f.role === "python" ? path.basename(f.path) : ROLE_LABELS[f.role];
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  item.id = `file:${index}:${f.path}`;
  const state = f.used ? "used" : f.exists ? "skipped" : "absent";
  item.description = `${state}  ·  ${shortPath(f.path, base)}`;
  item.iconPath = new vscode.ThemeIcon(f.used ? "check" : f.exists ? "debug-step-over" : "circle-outline", f.used ? undefined : new vscode.ThemeColor("disabledForeground"));
  item.tooltip = new vscode.MarkdownString(`**${md(label)}** — ${state}\n\n${mdCode(f.path)}\n\n${md(f.note)}`);
  // credentials.yaml holds tokens in clear, zenml.db is a binary database: never opened from here.
  const openable = f.exists && f.role !== "config-dir" && f.role !== "credentials.yaml" && f.role !== "zenml-store";
  item.contextValue = openable ? "file.hasOrigin" : "file";
  if (openable) item.command = { command: "kitaru.openOrigin", title: "Open", arguments: [vscode.Uri.file(f.path), 1, 1] };
  return item;
}

function envFileItem(node: Extract<Node, { kind: "env-file" }>, base: string | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem("Env file (kitaru.envFile)", vscode.TreeItemCollapsibleState.None);
  item.id = `file:env:${node.path}`;
  item.description = `${node.state}  ·  ${shortPath(node.path, base)}`;
  const used = node.state === "used";
  item.iconPath = new vscode.ThemeIcon(used ? "check" : "warning", used ? undefined : new vscode.ThemeColor("problemsWarningIcon.foreground"));
  item.tooltip = new vscode.MarkdownString(`**Env file** — ${node.state}\n\n${mdCode(node.path)} (kitaru.envFile = ${mdCode(node.setting)})\n\n${md(node.detail)}`);
  item.contextValue = used ? "file.hasOrigin" : "file";
  item.command = used ? { command: "kitaru.openOrigin", title: "Open", arguments: [vscode.Uri.file(node.path), 1, 1] } : { command: "workbench.action.openSettings", title: "Open Settings", arguments: ["kitaru.envFile"] };
  return item;
}

const LOCATION_WORDS: Record<SecretStatus["location"], string> = {
  environment: "environment",
  setting: "user settings",
  "workspace-file": "workspace file",
  "config-dir": "config directory",
  file: "file",
};

const LOCATION_PHRASES: Record<SecretStatus["location"], string> = {
  environment: "VS Code's environment",
  setting: "your user settings (kitaru.environment)",
  "workspace-file": "a file inside the workspace",
  "config-dir": "the config directory",
  file: "a file outside the workspace",
};

function secretItem(s: SecretStatus, index: number, base: string | undefined, leaked: boolean): vscode.TreeItem {
  const item = new vscode.TreeItem(s.name, vscode.TreeItemCollapsibleState.None);
  item.id = `secret:${index}:${s.name}`;
  const where = LOCATION_WORDS[s.location];
  item.description = s.kind === "reference" ? `secret reference: ${s.display}  ·  ${describeOrigin(s.origin, base)}` : `${s.display}  ·  ${where}${secretUse(s)}  ·  ${describeOrigin(s.origin, base)}`;
  const warn = leaked;
  if (s.plainTextInWorkspace && !leaked) item.description += "  ·  ignored by git";
  item.iconPath = new vscode.ThemeIcon(warn ? "warning" : s.kind === "reference" ? "key" : "lock", warn ? new vscode.ThemeColor("problemsWarningIcon.foreground") : undefined);
  item.tooltip = new vscode.MarkdownString(
    s.kind === "reference"
      ? `**${md(s.name)}** refers to the secret ${mdCode(s.display)}; its value is resolved at run time and never stored here.`
      : `**${md(s.name)}** is set (${md(s.display)}) in ${md(LOCATION_PHRASES[s.location])}${s.origin ? ` — ${md(describeOrigin(s.origin, base))}` : ""}.${s.unused ? ` Not used: ${md(s.unused)}.` : s.effective ? "" : " A higher layer overrides it."} It is masked in this view, hovers, logs and the CLI.${warn ? "\n\n$(warning) It sits in plain text in a file inside the workspace that git does not ignore, so it is likely committed. Move it to an environment variable set outside the workspace (KITARU_AUTH_TOKEN, KITARU_LOG_STORE_API_KEY), a git-ignored env file, or a secret (secret_environment_from), and rotate it." : s.plainTextInWorkspace ? "\n\nThe file is ignored by git." : ""}`,
  );
  item.tooltip.supportThemeIcons = true;
  const location = originLocation(s.origin);
  item.contextValue = location ? "secret.hasOrigin" : "secret";
  if (location) item.command = { command: "kitaru.openOrigin", title: "Open", arguments: [location.uri, location.line, location.column] };
  return item;
}

function shortKey(key: string): string {
  if (key.startsWith("image.")) return key.slice("image.".length);
  if (key.startsWith("log_store.")) return key.slice("log_store.".length);
  if (key.startsWith("checkpoint.")) return key.slice("checkpoint.".length).replace(/\.cache$/, "");
  return key;
}

/** A plain snapshot of the visible tree, for tests and the explain view. */
export interface TreeRow {
  id: string;
  label: string;
  description: string;
  tooltip: string;
  contextValue: string;
  /** The command a click runs, and its arguments (URIs as paths). */
  command?: { command: string; arguments: unknown[] };
  children: TreeRow[];
}

export async function snapshotTree(provider: SettingsTreeProvider, depth = 3): Promise<TreeRow[]> {
  const walk = async (node: Node | undefined, level: number): Promise<TreeRow[]> => {
    const children = await provider.getChildren(node);
    const rows: TreeRow[] = [];
    for (const child of children) {
      const item = provider.getTreeItem(child);
      const label = typeof item.label === "string" ? item.label : item.label?.label ?? "";
      const tooltip = typeof item.tooltip === "string" ? item.tooltip : item.tooltip?.value ?? "";
      const command = item.command ? { command: item.command.command, arguments: (item.command.arguments ?? []).map((a: unknown) => (a instanceof vscode.Uri ? a.fsPath : a)) } : undefined;
      rows.push({ id: item.id ?? "", label, description: typeof item.description === "string" ? item.description : "", tooltip, contextValue: item.contextValue ?? "", ...(command ? { command } : {}), children: level < depth ? await walk(child, level + 1) : [] });
    }
    return rows;
  };
  return walk(undefined, 1);
}
