/**
 * Actions on setting rows: copy the value (never a secret in clear), copy the
 * setting as a [tool.kitaru] line or an `export` line.
 *
 * Rows of the Flows group (python/flowsTree.ts) get Copy Value and Explain
 * too: package.json's menus match their contextValues (`flow`, `flowCall`,
 * `flowSetting`), and the commands read which flow or call and which setting
 * a row is from its stable tree id.
 */
import * as vscode from "vscode";
import { settingAsExport, settingAsToml } from "../core/copyAs";
import { flowSpec } from "../core/flowIndex";
import type { Setting } from "../core/resolve";
import type { ExplainRequest } from "./explain";
import type { FeatureContext } from "./extension";
import type { KitaruModel } from "./model";

/** A row of the Flows group, read from its id. */
export interface FlowRow {
  /** The module defining the flow, and the flow's name. */
  file: string;
  flow: string;
  /** For a call site (or one of its settings): the calling module and the call's line. */
  call?: { file: string; line: number };
  /** For a setting row: the summary's key (`stack`, `cache`, `retries`, `image`). */
  key?: string;
}

/**
 * The Flows group's ids (python/flowsTree.ts): a flow `flows:<file>\0<name>`, its
 * setting `…:setting:<key>`, a call site `…:call:<file>:<line>:<column>`, the
 * call's setting `…:call:<file>:<line>:<column>:setting:<key>`. Other rows
 * (checkpoints, groups, messages) are not flows, calls or settings: undefined.
 */
export function parseFlowRowId(id: string): FlowRow | undefined {
  if (!id.startsWith("flows:")) return undefined;
  const nul = id.indexOf("\u0000");
  if (nul < 0) return undefined;
  const file = id.slice("flows:".length, nul);
  const m = /^([A-Za-z_][\w]*)(?::call:(.+):(\d+):(\d+))?(?::setting:([\w.]+))?$/s.exec(id.slice(nul + 1));
  if (!m) return undefined;
  return { file, flow: m[1]!, ...(m[2] ? { call: { file: m[2], line: Number(m[3]) } } : {}), ...(m[5] ? { key: m[5] } : {}) };
}

/** The Flows row a menu passed (the tree's element: `{ kind: "contributed", node: { item } }`). */
function flowRowOf(arg: unknown): FlowRow | undefined {
  const id = (arg as { node?: { item?: { id?: unknown } } } | undefined)?.node?.item?.id;
  return typeof id === "string" ? parseFlowRowId(id) : undefined;
}

/** What Explain shows for a Flows row: that call's or that flow's configuration. */
export function explainRequestForRow(model: KitaruModel, arg: unknown): ExplainRequest | undefined {
  const row = flowRowOf(arg);
  if (!row) return undefined;
  const file = row.call?.file ?? row.file;
  const project = model.projectFor(file);
  if (!project) return undefined;
  const workspace = project.folder.uri.fsPath;
  return row.call ? { dir: project.dir, call: flowSpec(process.platform, workspace, row.call.file, row.call.line) } : { dir: project.dir, flow: flowSpec(process.platform, workspace, row.file, row.flow) };
}

/** The setting a Flows setting row shows, resolved for its flow or call as Explain resolves it. */
function flowSettingOf(model: KitaruModel, arg: unknown): Setting | undefined {
  const row = flowRowOf(arg);
  const request = row?.key ? explainRequestForRow(model, arg) : undefined;
  if (!row?.key || !request?.dir) return undefined;
  const project = model.knownProjects.find((p) => p.dir === request.dir) ?? model.projectFor(request.dir);
  if (!project) return undefined;
  const { resolution } = model.resolve(project, { ...(request.flow ? { flow: request.flow } : {}), ...(request.call ? { call: request.call } : {}) });
  // The summary's `image` row is the base image.
  return resolution.settings[row.key === "image" ? "image.base_image" : row.key];
}

/** Tree rows pass their node; commands accept either that or a setting key (palette, tests). */
function settingOf(model: FeatureContext["model"], arg: unknown): Setting | undefined {
  const flowSetting = flowSettingOf(model, arg);
  if (flowSetting) return flowSetting;
  const settings = model.current?.resolution.settings;
  if (!settings) return undefined;
  if (typeof arg === "string") return settings[arg];
  const node = arg as { setting?: Setting } | undefined;
  return node?.setting ? settings[node.setting.key] ?? node.setting : undefined;
}

/** What the copy commands put on the clipboard last (for tests: a headless browser's clipboard does not answer). Never a secret. */
export interface CopyRecord {
  text: string;
  what: string;
}

export function registerItemActions({ context, model }: FeatureContext): { lastCopied(): CopyRecord | undefined } {
  let last: CopyRecord | undefined;
  const copy = async (text: string, what: string) => {
    last = { text, what };
    vscode.window.setStatusBarMessage(`$(clippy) Copied ${what}`, 2500);
    await vscode.env.clipboard.writeText(text);
  };
  context.subscriptions.push(
    vscode.commands.registerCommand("kitaru.copyValue", async (arg?: unknown) => {
      const s = settingOf(model, arg);
      if (!s) return;
      if (s.masked) {
        void vscode.window.showInformationMessage(`${s.key} is a secret; Kitaru Configuration never copies it in clear.`);
        return;
      }
      if (s.dynamic !== undefined) {
        // Only known at run time: the source text is what there is to copy.
        await copy(s.dynamic, `the expression ${s.key} comes from`);
        return;
      }
      if (s.value === null) {
        void vscode.window.showInformationMessage(`${s.key} is unset: there is no value to copy.`);
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
  return { lastCopied: () => last };
}
