/**
 * This tool's own cache directory (stack-names.json, analyses.json):
 * ~/.cache/kitaru-config on Linux, the platform's cache directory elsewhere
 * (env-paths). Never a relative path: env-paths takes XDG_CACHE_HOME as it is
 * and an empty HOME as the current directory, which would put the cache in the
 * user's project. A relative XDG_CACHE_HOME is ignored, as the XDG Base
 * Directory specification says; with no absolute home there is no cache.
 */
import * as os from "node:os";
import * as path from "node:path";
import envPaths from "env-paths";

export function userCacheFile(name: string, env: Readonly<Record<string, string | undefined>> = process.env, platform: string = process.platform): string | undefined {
  const home = env.HOME !== undefined ? env.HOME : os.homedir();
  const xdg = env.XDG_CACHE_HOME;
  let dir: string | undefined;
  if (platform === "darwin" || platform === "win32") dir = envPaths("kitaru-config", { suffix: "" }).cache;
  else dir = path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, ".cache"), "kitaru-config");
  return path.isAbsolute(dir) ? path.join(dir, name) : undefined;
}
