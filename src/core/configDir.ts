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

/**
 * click.get_app_dir("kitaru") with its defaults (roaming=True, force_posix=False), as click 8 writes it:
 *
 *     if WIN: folder = os.environ.get("APPDATA"); if folder is None: folder = os.path.expanduser("~")
 *     darwin: os.path.join(os.path.expanduser("~/Library/Application Support"), app_name)
 *     else:   os.path.join(os.environ.get("XDG_CONFIG_HOME", os.path.expanduser("~/.config")), app_name)
 *
 * XDG_CONFIG_HOME is taken as it is (click does not expand a "~" in it), and "~" follows
 * posixpath.expanduser (see {@link expandUser}), so HOME="" gives /.config/kitaru.
 */
function platformDefault(host: Host): { path: string; reason: string } {
  const p = pathFor(host.platform);
  if (host.platform === "win32") {
    const appData = host.env.APPDATA;
    // click falls back to the home directory when APPDATA is None; an empty one is treated as unset here.
    if (appData) return { path: p.join(appData, "kitaru"), reason: "%APPDATA%\\kitaru (Windows default)" };
    return { path: p.join(host.homedir ?? "~", "kitaru"), reason: "~\\kitaru (Windows default without APPDATA)" };
  }
  if (host.platform === "darwin") {
    const home = expandUser("~/Library/Application Support", host);
    return { path: joinPosix(home.path, "kitaru"), reason: `~/Library/Application Support/kitaru (macOS default${home.note})` };
  }
  const xdg = host.env.XDG_CONFIG_HOME;
  if (xdg !== undefined) {
    // click uses os.environ.get("XDG_CONFIG_HOME", ...) as it is: an empty value yields the relative path "kitaru",
    // and a "~" is not expanded.
    return { path: joinPosix(xdg, "kitaru"), reason: "$XDG_CONFIG_HOME/kitaru" };
  }
  const home = expandUser("~/.config", host);
  return { path: joinPosix(home.path, "kitaru"), reason: `~/.config/kitaru (Linux default${home.note})` };
}

/** os.path.join(a, b) on POSIX for a relative b: no normalization, one separator. */
function joinPosix(a: string, b: string): string {
  return a === "" || a.endsWith("/") ? a + b : `${a}/${b}`;
}

/**
 * posixpath.expanduser for a path starting with "~/" (CPython 3.8–3.13):
 *
 *     if 'HOME' not in os.environ: userhome = pwd.getpwuid(os.getuid()).pw_dir  (KeyError: return path unchanged)
 *     else: userhome = os.environ['HOME']
 *     userhome = userhome.rstrip('/')
 *     return (userhome + path[1:]) or '/'
 *
 * So an empty HOME, or "/", gives "/.config"; a relative HOME stays relative (to where the run starts).
 * `note` says so when HOME does not give the expected home directory.
 */
function expandUser(path: `~/${string}`, host: Host): { path: string; note: string } {
  const home = host.env.HOME;
  const userhome = home !== undefined ? home : host.homedir;
  // No HOME and no password entry for the user: Python leaves the path as it is (relative, a folder called "~").
  if (userhome === undefined) return { path, note: '; HOME is unset and the user has no password entry, so "~" stays unexpanded' };
  const stripped = userhome.replace(/\/+$/, "");
  const note =
    home === undefined ? "; HOME is unset: the home directory from the password database" : home === "" ? '; HOME is empty, so "~" is "/"' : stripped === "" ? "" : stripped.startsWith("/") ? "" : "; HOME is a relative path";
  return { path: stripped + path.slice(1) || "/", note };
}
