// Access to the extension under test's exported API, typed for the suites.
import * as vscode from "vscode";
import { activeExtension, waitFor } from "./util";

export interface TreeRow {
  id: string;
  label: string;
  description: string;
  tooltip: string;
  /** What menus match with `viewItem =~ ...`. */
  contextValue: string;
  /** The command a click runs (URIs given as paths). */
  command?: { command: string; arguments: unknown[] };
  children: TreeRow[];
}

export interface KitaruApi {
  current(): { resolution: { settings: Record<string, { value: unknown; source: string }>; problems: { code: string; severity: string; message: string; file?: string; env?: string; span?: { start: { line: number; column: number } } }[]; configDir: { path: string }; secrets: { name: string; location: string; display: string; effective: boolean; unused?: string; plainTextInWorkspace: boolean }[] }; project: { dir: string } } | undefined;
  refresh(): Promise<unknown>;
  treeSnapshot(depth?: number): Promise<TreeRow[]>;
  statusBar(): { text: string; tooltip: string; visible: boolean };
  view(): { message: string | undefined; description: string | undefined; welcome: boolean };
  /** What Copy Value / Copy as … copied last. */
  lastCopied(): { text: string; what: string } | undefined;
  /** Files the resolution read, skipped as unchanged, or found missing by their stat (since activation). */
  fileReads(): { read: number; unchanged: number; missing: number };
  ready: Promise<void>;
}

export async function kitaru(): Promise<KitaruApi> {
  const ext = (await activeExtension()) as vscode.Extension<KitaruApi>;
  await ext.exports.ready;
  return ext.exports;
}

/** Finds a row by path of labels, e.g. ["Execution", "stack"]. */
export function row(rows: TreeRow[], ...labels: string[]): TreeRow | undefined {
  let level: TreeRow[] = rows;
  let found: TreeRow | undefined;
  for (const label of labels) {
    found = level.find((r) => r.label === label);
    if (!found) return undefined;
    level = found.children;
  }
  return found;
}

/** Every label, description and tooltip of the tree, for "no secret in clear" checks. */
export function allText(rows: TreeRow[]): string {
  return rows.map((r) => `${r.label}\n${r.description}\n${r.tooltip}\n${allText(r.children)}`).join("\n");
}

/** Polls the tree until `probe` finds what it wants. */
export async function waitForTree<T>(api: KitaruApi, probe: (rows: TreeRow[]) => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  return waitFor(async () => probe(await api.treeSnapshot(4)), { timeoutMs, what });
}
