/**
 * Which Python files and source roots a workspace has, read from the disk the way the editor's
 * scan finds them: every `*.py` below the root, skipping excluded folders (node_modules, .venv,
 * …, any folder holding a pyvenv.cfg) and symbolic links to folders; and every folder holding a
 * `pyproject.toml` (a project of a monorepo, a uv workspace member), whose folder and `src/`
 * are where its packages are imported from.
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import { pathFor, type Platform } from "./host";
import { compareText } from "./compareText";

/** Folders never indexed, by the editor's scan and by `kitaru-config check` alike (plus any folder holding a pyvenv.cfg). */
export const EXCLUDED_DIR_NAMES: readonly string[] = ["node_modules", ".venv", "venv", ".git", ".hg", ".tox", ".nox", "__pycache__", "site-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs", "build", "dist"];

const EXCLUDED = new Set(EXCLUDED_DIR_NAMES);

/** How deep and how many folders a walk goes, so a huge tree cannot stall a caller. */
const MAX_DEPTH = 64;
const MAX_DIRS = 50_000;

export interface WorkspaceWalk {
  /** `*.py` files of at most `maxBytes`, sorted. */
  pythonFiles: string[];
  /** `*.py` files over `maxBytes`, sorted: not read as modules. */
  tooLarge: { file: string; size: number }[];
  /** Folders holding a pyproject.toml, sorted. */
  projectDirs: string[];
}

export function walkWorkspace(root: string, maxBytes: number): WorkspaceWalk {
  const out: WorkspaceWalk = { pythonFiles: [], tooLarge: [], projectDirs: [] };
  let dirs = 0;
  const walk = (dir: string, depth: number) => {
    if (depth > MAX_DEPTH || ++dirs > MAX_DIRS) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    // A virtual environment, whatever its name.
    if (depth > 0 && entries.some((e) => e.name === "pyvenv.cfg" && e.isFile())) return;
    for (const e of entries) {
      const full = nodePath.join(dir, e.name);
      if (e.isDirectory()) {
        if (!EXCLUDED.has(e.name)) walk(full, depth + 1);
      } else if (e.isFile() && e.name.endsWith(".py")) {
        if (maxBytes === Infinity) {
          out.pythonFiles.push(full);
          continue;
        }
        try {
          const size = fs.statSync(full).size;
          if (size <= maxBytes) out.pythonFiles.push(full);
          else out.tooLarge.push({ file: full, size });
        } catch {
          // vanished meanwhile
        }
      } else if (e.isFile() && e.name === "pyproject.toml") {
        out.projectDirs.push(dir);
      }
    }
  };
  walk(root, 0);
  out.pythonFiles.sort();
  out.tooLarge.sort((a, b) => compareText(a.file, b.file));
  out.projectDirs.sort(compareText);
  return out;
}

/**
 * The source roots of a set of project folders, in a fixed order (by path, each folder before
 * its `src/`): where `import pkg` may find `pkg` besides the importing file's own folders.
 */
export function sourceRootsOf(platform: Platform, projectDirs: Iterable<string>): string[] {
  const p = pathFor(platform);
  const dirs = [...new Set(projectDirs)].sort(compareText);
  return dirs.flatMap((d) => [d, p.join(d, "src")]);
}

const discovered = new Map<string, { at: number; roots: string[] }>();
/** How long a discovery is reused (an editor's explain view and a CLI run each ask a few times in a row). */
const DISCOVERY_TTL_MS = 2_000;

/** The source roots of the workspace at `root`, found on the disk (for callers without a workspace index). */
export function discoverSourceRoots(platform: Platform, root: string): string[] {
  const hit = discovered.get(root);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.roots;
  const roots = sourceRootsOf(platform, walkWorkspace(root, Infinity).projectDirs);
  discovered.set(root, { at: Date.now(), roots });
  return roots;
}

