/**
 * This tool's own cache directory (stack-names.json, analyses.json):
 * ~/.cache/kitaru-config on Linux, the platform's cache directory elsewhere
 * (env-paths). Never a relative path: env-paths takes XDG_CACHE_HOME as it is
 * and an empty HOME as the current directory, which would put the cache in the
 * user's project. A relative XDG_CACHE_HOME is ignored, as the XDG Base
 * Directory specification says; with no absolute home there is no cache.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import envPaths from "env-paths";

export function userCacheFile(name: string, env: Readonly<Record<string, string | undefined>> = process.env, platform: string = process.platform): string | undefined {
  const home = env.HOME ?? os.homedir();
  const xdg = env.XDG_CACHE_HOME;
  let dir: string | undefined;
  if (platform === "darwin" || platform === "win32") dir = envPaths("kitaru-config", { suffix: "" }).cache;
  else dir = path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, ".cache"), "kitaru-config");
  return path.isAbsolute(dir) ? path.join(dir, name) : undefined;
}

/**
 * A cache file's text; undefined when it is missing, over `maxBytes`, or not a
 * regular file (a FIFO or a device someone put there would block the read).
 */
export function readCacheFile(file: string, maxBytes: number): string | undefined {
  try {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.size > maxBytes) return undefined;
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Writes a cache file atomically (a temporary file renamed over it), readable by
 * the user only, its directory made first. Throws when it cannot: callers treat
 * a cache that cannot be written as a cost, not an error.
 */
export function writeCacheFile(file: string, text: string): void {
  makeCacheDirectory(path.dirname(file));
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text, { mode: 0o600 });
  fs.renameSync(temp, file);
}

/**
 * Creates `dir` and its missing parents (mode 0700), one level at a time, and
 * throws at the first that cannot be made. Not `mkdirSync({ recursive: true })`:
 * under /proc (HOME=/proc/self) Node's recursive mkdir retries for ever, and a
 * CLI that printed its answer would never exit.
 */
function makeCacheDirectory(dir: string): void {
  const missing: string[] = [];
  let at = dir;
  while (!fs.existsSync(at)) {
    missing.push(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const each of missing.reverse()) fs.mkdirSync(each, { mode: 0o700 });
}
