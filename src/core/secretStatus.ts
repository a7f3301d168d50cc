/**
 * The secret-masking status: every secret that is set, where it lives, and
 * whether it sits in plain text in a file inside the workspace.
 */
import { pathFor, type Host } from "./host";
import type { KitaruYamlAnalysis } from "./kitaruYaml";
import type { Origin, Source } from "./layer";
import type { PyprojectAnalysis } from "./pyproject";
import type { Setting } from "./resolve";

export type SecretLocation = "environment" | "workspace-file" | "config-dir" | "file";

export interface SecretStatus {
  /** What it is: `auth_token`, `log_store.api_key`, `image.environment.OPENAI_API_KEY`, a secret name… */
  name: string;
  /** `value`: the secret itself is here (masked); `reference`: only the name of a secret store entry. */
  kind: "value" | "reference";
  /** The masked form (values) or the referenced secret's name (references). */
  display: string;
  source?: Source;
  origin?: Origin;
  location: SecretLocation;
  /** It is the value Kitaru uses (not overridden). */
  effective: boolean;
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

export function collectSecrets(input: Input): SecretStatus[] {
  const p = pathFor(input.host.platform);
  const inside = (root: string, file: string) => {
    const rel = p.relative(root, file);
    return rel !== "" && !rel.startsWith("..") && !p.isAbsolute(rel);
  };
  const locate = (origin: Origin | undefined): SecretLocation => {
    if (!origin) return "file";
    if ("env" in origin) return "environment";
    if (inside(input.workspace, origin.file)) return "workspace-file";
    if (inside(input.configDir, origin.file)) return "config-dir";
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
