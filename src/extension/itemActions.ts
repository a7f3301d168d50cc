/**
 * Actions on setting rows: copy the value (never a secret in clear), copy the
 * setting as a [tool.kitaru] line or an `export` line.
 */
import * as vscode from "vscode";
import { settingAsExport, settingAsToml } from "../core/copyAs";
import type { Setting } from "../core/resolve";
import type { FeatureContext } from "./extension";

/** Tree rows pass their node; commands accept either that or a setting key (palette, tests). */
function settingOf(model: FeatureContext["model"], arg: unknown): Setting | undefined {
  const settings = model.current?.resolution.settings;
  if (!settings) return undefined;
  if (typeof arg === "string") return settings[arg];
  const node = arg as { setting?: Setting } | undefined;
  return node?.setting ? settings[node.setting.key] ?? node.setting : undefined;
}

export function registerItemActions({ context, model }: FeatureContext): void {
  const copy = async (text: string, what: string) => {
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`$(clippy) Copied ${what}`, 2500);
  };
  context.subscriptions.push(
    vscode.commands.registerCommand("kitaru.copyValue", async (arg?: unknown) => {
      const s = settingOf(model, arg);
      if (!s) return;
      if (s.masked) {
        void vscode.window.showInformationMessage(`${s.key} is a secret; Kitaru Configuration never copies it in clear.`);
        return;
      }
      await copy(typeof s.value === "string" ? s.value : JSON.stringify(s.value), `the value of ${s.key}`);
    }),
    vscode.commands.registerCommand("kitaru.copyAsToml", async (arg?: unknown) => {
      const s = settingOf(model, arg);
      const line = s && settingAsToml(s);
      if (!line) {
        void vscode.window.showInformationMessage(`${s?.key ?? "This setting"} cannot be set in [tool.kitaru]${s?.masked ? " (and secrets never belong in pyproject.toml)" : ""}.`);
        return;
      }
      await copy(line, `${s.key} as a [tool.kitaru] line`);
    }),
    vscode.commands.registerCommand("kitaru.copyAsExport", async (arg?: unknown) => {
      const s = settingOf(model, arg);
      const line = s && settingAsExport(s);
      if (!line) {
        void vscode.window.showInformationMessage(`${s?.key ?? "This setting"} has no environment variable${s?.masked ? ", and secrets are never copied in clear" : ""}.`);
        return;
      }
      await copy(line, `${s.key} as an export line`);
    }),
  );
}
