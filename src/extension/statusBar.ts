/**
 * One status bar item: the effective stack and connection, coloured when
 * something needs attention; its tooltip lists the winning layers.
 */
import * as vscode from "vscode";
import type { Snapshot } from "./model";
import type { FeatureContext } from "./extension";
import { describeOrigin, displayValue, md, projectLabel, sourceLabel } from "./present";

export function registerStatusBar({ context, model }: FeatureContext): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem("kitaru.status", vscode.StatusBarAlignment.Left, 50);
  item.name = "Kitaru";
  context.subscriptions.push(item);
  const update = (snap: Snapshot | undefined) => render(item, snap);
  model.onDidChange(update, undefined, context.subscriptions);
  // The stack switcher belongs to another feature; fall back to the tree when it is absent.
  context.subscriptions.push(
    vscode.commands.registerCommand("kitaru.statusBarClicked", async () => {
      const commands = await vscode.commands.getCommands(true);
      if (commands.includes("kitaru.switchStack")) await vscode.commands.executeCommand("kitaru.switchStack");
      else await vscode.commands.executeCommand("kitaru.settings.focus");
    }),
  );
  update(model.current);
  return item;
}

export function statusText(snap: Snapshot): { text: string; attention: "error" | "warning" | undefined } {
  const r = snap.resolution;
  const stack = r.settings.stack;
  const stackText = stack?.dynamic !== undefined ? "dynamic" : stack?.value === null || stack === undefined ? "no stack" : String(stack.value);
  const server = r.settings.server_url;
  const connection = typeof server?.value === "string" ? hostOf(server.value) : "local";
  const errors = r.problems.filter((p) => p.severity === "error").length;
  const attention = errors ? "error" : r.problems.some((p) => p.code === "project-required") ? "warning" : undefined;
  const icon = attention === "error" ? "$(error)" : connection === "local" ? "$(layers)" : "$(cloud)";
  return { text: `${icon} ${stackText} · ${connection}`, attention };
}

function render(item: vscode.StatusBarItem, snap: Snapshot | undefined): void {
  if (!snap) {
    item.hide();
    return;
  }
  const { text, attention } = statusText(snap);
  item.text = text;
  item.backgroundColor = attention ? new vscode.ThemeColor(attention === "error" ? "statusBarItem.errorBackground" : "statusBarItem.warningBackground") : undefined;
  item.command = { command: "kitaru.statusBarClicked", title: "Switch Stack" };
  item.accessibilityInformation = { label: `Kitaru: stack ${text.replace(/\$\([^)]*\)\s*/g, "")}` };
  const r = snap.resolution;
  const base = snap.project.folder.uri.fsPath;
  const rows = ["stack", "server_url", "project", "cache", "retries"].map((key) => {
    const s = r.settings[key];
    if (!s) return `| ${key} | unset | built-in default |`;
    const where = describeOrigin(s.origin, base);
    return `| ${key} | \`${md(displayValue(s))}\` | ${md(sourceLabel(s.source))}${where ? ` (${md(where)})` : ""} |`;
  });
  const errors = r.problems.filter((p) => p.severity === "error").length;
  const warnings = r.problems.filter((p) => p.severity === "warning").length;
  const tip = new vscode.MarkdownString(
    [
      `**Kitaru** — ${md(projectLabel(snap.project))}`,
      "",
      "| setting | value | winning layer |",
      "|---|---|---|",
      ...rows,
      "",
      errors || warnings ? `$(error) ${errors} error(s), $(warning) ${warnings} warning(s) — see the Kitaru view` : "$(pass) No problems",
      "",
      `Explaining ${md(snap.environment.description)}. Click to switch stack.`,
    ].join("\n"),
  );
  tip.supportThemeIcons = true;
  item.tooltip = tip;
  item.show();
}

function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return u.hostname === "127.0.0.1" || u.hostname === "localhost" ? `local server :${u.port || "80"}` : u.host;
  } catch {
    return url;
  }
}
