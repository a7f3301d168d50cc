// Scenario for the Python layers in the editor (CodeLens, hovers, diagnostics,
// the Flows tree, the frozen-spec preview), listed in ./scenarios.mjs. The
// workspace is a temp copy of test/fixtures/python-flows (the suite edits and
// saves a module), plus a node_modules folder holding a flow that must not be
// indexed (node_modules/ is git-ignored, so it is written here). Its packages/
// folder is a two-member uv workspace (a flow of packages/a called from
// packages/b); the suite also writes, then deletes, a module too large to read,
// a 1,500-flow module and a third member.
import * as fs from "node:fs";
import * as path from "node:path";
import { dismissNotifications, openViewContainer, resizeSideBar, runCommand, saveScreenshot, treeRow, waitForTreeRows } from "./ui.mjs";

/** Literals of the fixture that must never appear in clear in any log, result or view. */
export const PYTHON_FIXTURE_SECRETS = ["nwsk_live_4f9a8b7c6d5e4f3a2b1c", "hunter2-hunter2-hunter2"];

function pythonFlowsWorkspace(ctx) {
  const target = path.join(ctx.tmpDir, "python-flows");
  fs.cpSync(path.join(ctx.root, "test", "fixtures", "python-flows"), target, { recursive: true });
  const bundled = path.join(target, "node_modules", "pyodide-shim");
  fs.mkdirSync(bundled, { recursive: true });
  fs.writeFileSync(path.join(bundled, "flows.py"), "from kitaru import flow\n\n\n@flow\ndef bundled_flow():\n    pass\n");
  return target;
}

/** The fixture's own config directory; no KITARU_ or ZENML_ variable of this machine leaks in. */
function hermeticEnv(ctx) {
  const env = {};
  for (const name of Object.keys(process.env)) if (/^(KITARU|ZENML)_/.test(name)) env[name] = undefined;
  return {
    ...env,
    KITARU_CONFIG_PATH: path.join(ctx.workspace, ".kitaru-home"),
    XDG_CONFIG_HOME: path.join(ctx.tmpDir, "xdg-config"),
  };
}

export const pythonScenarios = [
  {
    name: "python-flows",
    workspace: pythonFlowsWorkspace,
    env: hermeticEnv,
    settings: {},
    suites: ["python.test.ts"],
    forbiddenOutput: PYTHON_FIXTURE_SECRETS,
    // A picture of the CodeLens above the run() calls the suite left open and the Flows group, for the README.
    screenshots: async (page, outDir) => {
      // The suites opened the explain view beside the editor: one column again.
      await runCommand(page, "View: Single Column Editor Layout");
      await page.locator(".codelens-decoration").first().waitFor({ state: "visible", timeout: 20_000 });
      await openViewContainer(page, "Kitaru");
      await resizeSideBar(page, 520);
      const view = "Effective Configuration";
      await waitForTreeRows(page, view, { timeout: 20_000 });
      const research = treeRow(page, view, "research");
      await research.waitFor({ timeout: 15_000 });
      if ((await research.getAttribute("aria-expanded")) === "false") await research.locator(".monaco-tl-twistie").click();
      await dismissNotifications(page);
      await saveScreenshot(page, outDir, "python-codelens-flows");
    },
  },
];
