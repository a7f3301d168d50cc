/**
 * The Flows group of the Kitaru view: every flow of the workspace (file and line), each
 * expandable to its effective settings with their layers, its checkpoints with the cache they
 * will use, and its call sites (each expandable to that call's settings). Resolutions happen
 * only when a node is expanded.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { flowKey, type IndexedCall, type IndexedFlow } from "../../core/flowIndex";
import { executionSummary, isSpread, layerShort, summaryValue, type SummaryItem } from "../../core/flowSummary";
import type { Resolution } from "../../core/resolve";
import type { ContributedNode, TreeGroupContributor } from "../tree";
import { describeOrigin, md, mdCode, originLocation, sourceLabel } from "../present";
import type { FlowResolution, FlowResolutions } from "./flowResolutions";
import type { WorkspaceFlows } from "./workspaceFlows";

const SOURCE_ICON: Record<string, string> = { invocation: "play", decorator: "symbol-method", configure: "gear", env: "terminal", "zenml-env": "terminal", pyproject: "file-code", global: "home", default: "circle-outline" };

export function flowsTreeGroup(flows: WorkspaceFlows, resolutions: FlowResolutions): TreeGroupContributor {
  return {
    id: "flows",
    label: "Flows",
    onDidChange: resolutions.onDidChange,
    description: () => {
      const s = flows.state;
      if (s.scanning) return `indexing ${s.done}/${s.total || "…"}`;
      const list = flows.index.flows();
      const files = new Set(list.map((f) => f.file)).size;
      return `${list.length} flow${list.length === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"}`;
    },
    roots: () => {
      const list = flows.index.flows();
      if (!list.length) {
        const item = new vscode.TreeItem(flows.state.scanning ? "Looking for flows…" : "No @flow in this workspace", vscode.TreeItemCollapsibleState.None);
        item.id = "flows:none";
        item.iconPath = new vscode.ThemeIcon(flows.state.scanning ? "loading~spin" : "info");
        item.tooltip = "Flows are functions decorated with Kitaru's @flow, in modules that import kitaru.";
        return [{ item }];
      }
      return list.map((f) => flowNode(f, flows, resolutions));
    },
  };
}

function flowNode(f: IndexedFlow, flows: WorkspaceFlows, resolutions: FlowResolutions): ContributedNode {
  const rel = relPath(f.workspace, f.file);
  const line = f.def.nameSpan.start.line;
  const item = new vscode.TreeItem(f.name, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `flows:${flowKey(f)}`;
  item.description = `${rel}:${line}`;
  item.iconPath = new vscode.ThemeIcon("symbol-function");
  item.tooltip = new vscode.MarkdownString(`**@flow ${mdCode(f.name)}** — ${md(rel)}:${line}\n\nExpand for the settings it runs with, its checkpoints and its call sites.`);
  item.contextValue = "flow.hasOrigin";
  item.command = { command: "kitaru.openOrigin", title: "Open Flow", arguments: [vscode.Uri.file(f.file), line, f.def.nameSpan.start.column] };
  return {
    item,
    children: () => {
      // Every checkpoint of the module, those the body does not call marked: the one place that lists them all.
      const r = resolutions.forFlow(f.file, f.name, "module");
      if (!r?.ok) return [message(`${item.id}:unresolved`, "Could not read this flow's settings", r ? problemsText(r.resolution) : undefined)];
      const nodes = summaryNodes(`${item.id}`, r);
      // The module's checkpoints, those the flow's body calls by name first.
      const calledNames = f.def.calledNames;
      const nameOf = (key: string) => key.slice("checkpoint.".length, -".cache".length);
      const checkpoints = Object.entries(r.resolution.settings)
        .filter(([k]) => /^checkpoint\..+\.cache$/.test(k))
        .sort(([a], [b]) => Number(!calledNames.includes(nameOf(a))) - Number(!calledNames.includes(nameOf(b))));
      if (checkpoints.length) {
        const group = new vscode.TreeItem("Checkpoints", vscode.TreeItemCollapsibleState.Collapsed);
        group.id = `${item.id}:checkpoints`;
        group.description = String(checkpoints.length);
        group.iconPath = new vscode.ThemeIcon("debug-breakpoint-log-unverified");
        nodes.push({
          item: group,
          children: () =>
            checkpoints.map(([key, s]) => {
              const name = nameOf(key);
              // Not called by name in this flow's body: it may not run in it (or run through a helper).
              const called = calledNames.includes(name);
              const row = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.None);
              row.id = `${item.id}:checkpoint:${name}`;
              // An execution-level cache replaces the checkpoint's own, which is then its only "overridden" entry.
              const replaced = s.overridden.length > 0;
              // Its own cache= wins only when no execution-level cache is set (the @flow decorator's has the same source).
              const ownArg = flows.index.get(f.file)?.summary.checkpoints.find((c) => c.name === name)?.kwargs.find((k) => k.name === "cache");
              const o = s.origin;
              const own = !replaced && s.source === "decorator" && !!ownArg && !!o && !("env" in o) && o.file === f.file && o.line === ownArg.nameSpan.start.line && (o.column ?? ownArg.nameSpan.start.column) === ownArg.nameSpan.start.column;
              // A `**opts` spread may set the execution cache, or not: it may replace the checkpoint's own.
              const verb = isSpread(s) ? "may replace" : called ? "replaces" : "would replace";
              row.description = `cache ${summaryValue("cache", s)} · ${own ? "@checkpoint" : layerShort(s.source)}${replaced ? ` (${verb} @checkpoint(cache=${summaryValue("cache", s.overridden[0]!)}))` : ""}${called ? "" : " · not called here"}`;
              row.iconPath = new vscode.ThemeIcon(replaced ? "debug-breakpoint-unverified" : "debug-breakpoint");
              row.tooltip = new vscode.MarkdownString(`**${md(name)}** cache: ${mdCode(summaryValue("cache", s))} from ${md(own ? "@checkpoint(cache=...)" : sourceLabel(s.source))}${s.origin ? ` (${md(describeOrigin(s.origin, r.workspace))})` : ""}${s.note ? `\n\n*${md(s.note)}*` : ""}${called ? "" : `\n\n*${md(f.name)}'s body does not call ${md(name)} by name: this is the cache it would use if it runs in this flow.*`}`);
              const at = originLocation(s.origin);
              if (at) row.command = { command: "kitaru.openOrigin", title: "Open", arguments: [at.uri, at.line, at.column] };
              return { item: row };
            }),
        });
      }
      const calls = flows.index.callsOf(f);
      const group = new vscode.TreeItem("Call sites", calls.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      group.id = `${item.id}:calls`;
      group.description = calls.length ? String(calls.length) : "none found";
      group.iconPath = new vscode.ThemeIcon("references");
      nodes.push({ item: group, children: () => calls.map((c) => callNode(c, resolutions, `${item.id}:call`)) });
      return nodes;
    },
  };
}

function callNode(c: IndexedCall, resolutions: FlowResolutions, prefix: string): ContributedNode {
  const rel = relPath(c.workspace, c.file);
  const r = resolutions.forCall(c.file, c.line);
  const item = new vscode.TreeItem(`${rel}:${c.line}`, r?.ok ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `${prefix}:${c.file}:${c.line}:${c.call.span.start.column}`;
  // The arguments as resolved (masked, constants followed), not the source text.
  const args = r?.ok ? invocationArgs(r.resolution) : "";
  item.description = `${c.call.method}(${args})`;
  item.iconPath = new vscode.ThemeIcon(c.call.method === "deploy" ? "rocket" : "play");
  item.tooltip = new vscode.MarkdownString(`${mdCode(`${c.call.receiver}.${c.call.method}(...)`)} at ${md(rel)}:${c.line}${c.call.enclosingFunction ? ` in ${mdCode(`${c.call.enclosingFunction.name}()`)}` : ""}`);
  item.contextValue = "flowCall.hasOrigin";
  item.command = { command: "kitaru.openOrigin", title: "Open Call", arguments: [vscode.Uri.file(c.file), c.line, c.call.span.start.column] };
  return { item, children: () => (r?.ok ? summaryNodes(item.id!, r) : []) };
}

function invocationArgs(r: Resolution): string {
  const parts: string[] = [];
  const spreads: string[] = [];
  for (const [key, s] of Object.entries(r.settings)) {
    if (s.source !== "invocation" || key.startsWith("checkpoint.")) continue;
    // `**opts` once, where it may set several settings.
    if (isSpread(s)) {
      if (!spreads.includes(s.dynamic!)) spreads.push(s.dynamic!);
      continue;
    }
    parts.push(`${key.startsWith("image.") ? key.slice("image.".length) : key}=${s.masked ? String(s.value) : summaryValue(key, s)}`);
  }
  return [...parts, ...spreads].join(", ");
}

function summaryNodes(prefix: string, r: FlowResolution): ContributedNode[] {
  return executionSummary(r.resolution.settings, r.workspace, { method: r.resolution.python?.call?.method }).map((s) => summaryNode(prefix, s, r));
}

function summaryNode(prefix: string, s: SummaryItem, r: FlowResolution): ContributedNode {
  const item = new vscode.TreeItem(s.key, vscode.TreeItemCollapsibleState.None);
  item.id = `${prefix}:setting:${s.key}`;
  // `prod-cluster · run()`: the lens text without the key.
  item.description = s.title.slice(s.key.length + 1);
  item.iconPath = new vscode.ThemeIcon(SOURCE_ICON[s.source] ?? "circle-outline", s.source === "default" ? new vscode.ThemeColor("disabledForeground") : undefined);
  item.tooltip = s.detail;
  const setting = s.key === "image" ? r.resolution.settings["image.base_image"] : r.resolution.settings[s.key];
  const at = originLocation(setting?.origin);
  if (at) item.command = { command: "kitaru.openOrigin", title: "Open Where It Is Set", arguments: [at.uri, at.line, at.column] };
  item.contextValue = at ? "flowSetting.hasOrigin" : "flowSetting";
  return { item };
}

function message(id: string, label: string, tooltip?: string): ContributedNode {
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  item.id = id;
  item.iconPath = new vscode.ThemeIcon("warning");
  if (tooltip) item.tooltip = tooltip;
  return { item };
}

function problemsText(r: Resolution): string {
  return r.problems.filter((p) => p.severity === "error").map((p) => p.message).join("\n");
}

function relPath(base: string, file: string): string {
  const rel = path.relative(base, file);
  return !rel.startsWith("..") && !path.isAbsolute(rel) ? rel.split(path.sep).join("/") : file;
}
