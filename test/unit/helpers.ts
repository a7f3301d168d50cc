/** A Host made of plain objects: files in a map, an explicit environment. */
import type { Host, Platform } from "../../src/core/host";

export function memoryHost(files: Record<string, string>, env: Record<string, string> = {}, options: { platform?: Platform; homedir?: string } = {}): Host {
  const dirs = new Set<string>();
  const sep = options.platform === "win32" ? "\\" : "/";
  for (const file of Object.keys(files)) {
    const parts = file.split(sep);
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join(sep) || sep);
  }
  return {
    env,
    platform: options.platform ?? "linux",
    homedir: options.homedir ?? "/home/alice",
    readText: (path) => (path in files ? files[path]! : null),
    isDirectory: (path) => dirs.has(path),
  };
}

export const PROJECT_HEADER = '[project]\nname = "research-agent"\nversion = "0.3.1"\n\n';
