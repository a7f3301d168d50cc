/**
 * Where the `kitaru` executable comes from, as a documented chain whose
 * winning step is reported (in the spirit of ruff-vscode's
 * `findRuffBinaryPath`):
 *
 *   1. the `kitaru.path` setting (`~` and `${workspaceFolder}` expanded,
 *      relative paths taken from the workspace folder);
 *   2. the Python environment selected in the Python extension, when that
 *      extension is installed (its `kitaru` sits next to `python`);
 *   3. `.venv` or `venv` in the project folder, then in the workspace folder;
 *   4. `PATH` (of the explained environment).
 *
 * In Restricted Mode an executable found inside a workspace folder is never
 * run: the lookup stops there and says why. No `vscode` and no file system
 * access of its own: the caller passes `isExecutableFile` and `realpath`.
 */
import { pathFor, type Platform } from "./host";

export type LookupStep = "setting" | "python" | "venv" | "path";

export interface LookupInput {
  platform: Platform;
  homedir: string;
  /** The `kitaru.path` setting as written (empty: look it up). */
  setting: string;
  /** The workspace folder of the project (for relative paths and `.venv`). */
  folder?: string;
  /** The project directory (a monorepo member), searched for `.venv` before the folder. */
  projectDir?: string;
  /** Every workspace folder: what counts as "inside the workspace". */
  workspaceFolders: readonly string[];
  /** `vscode.workspace.isTrusted`. */
  trusted: boolean;
  /** The interpreter of the Python extension's selected environment, if it reported one. */
  pythonExecutable?: string;
  /** The explained environment (PATH, PATHEXT). */
  env: Readonly<Record<string, string | undefined>>;
  isExecutableFile(path: string): boolean;
  /** Resolves symlinks; returns the path unchanged when it cannot. */
  realpath?(path: string): string;
}

export interface Tried {
  step: LookupStep;
  path: string;
  result: "found" | "missing" | "refused";
}

export type LookupResult =
  | { kind: "found"; path: string; step: LookupStep; tried: Tried[] }
  /** Found inside the workspace while it is in Restricted Mode: not run. */
  | { kind: "restricted"; path: string; step: LookupStep; tried: Tried[] }
  /** `kitaru.path` is set but is not something that can be run. */
  | { kind: "bad-setting"; path: string; reason: string; tried: Tried[] }
  | { kind: "not-found"; tried: Tried[] };

export const STEP_LABELS: Record<LookupStep, string> = {
  setting: "the kitaru.path setting",
  python: "the Python extension's selected environment",
  venv: "the workspace's virtual environment",
  path: "PATH",
};

export function findKitaru(input: LookupInput): LookupResult {
  const p = pathFor(input.platform);
  const win = input.platform === "win32";
  const tried: Tried[] = [];
  const inWorkspace = (file: string) => {
    const real = input.realpath ? input.realpath(file) : file;
    return input.workspaceFolders.some((f) => isInside(p, f, file) || isInside(p, f, real));
  };
  const accept = (step: LookupStep, file: string): LookupResult | undefined => {
    if (!input.isExecutableFile(file)) {
      tried.push({ step, path: file, result: "missing" });
      return undefined;
    }
    if (!input.trusted && inWorkspace(file)) {
      tried.push({ step, path: file, result: "refused" });
      return { kind: "restricted", path: file, step, tried };
    }
    tried.push({ step, path: file, result: "found" });
    return { kind: "found", path: file, step, tried };
  };

  // 1. The setting: the user chose it, so a bad value is reported, not skipped.
  const setting = input.setting.trim();
  if (setting) {
    const file = expandSetting(setting, input, p);
    if (win && /\.(bat|cmd)$/i.test(file)) {
      tried.push({ step: "setting", path: file, result: "missing" });
      return { kind: "bad-setting", path: file, reason: "batch files (.bat, .cmd) cannot be run without a shell; point it at kitaru.exe", tried };
    }
    return accept("setting", file) ?? { kind: "bad-setting", path: file, reason: "it is not an executable file", tried };
  }

  const names = win ? ["kitaru.exe"] : ["kitaru"];
  // 2. The Python extension's environment: kitaru sits next to python (venv) or in Scripts\ (Windows conda).
  if (input.pythonExecutable) {
    const dir = p.dirname(input.pythonExecutable);
    const dirs = win ? [dir, p.join(dir, "Scripts")] : [dir];
    for (const d of dirs) for (const n of names) {
      const hit = accept("python", p.join(d, n));
      if (hit) return hit;
    }
  }

  // 3. .venv / venv in the project, then in the workspace folder.
  const roots = unique([input.projectDir, input.folder].filter((d): d is string => !!d));
  for (const root of roots) {
    for (const venv of [".venv", "venv"]) {
      for (const n of names) {
        const hit = accept("venv", p.join(root, venv, win ? "Scripts" : "bin", n));
        if (hit) return hit;
      }
    }
  }

  // 4. PATH. Relative entries are relative to where kitaru runs (the project).
  const pathVar = (win ? (input.env.Path ?? input.env.PATH ?? input.env.path) : input.env.PATH) ?? "";
  const cwd = input.projectDir ?? input.folder ?? input.homedir;
  const exts = win ? windowsExtensions(input.env.PATHEXT) : [""];
  for (const entry of pathVar ? pathVar.split(win ? ";" : ":") : []) {
    const dir = p.resolve(cwd, unquote(entry) || ".");
    for (const ext of exts) {
      const hit = accept("path", p.join(dir, `kitaru${ext}`));
      if (hit) return hit;
    }
  }
  return { kind: "not-found", tried };
}

function expandSetting(setting: string, input: LookupInput, p: ReturnType<typeof pathFor>): string {
  let s = setting;
  if (input.folder) s = s.replace(/\$\{workspaceFolder\}/g, input.folder);
  if (s === "~") s = input.homedir;
  else if (s.startsWith("~/") || (input.platform === "win32" && s.startsWith("~\\"))) s = p.join(input.homedir, s.slice(2));
  return p.isAbsolute(s) ? p.normalize(s) : p.resolve(input.folder ?? input.homedir, s);
}

/** `.exe` and `.com` from PATHEXT: the executables that can be started without a shell. */
function windowsExtensions(pathext: string | undefined): string[] {
  const all = (pathext ?? ".COM;.EXE").split(";").map((e) => e.trim().toLowerCase()).filter(Boolean);
  const runnable = all.filter((e) => e === ".exe" || e === ".com");
  return runnable.length ? runnable : [".exe"];
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function isInside(p: ReturnType<typeof pathFor>, root: string, file: string): boolean {
  const rel = p.relative(root, file);
  return rel === "" || (!rel.startsWith("..") && !p.isAbsolute(rel));
}

/** One line for the log: which step won, or what was tried. */
export function describeLookup(result: LookupResult): string {
  switch (result.kind) {
    case "found":
      return `Using kitaru at ${result.path} (from ${STEP_LABELS[result.step]}).`;
    case "restricted":
      return `Found kitaru at ${result.path} (from ${STEP_LABELS[result.step]}), inside the workspace; not run because the workspace is in Restricted Mode.`;
    case "bad-setting":
      return `kitaru.path is ${result.path}, but ${result.reason}.`;
    case "not-found":
      return `kitaru not found; looked at: ${result.tried.map((t) => t.path).join(", ") || "nothing (PATH is empty)"}.`;
  }
}

/** One line per step of the chain, in order, with what each found: the log's account of the lookup. */
export function describeLookupSteps(result: LookupResult, settingValue: string): string[] {
  const order: LookupStep[] = ["setting", "python", "venv", "path"];
  const winner = result.kind === "found" || result.kind === "restricted" ? result.step : result.kind === "bad-setting" ? "setting" : undefined;
  const lines: string[] = [];
  for (const [i, step] of order.entries()) {
    const tried = result.tried.filter((t) => t.step === step);
    let text: string;
    if (step === "setting" && !settingValue.trim()) text = "not set";
    else if (!tried.length) text = winner && order.indexOf(winner) < i ? "not reached" : step === "python" ? "no environment reported (Python extension absent or none selected)" : "nothing to look at";
    else {
      const last = tried[tried.length - 1]!;
      const missing = tried.filter((t) => t.result === "missing").map((t) => t.path);
      const verdict = last.result === "found" ? `found ${last.path} (used)` : last.result === "refused" ? `found ${last.path}, refused: Restricted Mode never runs an executable inside the workspace` : step === "setting" && result.kind === "bad-setting" ? `${result.path}: ${result.reason}` : "no kitaru";
      const looked = missing.length && last.result !== "missing" ? `; no kitaru at ${summarize(missing)}` : missing.length ? ` at ${summarize(missing)}` : "";
      text = `${verdict}${looked}`;
    }
    lines.push(`${i + 1}. ${STEP_LABELS[step]}: ${text}`);
  }
  return lines;
}

function summarize(paths: string[]): string {
  return paths.length > 4 ? `${paths.slice(0, 4).join(", ")} and ${paths.length - 4} more` : paths.join(", ");
}

/** Where `kitaru.path` is set (as VS Code's `inspect` reports it), for the notes below. */
export interface PathSettingValues {
  /** User settings (in a remote window: the remote machine's user settings). */
  globalValue?: string;
  workspaceValue?: string;
  workspaceFolderValue?: string;
}

/**
 * Values of `kitaru.path` that are written somewhere but do not count, and
 * why: in Restricted Mode VS Code ignores workspace and folder values of a
 * restricted setting.
 */
export function ignoredPathValues(values: PathSettingValues, trusted: boolean): string[] {
  if (trusted) return [];
  const out: string[] = [];
  for (const [scope, value] of [["workspace", values.workspaceValue], ["folder", values.workspaceFolderValue]] as const) {
    if (typeof value === "string" && value.trim()) out.push(`kitaru.path is set in the ${scope} settings (${value.trim()}), but ignored: in Restricted Mode only user and remote settings can name the executable.`);
  }
  return out;
}

/**
 * Where a person should set `kitaru.path` (machine-overridable): in a remote
 * window (SSH, WSL, a container, code-server) the remote machine's settings,
 * because VS Code ignores the local user settings' machine-scoped values there;
 * else the user settings. The command opens that tab filtered to the setting.
 */
export function kitaruPathSettingsTarget(remoteName: string | undefined): { where: string; button: string; command: string; args: { query: string } } {
  if (remoteName) return { where: "your Remote settings", button: "Open Remote Settings", command: "workbench.action.openRemoteSettings", args: { query: "kitaru.path" } };
  return { where: "your user settings", button: "Open User Settings", command: "workbench.action.openGlobalSettings", args: { query: "kitaru.path" } };
}

/**
 * In Restricted Mode, the PATH `kitaru` itself is given: only absolute entries
 * outside every workspace folder (after following symlinks). An empty entry
 * (`PATH=":/usr/bin"`, an unset `$EXTRA` in `PATH="$EXTRA:$PATH"`), `.` or
 * `./node_modules/.bin` mean the working directory, and a `#!/usr/bin/env
 * python3` kitaru would run the repository's `python3` from there.
 */
export function trustedPathEntries(pathValue: string, platform: string, workspaceFolders: readonly string[], realpath: (p: string) => string = (x) => x): { path: string; dropped: string[] } {
  const p = pathFor(platform);
  const separator = platform === "win32" ? ";" : ":";
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const entry of pathValue.split(separator)) {
    const dir = unquote(entry);
    const ok = dir !== "" && p.isAbsolute(dir) && !workspaceFolders.some((f) => isInside(p, f, p.normalize(dir)) || isInside(p, f, realpath(dir)));
    (ok ? kept : dropped).push(entry);
  }
  return { path: kept.join(separator), dropped };
}

/**
 * In Restricted Mode, where `kitaru` runs: the home directory rather than the
 * project, so nothing it or a wrapper reads from its working directory
 * (`.python-version`, `.tool-versions`, a `uv` project) comes from the workspace.
 * When home is inside a workspace folder (home itself opened), the file system's root.
 */
export function neutralWorkingDirectory(homedir: string, platform: string, workspaceFolders: readonly string[]): string {
  const p = pathFor(platform);
  if (!workspaceFolders.some((f) => isInside(p, f, homedir))) return homedir;
  return p.parse(homedir).root || homedir;
}
