/** Kitaru's config directory, chosen exactly as Kitaru chooses it. */
import { pathFor, type Host } from "./host";

export type ConfigDirSource = "KITARU_CONFIG_PATH" | "ZENML_CONFIG_PATH" | "default";

export interface ConfigDir {
  path: string;
  source: ConfigDirSource;
  /** How the default was derived (e.g. `$XDG_CONFIG_HOME/kitaru`), for the Files view. */
  reason: string;
}

const isBlank = (v: string | undefined): v is undefined => v === undefined || v.trim() === "";

export function configDirectory(host: Host): ConfigDir {
  const p = pathFor(host.platform);
  const kitaru = host.env.KITARU_CONFIG_PATH;
  if (!isBlank(kitaru)) {
    return { path: p.resolve(expandUser(kitaru, host)), source: "KITARU_CONFIG_PATH", reason: "KITARU_CONFIG_PATH is set" };
  }
  const zenml = host.env.ZENML_CONFIG_PATH;
  if (!isBlank(zenml)) {
    return {
      path: p.resolve(expandUser(zenml, host)),
      source: "ZENML_CONFIG_PATH",
      reason: "ZENML_CONFIG_PATH is set and KITARU_CONFIG_PATH is not",
    };
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
