// The CLI commands' part of the extension API (`exports.cli`), typed for the suites.
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { kitaru, row, type KitaruApi } from "./kitaru";
import { waitFor } from "./util";

export interface ShownMessage {
  severity: "info" | "warning" | "error";
  text: string;
  actions: string[];
  /** The VS Code command each action runs (when it runs one), with its arguments. */
  actionCommands: ({ command: string; args: unknown[] } | undefined)[];
  command: string;
}

export interface CliApi {
  messages(): ShownMessage[];
  clearMessages(): void;
  answer(...answers: (string | undefined)[]): void;
  lastPick(): { title: string; placeholder?: string; items: { label: string; description?: string; detail?: string }[] } | undefined;
  lastValidation(): string | undefined;
  running(): { pid: number; label: string }[];
  cancel(): number;
  locate(): Promise<{ kind: string; path?: string; step?: string }>;
  logDirectory: string;
}

export interface CommandResult {
  ok: boolean;
  cancelled?: boolean;
  message?: string;
  stack?: { id: string; name: string };
}

export type Api = KitaruApi & { cli: CliApi };

export async function api(): Promise<Api> {
  return (await kitaru()) as Api;
}

export const STACK_IDS = {
  default: "a51bf906-a221-46d7-81b8-c81f8adc5097",
  gpu: "7c0e2d4a-3b1f-4e8a-9d6c-5f2a1b3c4d5e",
  prod: "e4b5c6d7-8e9f-4a0b-b1c2-d3e4f5a6b7c8",
};

export function run(command: string, ...args: unknown[]): Thenable<CommandResult> {
  return vscode.commands.executeCommand<CommandResult>(command, ...args);
}

/** Sets `kitaru.environment` (the explained environment, which the CLI inherits) and waits until it reads back. */
export async function setEnvironment(vars: Record<string, string> | undefined): Promise<void> {
  await vscode.workspace.getConfiguration("kitaru").update("environment", vars, vscode.ConfigurationTarget.Workspace);
  await waitFor(() => JSON.stringify(vscode.workspace.getConfiguration("kitaru").get("environment") ?? {}) === JSON.stringify(vars ?? {}), { what: "kitaru.environment to apply", timeoutMs: 10_000 });
}

export async function setSetting(key: string, value: unknown, target = vscode.ConfigurationTarget.Workspace): Promise<void> {
  await vscode.workspace.getConfiguration("kitaru").update(key, value, target);
  await waitFor(() => JSON.stringify(vscode.workspace.getConfiguration("kitaru").inspect(key)?.[target === vscode.ConfigurationTarget.Global ? "globalValue" : "workspaceValue"]) === JSON.stringify(value), { what: `kitaru.${key} to apply`, timeoutMs: 10_000 });
}

export interface FakeCall {
  argv: string[];
  apiKeyGiven: boolean;
  cwd: string;
  stdinIsTTY: boolean;
  env: Record<string, string>;
}

/** Every call the fake kitaru recorded (FAKE_KITARU_LOG). */
export function fakeCalls(): FakeCall[] {
  const file = process.env.FAKE_KITARU_LOG;
  if (!file || !fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FakeCall);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function stackRow(a: Api): Promise<string> {
  return row(await a.treeSnapshot(4), "Execution", "stack")?.description ?? "";
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).flatMap((n) => filesUnder(path.join(dir, n))) : [dir];
}
