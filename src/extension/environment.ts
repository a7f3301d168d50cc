/**
 * The environment being explained. The extension host's own environment is
 * not the user's terminal's, so users add what they run with: variables in the
 * `kitaru.environment` setting and, optionally, an env file. Every value these
 * supply is labelled as such, with the file and line it is written on when
 * there is one (the env file; a workspace `.vscode/settings.json`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EnvOrigin } from "../core/host";
import { analyzeEnvFile, envFileProblems } from "../core/envFile";
import type { Problem } from "../core/problems";
import { trustedPathEntries } from "../core/findKitaru";
import type { KitaruSettings, SettingPosition } from "./settings";

export const SETTING_LABEL = "kitaru.environment setting";

export interface ExplainedEnvironment {
  env: Record<string, string | undefined>;
  origins: Record<string, EnvOrigin>;
  /** A short description for the tree and status bar tooltip. */
  description: string;
  /** The env file named by kitaru.envFile, if any: whether it was read, and how many variables it set. */
  envFile?: { path: string; setting: string; error?: string; missing?: boolean; variables?: number };
  /** What is wrong with the env file: missing, unreadable, lines that set nothing. */
  problems: Problem[];
  /** Where each variable from a file is written (name range), for problems and diagnostics. */
  positions: Record<string, SettingPosition>;
  /** The names (never the values) kitaru.environment sets. */
  fromSetting: string[];
}

export function explainedEnvironment(base: NodeJS.ProcessEnv, settings: KitaruSettings, folder: string | undefined, settingPositions: Record<string, SettingPosition> = {}): ExplainedEnvironment {
  const env: Record<string, string | undefined> = { ...base };
  const origins: Record<string, EnvOrigin> = {};
  const positions: Record<string, SettingPosition> = {};
  const problems: Problem[] = [];
  const parts = ["VS Code's environment"];
  let envFile: ExplainedEnvironment["envFile"];
  if (settings.envFile) {
    const file = path.resolve(folder ?? process.cwd(), settings.envFile);
    const shown = folder && !path.relative(folder, file).startsWith("..") ? path.relative(folder, file) : file;
    envFile = { path: file, setting: settings.envFile };
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") envFile.missing = true;
      envFile.error = envFile.missing ? "not found" : code === "EISDIR" ? "it is a directory" : code ?? (error as Error).message;
    }
    if (text !== undefined) {
      const analysis = analyzeEnvFile(text);
      for (const e of analysis.entries) {
        env[e.name] = e.value;
        origins[e.name] = { label: `env file ${path.basename(file)}`, file, line: e.line };
        positions[e.name] = { file, line: e.line, column: e.column, endColumn: e.column + e.name.length };
      }
      envFile.variables = analysis.entries.length;
      problems.push(...envFileProblems(file, shown, { analysis }));
      parts.push(`${path.basename(file)} (${analysis.entries.length} variable${analysis.entries.length === 1 ? "" : "s"})`);
    } else {
      problems.push(...envFileProblems(file, shown, envFile.missing ? { missing: true } : { error: envFile.error ?? "unreadable" }));
      parts.push(`${path.basename(file)} (${envFile.missing ? "not found" : "unreadable"})`);
    }
  }
  const fromSetting = Object.entries(settings.environment);
  for (const [name, value] of fromSetting) {
    env[name] = value;
    const at = settingPositions[name];
    origins[name] = { label: SETTING_LABEL, ...(at ? { file: at.file, line: at.line } : {}) };
    if (at) positions[name] = at;
    else delete positions[name];
  }
  if (fromSetting.length) parts.push(`kitaru.environment (${fromSetting.length})`);
  return { env, origins, description: parts.join(" + "), ...(envFile ? { envFile } : {}), problems, positions, fromSetting: fromSetting.map(([name]) => name) };
}

/**
 * Problems the core reports about a variable (`KITARU_DEFAULT_MODEL is set but
 * empty`) point at the line that set it when a file did: the problem opens
 * there and becomes a diagnostic of that file. Then the env file's own problems
 * are added. Returns a new list, errors first (the core's order otherwise kept).
 */
export function placeEnvironmentProblems(problems: readonly Problem[], environment: ExplainedEnvironment): Problem[] {
  const mentioned = (p: Problem) => {
    // A problem about a variable that is not set (KITARU_LOG_STORE_BACKEND) is caused by ones that
    // are: point at the first of those its message names.
    const hits = Object.keys(environment.positions)
      .map((name) => ({ name, at: new RegExp(`\\b${name}\\b`).exec(p.message)?.index }))
      .filter((h): h is { name: string; at: number } => h.at !== undefined)
      .sort((a, b) => a.at - b.at);
    return hits[0] ? environment.positions[hits[0].name] : undefined;
  };
  const placed = problems.map((p) => {
    const at = (p.env ? environment.positions[p.env] : undefined) ?? (!p.file && p.env ? mentioned(p) : undefined);
    if (!at || (p.file && p.file !== at.file)) return p;
    return { ...p, file: at.file, span: { start: { line: at.line, column: at.column }, end: { line: at.line, column: at.endColumn } } };
  });
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return [...placed, ...environment.problems].map((p, i) => ({ p, i })).sort((a, b) => rank[a.p.severity] - rank[b.p.severity] || a.i - b.i).map(({ p }) => p);
}

/**
 * The environment a `kitaru` process is started with. In a trusted workspace,
 * the explained one. In Restricted Mode:
 * - without what an env file set: its contents come from the workspace (a
 *   user-level `kitaru.envFile: ".env"` reads the untrusted repository's file),
 *   and variables such as NODE_OPTIONS, PYTHONPATH or BASH_ENV would make the
 *   user's own kitaru run the repository's code;
 * - with a PATH of absolute entries outside the workspace only
 *   (`trustedPathEntries`): an empty or relative entry is the working directory.
 * (Workspace values of kitaru.environment and kitaru.envFile are already ignored
 * there: package.json lists them in restrictedConfigurations.)
 */
export function processEnvironment(
  explained: ExplainedEnvironment,
  trusted: boolean,
  base: NodeJS.ProcessEnv = process.env,
  workspace: { folders: readonly string[]; platform: string; realpath?: (p: string) => string } = { folders: [], platform: process.platform },
): { env: Record<string, string | undefined>; lookupEnv: Record<string, string | undefined>; withheld: string[]; droppedPathEntries: string[] } {
  if (trusted) return { env: explained.env, lookupEnv: explained.env, withheld: [], droppedPathEntries: [] };
  const env = { ...explained.env };
  const withheld: string[] = [];
  for (const [name, origin] of Object.entries(explained.origins)) {
    // Every other origin is the env file.
    if (origin.label === SETTING_LABEL) continue;
    withheld.push(name);
    env[name] = base[name];
  }
  // Looking kitaru up sees the whole PATH, to say which workspace kitaru it refuses.
  const lookupEnv = { ...env };
  const droppedPathEntries: string[] = [];
  // Windows spells it Path; any spelling is the same variable there.
  for (const name of Object.keys(env).filter((n) => (workspace.platform === "win32" ? n.toUpperCase() === "PATH" : n === "PATH"))) {
    if (env[name] === undefined) continue;
    const trustedPath = trustedPathEntries(env[name]!, workspace.platform, workspace.folders, workspace.realpath);
    env[name] = trustedPath.path;
    droppedPathEntries.push(...trustedPath.dropped);
  }
  return { env, lookupEnv, withheld: withheld.sort(), droppedPathEntries };
}
