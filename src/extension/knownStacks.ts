/**
 * Stack names the kitaru CLI reported (`kitaru stack list`, `kitaru stack use`),
 * per config directory. config.yaml keeps only the active stack's id, and
 * the core names it from ZenML's local store; a remote server's stacks (or
 * any store the core cannot read) stay ids. The tree and the status bar show
 * the name kitaru gave for exactly that id instead, labelled as such.
 *
 * Filled only by commands the user ran anyway: no process is ever started
 * just to name a stack.
 */
import * as vscode from "vscode";
import { knownStackName, type KnownStack, type StackInfo } from "../core/kitaruCli";

export class KnownStacks implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  /** Config directory → stacks kitaru reported for it (the newest report of an id wins). */
  private readonly byConfigDir = new Map<string, KnownStack[]>();

  /** What one kitaru command reported for the config directory it ran with. */
  remember(configDir: string, stacks: readonly Pick<StackInfo, "id" | "name">[], via: KnownStack["via"]): void {
    const fresh = stacks.filter((s) => s.id && s.name && s.id !== s.name).map((s) => ({ id: s.id, name: s.name, via }));
    if (!fresh.length) return;
    const norm = (id: string) => id.replace(/-/g, "").toLowerCase();
    const ids = new Set(fresh.map((s) => norm(s.id)));
    const before = this.byConfigDir.get(configDir) ?? [];
    const next = [...fresh, ...before.filter((s) => !ids.has(norm(s.id)))].slice(0, 500);
    const same = next.length === before.length && next.every((s, i) => s.id === before[i]?.id && s.name === before[i]?.name && s.via === before[i]?.via);
    this.byConfigDir.set(configDir, next);
    if (!same) this.changed.fire();
  }

  /** The name kitaru reported for a persisted stack id, when the resolution could not name it. */
  nameFor(candidate: { value: unknown; source: string }, configDir: string): KnownStack | undefined {
    return knownStackName(candidate, this.byConfigDir.get(configDir) ?? []);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
