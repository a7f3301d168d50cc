/**
 * One status bar item: the effective stack and connection, coloured when
 * something needs attention; its tooltip lists the winning layers.
 */
import * as vscode from "vscode";
import type { Snapshot } from "./model";
import type { FeatureContext } from "./extension";
import { isStackId, shortStackId, type KnownStack } from "../core/kitaruCli";
import type { Problem } from "../core/problems";
import type { KnownStacks } from "./knownStacks";
import { describeOrigin, displayValue, md, mdCode, projectLabel, sourceLabel } from "./present";

export function registerStatusBar({ context, model, tree, stacks }: FeatureContext): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem("kitaru.status", vscode.StatusBarAlignment.Left, 50);
  item.name = "Kitaru";
  context.subscriptions.push(item);
  const update = () => render(item, model.current, { problems: (snap) => tree.problems(snap), stacks });
  model.onDidChange(update, undefined, context.subscriptions);
  // The tree's Problems group changes without a new resolution too (git's answer for a secret's file).
  tree.onDidChangeTreeData(update, undefined, context.subscriptions);
  stacks.onDidChange(update, undefined, context.subscriptions);
  // The stack switcher belongs to another feature; fall back to the tree when it is absent.
  context.subscriptions.push(
    vscode.commands.registerCommand("kitaru.statusBarClicked", async () => {
      const commands = await vscode.commands.getCommands(true);
      if (commands.includes("kitaru.switchStack")) await vscode.commands.executeCommand("kitaru.switchStack");
      else await vscode.commands.executeCommand("kitaru.settings.focus");
    }),
  );
  update();
  return item;
}

interface StatusSources {
  /** The problems the tree's Problems group lists (the resolution's, and secrets in likely-committed files). */
  problems(snap: Snapshot): readonly Problem[];
  stacks?: KnownStacks;
}

/** The stack as the status bar shows it: its name; for an id nobody could name, its first 8 characters. */
function stackShown(snap: Snapshot, stacks: KnownStacks | undefined): { text: string; named?: KnownStack; id?: string } {
  const stack = snap.resolution.settings.stack;
  if (!stack) return { text: "no stack" };
  if (stack.dynamic !== undefined) return { text: "dynamic" };
  if (stack.value === null) return { text: "no stack" };
  const named = stacks?.nameFor(stack, snap.resolution.configDir.path);
  if (named) return { text: named.name, named, id: String(stack.value) };
  if (isStackId(stack.value)) return { text: shortStackId(stack.value), id: stack.value };
  return { text: String(stack.value) };
}

export function statusText(snap: Snapshot, sources: StatusSources = { problems: (s) => s.resolution.problems }): { text: string; attention: "error" | "warning" | undefined } {
  const r = snap.resolution;
  const stackText = stackShown(snap, sources.stacks).text;
  const server = r.settings.server_url;
  const connection = typeof server?.value === "string" ? hostOf(server.value) : "local";
  const problems = sources.problems(snap);
  const errors = problems.filter((p) => p.severity === "error").length;
  const attention = errors ? "error" : problems.some((p) => p.code === "project-required") ? "warning" : undefined;
  const icon = attention === "error" ? "$(error)" : connection === "local" ? "$(layers)" : "$(cloud)";
  return { text: `${icon} ${stackText} · ${connection}`, attention };
}

/** `1 error, 2 warnings`, as the tree's Problems group counts them. */
export function problemCounts(problems: readonly Problem[]): { errors: number; warnings: number; text: string } {
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.filter((p) => p.severity === "warning").length;
  const text = [errors && `${errors} error${errors > 1 ? "s" : ""}`, warnings && `${warnings} warning${warnings > 1 ? "s" : ""}`].filter(Boolean).join(", ");
  return { errors, warnings, text };
}

function render(item: vscode.StatusBarItem, snap: Snapshot | undefined, sources: StatusSources): void {
  if (!snap) {
    item.hide();
    return;
  }
  const { text, attention } = statusText(snap, sources);
  item.text = text;
  item.backgroundColor = attention ? new vscode.ThemeColor(attention === "error" ? "statusBarItem.errorBackground" : "statusBarItem.warningBackground") : undefined;
  item.command = { command: "kitaru.statusBarClicked", title: "Switch Stack" };
  item.accessibilityInformation = { label: `Kitaru: stack ${text.replace(/\$\([^)]*\)\s*/g, "")}` };
  item.tooltip = statusTooltip(snap, sources);
  item.show();
}

/**
 * The winning layer of each setting the status bar summarises. A list, not a
 * table: a table keeps every column on one line and is cut off when values
 * and origins are long (a hover is at most ~500 px wide); list items wrap.
 */
function statusTooltip(snap: Snapshot, sources: StatusSources): vscode.MarkdownString {
  const r = snap.resolution;
  const base = snap.project.folder.uri.fsPath;
  const rows = ["stack", "server_url", "project", "cache", "retries"].map((key) => {
    const s = r.settings[key];
    if (!s) return `- **${key}** unset — built-in default`;
    const where = describeOrigin(s.origin, base);
    const layer = `${md(sourceLabel(s.source))}${where ? ` · ${md(where)}` : ""}`;
    if (key === "stack") {
      const shown = stackShown(snap, sources.stacks);
      if (shown.named) return `- **stack** ${mdCode(shown.text)} — ${layer}; name reported by \`${shown.named.via}\` for id ${mdCode(shown.id!)}`;
      if (shown.id) return `- **stack** ${mdCode(shown.id)} — ${layer}; an id ZenML's local store does not name (Switch Stack learns its name)`;
    }
    return `- **${key}** ${mdCode(displayValue(s))} — ${layer}`;
  });
  const counts = problemCounts(sources.problems(snap));
  const tip = new vscode.MarkdownString(
    [
      `**Kitaru** — ${md(projectLabel(snap.project))}`,
      "",
      ...rows,
      "",
      counts.text ? `${counts.errors ? "$(error)" : "$(warning)"} ${counts.text} — see Problems in the Kitaru view` : "$(pass) No problems",
      "",
      `Explaining ${md(snap.environment.description)}. Click to switch stack.`,
    ].join("\n"),
  );
  tip.supportThemeIcons = true;
  return tip;
}

function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return u.hostname === "127.0.0.1" || u.hostname === "localhost" ? `local server :${u.port || "80"}` : u.host;
  } catch {
    return url;
  }
}
