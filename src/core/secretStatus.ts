/**
 * The secret-masking status: every secret that is set, where it lives, and
 * whether it sits in plain text in a file inside the workspace.
 *
 * A variable's value lives where the explained environment took it from: the
 * process environment (nothing to warn about), or a file (an env file, a
 * workspace `.vscode/settings.json` holding `kitaru.environment`), which is
 * classed like any other file: inside the workspace it is likely committed.
 */
import { pathFor, type Host } from "./host";
import type { KitaruYamlAnalysis } from "./kitaruYaml";
import type { Origin, Source } from "./layer";
import type { Problem } from "./problems";
import type { PyprojectAnalysis } from "./pyproject";
import type { Setting } from "./resolve";
import { isSecretName, maskSecret } from "./secrets";
import { compareText } from "./compareText";

/**
 * `environment`: VS Code's (the process) environment; `setting`: a settings value
 * not in a known file (user settings); `workspace-file` / `config-dir` / `file`:
 * a file, by where it is.
 */
export type SecretLocation = "environment" | "setting" | "workspace-file" | "config-dir" | "file";

export interface SecretStatus {
  /** What it is: `auth_token`, `log_store.api_key`, `image.environment.OPENAI_API_KEY`, a variable, a secret name… */
  name: string;
  /** `value`: the secret itself is here (masked); `reference`: only the name of a secret store entry. */
  kind: "value" | "reference";
  /** The masked form (values) or the referenced secret's name (references). */
  display: string;
  source?: Source;
  origin?: Origin;
  location: SecretLocation;
  /** It is the value Kitaru uses (not overridden, not ignored). */
  effective: boolean;
  /** Why Kitaru does not use it at all (as opposed to a higher layer overriding it). */
  unused?: string;
  /** A clear-text secret in a file inside the workspace: likely committed unless git ignores it. */
  plainTextInWorkspace: boolean;
}

interface Input {
  host: Host;
  workspace: string;
  configDir: string;
  settings: Record<string, Setting>;
  pyproject: PyprojectAnalysis | undefined;
  kitaruYaml: KitaruYamlAnalysis | undefined;
}

/** Kitaru's and ZenML's variables; other secret-looking variables are not Kitaru configuration. */
const KITARU_VARIABLE = /^(KITARU|ZENML)_/;

/** Variables that reach no setting only when Kitaru refuses them. */
const UNUSED_WHEN_UNRESOLVED: Record<string, string> = {
  KITARU_LOG_STORE_API_KEY: "Kitaru refuses the KITARU_LOG_STORE_* variables as set (see Problems)",
};

/** The setting a secret variable is for, when it has one; and the KITARU_* name Kitaru copies over a ZENML_* one. */
const VARIABLE_KEYS: Record<string, { key: string; replacedBy?: string }> = {
  KITARU_AUTH_TOKEN: { key: "auth_token" },
  KITARU_LOG_STORE_API_KEY: { key: "log_store.api_key" },
  ZENML_STORE_API_KEY: { key: "auth_token", replacedBy: "KITARU_AUTH_TOKEN" },
};

export function collectSecrets(input: Input): SecretStatus[] {
  const p = pathFor(input.host.platform);
  const inside = (root: string, file: string) => {
    const rel = p.relative(root, file);
    return rel !== "" && !rel.startsWith("..") && !p.isAbsolute(rel);
  };
  const locate = (origin: Origin | undefined): SecretLocation => {
    if (!origin) return "file";
    const file = origin?.file;
    if (!file) return "env" in origin && origin.via ? "setting" : "environment";
    if (inside(input.workspace, file)) return "workspace-file";
    if (inside(input.configDir, file)) return "config-dir";
    return "file";
  };
  const out: SecretStatus[] = [];
  for (const setting of Object.values(input.settings)) {
    for (const [i, c] of [setting, ...setting.overridden].entries()) {
      if (!c.masked || c.value === null) continue;
      const location = locate(c.origin);
      out.push({
        name: setting.key,
        kind: "value",
        display: String(c.value),
        source: c.source,
        ...(c.origin ? { origin: c.origin } : {}),
        location,
        effective: i === 0,
        plainTextInWorkspace: location === "workspace-file",
      });
    }
  }
  // Secret variables that are set but reach no setting (e.g. KITARU_LOG_STORE_API_KEY without a
  // backend, a ZENML_STORE_PASSWORD): still set, still a secret in clear wherever it is written.
  const fromEnv = new Set(out.flatMap((s) => (s.origin && "env" in s.origin ? [s.origin.env] : [])));
  for (const [name, value] of Object.entries(input.host.env).sort(([a], [b]) => compareText(a, b))) {
    if (value === undefined || value.trim() === "" || !KITARU_VARIABLE.test(name) || !isSecretName(name) || fromEnv.has(name)) continue;
    const from = input.host.envOrigins?.[name];
    const origin: Origin = { env: name, ...(from ? { via: from.label } : {}), ...(from?.file ? { file: from.file, line: from.line ?? 1 } : {}) };
    const location = locate(origin);
    const known = VARIABLE_KEYS[name];
    const replaced = known?.replacedBy !== undefined && (input.host.env[known.replacedBy] ?? "").trim() !== "";
    out.push({
      name: known?.key ?? name,
      kind: "value",
      display: maskSecret(value),
      source: name.startsWith("ZENML_") ? "zenml-env" : "env",
      origin,
      location,
      ...(UNUSED_WHEN_UNRESOLVED[name] ? { effective: false, unused: UNUSED_WHEN_UNRESOLVED[name] } : { effective: !replaced }),
      plainTextInWorkspace: location === "workspace-file",
    });
  }
  // auth_token in pyproject is never used by Kitaru, so it is in no setting; it is still a leaked secret.
  const token = input.pyproject?.entries.get("auth_token");
  if (input.pyproject && token) {
    out.push({
      name: "auth_token",
      kind: "value",
      display: "****",
      source: "pyproject",
      origin: { file: input.pyproject.file, line: token.keySpan.start.line, column: token.keySpan.start.column, span: token.keySpan },
      location: locate({ file: input.pyproject.file, line: 1 }),
      effective: false,
      unused: "Kitaru never reads auth_token from pyproject.toml",
      plainTextInWorkspace: inside(input.workspace, input.pyproject.file),
    });
  }
  for (const alias of input.kitaruYaml?.aliases ?? []) {
    if (!alias.secret) continue;
    out.push({
      name: `model alias "${alias.alias}"`,
      kind: "reference",
      display: alias.secret,
      source: "global",
      origin: { file: input.kitaruYaml!.file, line: alias.span?.start.line ?? 1 },
      location: locate({ file: input.kitaruYaml!.file, line: 1 }),
      effective: true,
      plainTextInWorkspace: false,
    });
  }
  const refs = input.settings["image.secret_environment_from"];
  if (refs && Array.isArray(refs.value)) {
    for (const name of refs.value) {
      out.push({ name: "image.secret_environment_from", kind: "reference", display: String(name), source: refs.source, ...(refs.origin ? { origin: refs.origin } : {}), location: locate(refs.origin), effective: true, plainTextInWorkspace: false });
    }
  }
  return out;
}

/** How a secret's status reads after its location: "", " (overridden)", " (not used: …)". */
export function secretUse(s: Pick<SecretStatus, "effective" | "unused">): string {
  if (s.unused) return ` (not used: ${s.unused})`;
  return s.effective ? "" : " (overridden)";
}

/** Where a variable's assignment sits in its file, when the caller knows more than the line. */
export type VariablePosition = (variable: string, file: string) => { line: number; column: number; endColumn: number } | undefined;

/**
 * A clear-text secret from an env file or workspace settings, in a workspace
 * file git does not ignore (or whose status is unknown, the safe answer): a
 * warning at its line, as for a token in pyproject.toml. Secrets in
 * pyproject.toml and kitaru.yaml get theirs from those files' own checks.
 */
export function plainTextSecretProblems(secrets: readonly SecretStatus[], options: { workspace: string; ignored: (file: string) => boolean | undefined; position?: VariablePosition; platform?: string }): Problem[] {
  const p = pathFor(options.platform ?? "linux");
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const s of secrets) {
    const variable = s.origin && "env" in s.origin ? s.origin.env : undefined;
    const file = s.origin?.file;
    if (s.kind !== "value" || !s.plainTextInWorkspace || !variable || !file || options.ignored(file) === true) continue;
    const id = `${file}\0${variable}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const at = options.position?.(variable, file);
    const line = at?.line ?? (s.origin && "env" in s.origin ? s.origin.line : undefined) ?? 1;
    const rel = p.relative(options.workspace, file);
    const shown = rel.startsWith("..") ? file : rel;
    const inSettings = s.origin && "env" in s.origin && s.origin.via?.startsWith("kitaru.environment");
    // KITARU_IMAGE's image.environment.GH_TOKEN names both; a token variable is named by itself.
    const what = s.name.startsWith("image.") ? `${variable} (${s.name})` : variable;
    out.push({
      severity: "warning",
      code: "secret-in-file",
      file,
      env: variable,
      key: s.name,
      span: at ? { start: { line, column: at.column }, end: { line, column: at.endColumn } } : { start: { line, column: 1 }, end: { line, column: 1 + variable.length } },
      message: inSettings
        ? `${what} is a secret in plain text in ${shown} (kitaru.environment), a file git does not ignore (likely committed). Move it to a git-ignored env file named by kitaru.envFile, or set it in your shell, and rotate it.`
        : `${what} is a secret in plain text in ${shown}, a file git does not ignore (likely committed). Add ${p.basename(file)} to .gitignore, or set the variable in your shell instead, and rotate it.`,
    });
  }
  return out;
}
