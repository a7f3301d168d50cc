/** Every `kitaru.*` setting, read through one typed function with defaults. */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

export interface KitaruSettings {
  /** Extra variables for the environment being explained (what the user's terminal has). */
  environment: Record<string, string>;
  /** An env file (e.g. `.env`) read into the explained environment; empty = off. */
  envFile: string;
  /** Path of the `kitaru` executable; empty = look it up. */
  path: string;
  /** Seconds before a kitaru CLI call is stopped. */
  cliTimeoutSeconds: number;
}

/** Settings whose change means the resolution must be recomputed. */
export const RESOLUTION_SETTINGS = ["kitaru.environment", "kitaru.envFile"];

export function readSettings(scope?: vscode.ConfigurationScope): KitaruSettings {
  const c = vscode.workspace.getConfiguration("kitaru", scope);
  const environment: Record<string, string> = {};
  const rawEnv = c.get<unknown>("environment", {});
  if (rawEnv && typeof rawEnv === "object") {
    for (const [k, v] of Object.entries(rawEnv)) if (typeof v === "string") environment[k] = v;
  }
  const timeout = c.get<number>("cliTimeoutSeconds", 120);
  return {
    environment,
    envFile: c.get<string>("envFile", "").trim(),
    path: c.get<string>("path", "").trim(),
    cliTimeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : 120,
  };
}

/** Where a setting's value is written in a file, 1-based. */
export interface SettingPosition {
  file: string;
  line: number;
  column: number;
  endColumn: number;
}

/**
 * For each `kitaru.environment` variable written in a settings *file* VS Code
 * lets us name (the folder's `.vscode/settings.json`, a `.code-workspace`
 * file): that file and the line of the variable. Variables from user settings
 * are left out (no file to point at). VS Code merges object settings across
 * scopes, so each variable is attributed to the most specific scope that sets it.
 */
export function environmentPositions(folder: vscode.WorkspaceFolder | undefined): Record<string, SettingPosition> {
  const inspected = vscode.workspace.getConfiguration("kitaru", folder).inspect<Record<string, unknown>>("environment");
  if (!inspected) return {};
  const folderFile = folder && folder.uri.scheme === "file" ? path.join(folder.uri.fsPath, ".vscode", "settings.json") : undefined;
  const ws = vscode.workspace.workspaceFile;
  const workspaceFile = ws && ws.scheme === "file" ? ws.fsPath : folderFile;
  const out: Record<string, SettingPosition> = {};
  const texts = new Map<string, string | undefined>();
  const textOf = (file: string) => {
    if (!texts.has(file)) texts.set(file, readText(file));
    return texts.get(file);
  };
  const names = new Set([...Object.keys(inspected.workspaceFolderValue ?? {}), ...Object.keys(inspected.workspaceValue ?? {})]);
  for (const name of names) {
    const file = inspected.workspaceFolderValue && name in inspected.workspaceFolderValue ? folderFile : workspaceFile;
    if (!file) continue;
    out[name] = { file, ...positionIn(textOf(file), "kitaru.environment", name) };
  }
  return out;
}

/** Where `"name":` is written after the `"setting"` key of a settings JSON text (line 1 when not found). */
export function positionIn(text: string | undefined, setting: string, name: string): Omit<SettingPosition, "file"> {
  if (text === undefined) return { line: 1, column: 1, endColumn: 1 };
  const at = (offset: number, length: number) => {
    const before = text.slice(0, offset);
    const line = before.split(/\r\n|\r|\n/).length;
    const column = offset - Math.max(before.lastIndexOf("\n"), before.lastIndexOf("\r"));
    return { line, column, endColumn: column + length };
  };
  const key = text.indexOf(JSON.stringify(setting));
  if (key < 0) return { line: 1, column: 1, endColumn: 1 };
  const re = new RegExp(`${escapeRegExp(JSON.stringify(name))}\\s*:`, "g");
  re.lastIndex = key;
  const m = re.exec(text);
  return m ? at(m.index, JSON.stringify(name).length) : at(key, JSON.stringify(setting).length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
