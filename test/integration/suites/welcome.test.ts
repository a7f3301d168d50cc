/// <reference types="mocha" />
// A folder with nothing of Kitaru's (scenario welcome): no tree of built-in
// defaults and no status bar item, but the welcome (its text and buttons are
// checked in the real workbench by the scenario's UI step, which then presses
// "Add Kitaru Settings to pyproject.toml"). A module that starts importing
// kitaru makes it a Kitaru project.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { kitaru, type KitaruApi } from "./kitaru";
import { waitFor } from "./util";

suite("welcome: nothing Kitaru-related", () => {
  let api: KitaruApi;
  let ws: string;

  suiteSetup(async function () {
    this.timeout(90_000);
    // Nothing activates the extension by itself here (no pyproject.toml, kitaru.yaml or Python editor).
    api = await kitaru();
    ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  });

  test("no tree of defaults, no status bar item, the welcome instead", async () => {
    await api.refresh();
    assert.strictEqual(api.current(), undefined);
    assert.deepStrictEqual(await api.treeSnapshot(2), []);
    assert.strictEqual(api.statusBar().visible, false);
    assert.deepStrictEqual(api.view(), { message: undefined, description: undefined, welcome: true });
  });

  test("the welcome's contents and when-clause are contributed", () => {
    const ext = vscode.extensions.getExtension("kitaru-tools.kitaru-config")!;
    const welcome = (ext.packageJSON.contributes.viewsWelcome as { view: string; when?: string; contents: string }[]).find((w) => w.when?.includes("kitaru.noProject"));
    assert.ok(welcome, "a viewsWelcome entry for kitaru.noProject");
    assert.strictEqual(welcome.view, "kitaru.settings");
    assert.match(welcome.contents, /\[Add Kitaru Settings to pyproject\.toml\]\(command:kitaru\.createProjectConfig\)/);
    assert.match(welcome.contents, /\[Open the Configuration Guide\]\(command:kitaru\.openDocs\)/);
  });

  test("Open the Configuration Guide opens the [tool.kitaru] guide", async function () {
    this.timeout(20_000);
    await vscode.commands.executeCommand("kitaru.openDocs");
    await waitFor(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => /tool-kitaru\.md/.test(t.label) || (t.input instanceof vscode.TabInputText && t.input.uri.path.endsWith("media/tool-kitaru.md"))), { what: "the guide to open", timeoutMs: 15_000 });
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  test("a module that imports kitaru makes it a Kitaru project; without it, the welcome is back", async function () {
    this.timeout(40_000);
    const file = path.join(ws, "flows.py");
    fs.writeFileSync(file, "from kitaru import flow\n\n\n@flow\ndef hello() -> None:\n    pass\n");
    await waitFor(() => api.current() !== undefined && api.statusBar().visible, { what: "the tree and status bar once kitaru is imported", timeoutMs: 20_000 });
    assert.strictEqual(api.view().welcome, false);
    fs.rmSync(file);
    await vscode.commands.executeCommand("kitaru.refresh");
    await waitFor(() => api.current() === undefined && !api.statusBar().visible && api.view().welcome, { what: "the welcome again", timeoutMs: 20_000 });
  });
});
