/**
 * The Python layers in the editor: a workspace flow index, CodeLens above flows and call sites,
 * hovers on configuration arguments, Python diagnostics (`kitaru-python`), the Flows group of
 * the Kitaru view and the frozen-spec section of the explain view. Everything is owned by
 * `context.subscriptions`.
 */
import * as vscode from "vscode";
import type { FeatureContext } from "../extension";
import { FlowCodeLensProvider } from "./codeLens";
import { PythonDiagnostics } from "./diagnostics";
import { FlowResolutions } from "./flowResolutions";
import { flowsTreeGroup } from "./flowsTree";
import { FlowHoverProvider } from "./hover";
import { frozenSpecSection } from "./specSection";
import { WorkspaceFlows } from "./workspaceFlows";

const PYTHON: vscode.DocumentSelector = [
  { language: "python", scheme: "file" },
  { pattern: "**/*.py", scheme: "file" },
];

export function registerPythonFeatures({ context, model, logger, tree, explain }: FeatureContext): WorkspaceFlows {
  const flows = new WorkspaceFlows(logger);
  const resolutions = new FlowResolutions(model, flows);
  const lenses = new FlowCodeLensProvider(flows, resolutions);
  context.subscriptions.push(
    flows,
    resolutions,
    lenses,
    vscode.languages.registerCodeLensProvider(PYTHON, lenses),
    vscode.languages.registerHoverProvider(PYTHON, new FlowHoverProvider(flows, resolutions)),
    new PythonDiagnostics(flows, resolutions),
    tree.addGroup(flowsTreeGroup(flows, resolutions)),
    explain.addSection(frozenSpecSection),
  );
  // Indexing runs in the background; the editor features work on open files meanwhile.
  void flows.scan();
  return flows;
}
