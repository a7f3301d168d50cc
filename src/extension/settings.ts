/** Every `kitaru.*` setting, read through one typed function with defaults. */
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
