/**
 * `kitaru-config check FILE...`: the editor's checks on named files, with the
 * same "overridden right now" hints, resolved with the CLI's own environment.
 */
import { checkDocument, kitaruFileKind, type DocumentCheck } from "./documentChecks";
import { pathFor, type Host } from "./host";
import type { Problem } from "./problems";
import { resolveConfiguration, type Resolution } from "./resolve";

export interface FileCheckResult {
  file: string;
  problems: Problem[];
  check?: DocumentCheck;
}

export interface CheckFilesOptions {
  /** The project folder (`--workspace`): a kitaru.yaml inside it is likely committed. */
  workspace: string;
}

/** Checks each file as the editor would; a file that cannot be read is one error. */
export function checkFiles(host: Host, files: readonly string[], options: CheckFilesOptions): FileCheckResult[] {
  const p = pathFor(host.platform);
  return files.map((given) => {
    const file = p.resolve(options.workspace, given);
    let text: string | null;
    try {
      text = host.readText(file);
    } catch (error) {
      return { file, problems: [unreadable(file, (error as NodeJS.ErrnoException).code === "EISDIR" ? "it is a directory" : (error as Error).message)] };
    }
    if (text === null) return { file, problems: [unreadable(file, "no such file")] };
    const kind = kitaruFileKind(file) ?? (/\.ya?ml$/i.test(file) ? "kitaru-yaml" : "pyproject");
    let resolution: Resolution | undefined;
    try {
      // pyproject.toml: a run started next to it reads it. kitaru.yaml: the config directory of this environment.
      resolution = kind === "pyproject" ? resolveConfiguration(host, { workspace: p.dirname(file), cwd: p.dirname(file) }) : resolveConfiguration(host, { workspace: options.workspace });
    } catch {
      resolution = undefined; // the file's own checks still apply
    }
    const rel = p.relative(options.workspace, file);
    const inWorkspace = !rel.startsWith("..") && !p.isAbsolute(rel);
    const check = checkDocument(file, text, { ...(resolution ? { resolution } : {}), likelyCommitted: inWorkspace });
    return { file, problems: check.problems, check };
  });
}

function unreadable(file: string, why: string): Problem {
  return { severity: "error", code: "file-unreadable", file, message: `Cannot read ${file}: ${why}.` };
}
