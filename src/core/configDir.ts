/** Kitaru's config directory, chosen exactly as Kitaru chooses it. */
import { pathFor, type Host } from "./host";

export type ConfigDirSource = "KITARU_CONFIG_PATH" | "ZENML_CONFIG_PATH" | "default";

export interface ConfigDir {
  path: string;
  source: ConfigDirSource;
  /** How the default was derived (e.g. `$XDG_CONFIG_HOME/kitaru`), for the Files view. */
  reason: string;
  /** A path from a variable that does not mean what it seems to (a `~` Kitaru does not expand). */
  warning?: string;
}

const isBlank = (v: string | undefined): v is undefined => v === undefined || v.trim() === "";

/**
 * The directory as Kitaru names it. A relative path stays relative: it is
 * relative to where the run starts (the caller resolves it against that).
 */
export function configDirectory(host: Host): ConfigDir {
  for (const [name, reason] of [
    ["KITARU_CONFIG_PATH", "KITARU_CONFIG_PATH is set"],
    ["ZENML_CONFIG_PATH", "ZENML_CONFIG_PATH is set and KITARU_CONFIG_PATH is not"],
  ] as const) {
    const value = host.env[name];
    if (isBlank(value)) continue;
    // Kitaru takes the text as a path (Path(...)): no ~ expansion, unlike a shell's unquoted ~.
    const warning = value.startsWith("~")
      ? `${name} starts with "~", which Kitaru does not expand (a shell does only when it is unquoted): it names a folder called "~" in the working directory. Use the full path.`
      : undefined;
    return { path: value, source: name, reason, ...(warning ? { warning } : {}) };
  }
  return { ...platformDefault(host), source: "default" };
}

/** click.get_app_dir("kitaru") with its defaults (roaming=True, force_posix=False). */
function platformDefault(host: Host): { path: string; reason: string } {
  const p = pathFor(host.platform);
  if (host.platform === "win32") {
    const appData = host.env.APPDATA;
    // click falls back to the home directory when APPDATA is unset (empty counts as unset).
    if (appData) return { path: p.join(appData, "kitaru"), reason: "%APPDATA%\\kitaru (Windows default)" };
    return { path: p.join(host.homedir, "kitaru"), reason: "~\\kitaru (Windows default without APPDATA)" };
  }
  if (host.platform === "darwin") {
    return { path: p.join(host.homedir, "Library", "Application Support", "kitaru"), reason: "macOS default" };
  }
  const xdg = host.env.XDG_CONFIG_HOME;
  if (xdg !== undefined) {
    // click uses os.environ.get("XDG_CONFIG_HOME", "~/.config"): an empty value yields the relative path "kitaru".
    return { path: p.join(expandUser(xdg, host), "kitaru"), reason: "$XDG_CONFIG_HOME/kitaru" };
  }
  return { path: p.join(host.homedir, ".config", "kitaru"), reason: "~/.config/kitaru (Linux default)" };
}

function expandUser(path: string, host: Host): string {
  if (path === "~") return host.homedir;
  if (path.startsWith("~/") || (host.platform === "win32" && path.startsWith("~\\"))) {
    return pathFor(host.platform).join(host.homedir, path.slice(2));
  }
  return path;
}
