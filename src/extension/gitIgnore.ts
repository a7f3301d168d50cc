/**
 * Whether a workspace file is ignored by git, through VS Code's own git
 * extension (no process of ours). Unknown (no git, no repository) counts as
 * "likely committed", the safe answer for a secret.
 */
import * as vscode from "vscode";
import type { Logger } from "./logger";

interface GitRepository {
  rootUri: vscode.Uri;
  checkIgnore(paths: string[]): Promise<Set<string>>;
}
interface GitApi {
  getRepository(uri: vscode.Uri): GitRepository | null;
}

export class GitIgnoreStatus implements vscode.Disposable {
  private readonly known = new Map<string, boolean>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly logger: Logger) {}

  /** true: ignored by git; false: not ignored; undefined: not known (yet). */
  ignored(file: string): boolean | undefined {
    return this.known.get(file);
  }

  async check(files: string[]): Promise<void> {
    const todo = [...new Set(files)].filter((f) => !this.known.has(f));
    if (!todo.length) return;
    const api = await gitApi();
    let changed = false;
    for (const file of todo) {
      const repo = api?.getRepository(vscode.Uri.file(file));
      if (!repo) continue;
      try {
        const ignored = await repo.checkIgnore([file]);
        this.known.set(file, ignored.has(file));
        changed = true;
      } catch (error) {
        this.logger.debug(`git check-ignore failed for a file: ${(error as Error).message}`);
      }
    }
    if (changed) this.changed.fire();
  }

  /** Forget answers (e.g. after .gitignore changed). */
  reset(): void {
    this.known.clear();
  }

  dispose(): void {
    this.changed.dispose();
  }
}

async function gitApi(): Promise<GitApi | undefined> {
  const ext = vscode.extensions.getExtension<{ getAPI(version: 1): GitApi }>("vscode.git");
  if (!ext) return undefined;
  try {
    const exports = ext.isActive ? ext.exports : await ext.activate();
    return exports.getAPI(1);
  } catch {
    return undefined;
  }
}
