/**
 * The environment being explained. The extension host's own environment is
 * not the user's terminal's, so users add what they run with: variables in the
 * `kitaru.environment` setting and, optionally, an env file. Every value these
 * supply is labelled as such.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EnvOrigin } from "../core/host";
import { parseEnvFile } from "../core/envFile";
import type { KitaruSettings } from "./settings";

export interface ExplainedEnvironment {
  env: Record<string, string | undefined>;
  origins: Record<string, EnvOrigin>;
  /** A short description for the tree and status bar tooltip. */
  description: string;
  /** The env file that was read, if any, and a problem reading it. */
  envFile?: { path: string; error?: string };
}

export function explainedEnvironment(base: NodeJS.ProcessEnv, settings: KitaruSettings, folder: string | undefined): ExplainedEnvironment {
  const env: Record<string, string | undefined> = { ...base };
  const origins: Record<string, EnvOrigin> = {};
  const parts = ["VS Code's environment"];
  let envFile: ExplainedEnvironment["envFile"];
  if (settings.envFile) {
    const file = path.resolve(folder ?? process.cwd(), settings.envFile);
    envFile = { path: file };
    try {
      const entries = parseEnvFile(fs.readFileSync(file, "utf8"));
      for (const e of entries) {
        env[e.name] = e.value;
        origins[e.name] = { label: `env file ${path.basename(file)}`, file, line: e.line };
      }
      parts.push(`${path.basename(file)} (${entries.length} variable${entries.length === 1 ? "" : "s"})`);
    } catch (error) {
      envFile.error = (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (error as Error).message;
    }
  }
  const fromSetting = Object.entries(settings.environment);
  for (const [name, value] of fromSetting) {
    env[name] = value;
    origins[name] = { label: "kitaru.environment setting" };
  }
  if (fromSetting.length) parts.push(`kitaru.environment (${fromSetting.length})`);
  return { env, origins, description: parts.join(" + "), ...(envFile ? { envFile } : {}) };
}
