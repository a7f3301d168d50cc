/// <reference types="mocha" />
// A multi-root workspace (alpha, beta) where beta is a monorepo with a nested
// project: the tree explains the project of the file being edited, and the
// user can pick another.
import * as assert from "assert";
import * as path from "path";
import * as vscode from "vscode";
import { kitaru, row, waitForTree, type KitaruApi } from "./kitaru";

suite("multi-root and monorepo", () => {
  let api: KitaruApi;
  const folder = (name: string) => vscode.workspace.workspaceFolders!.find((f) => f.name === name)!.uri.fsPath;

  suiteSetup(async function () {
    this.timeout(90_000);
    api = await kitaru();
    assert.strictEqual(vscode.workspace.workspaceFolders?.length, 2);
  });

  const stackOf = (rows: Parameters<typeof row>[0]) => row(rows, "Execution", "stack")?.description;

  test("each folder shows its own values, following the active editor", async function () {
    this.timeout(30_000);
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(folder("alpha"), "app.py")));
    await waitForTree(api, (r) => stackOf(r) === "alpha-stack  ·  pyproject", "alpha's stack");
    assert.strictEqual(row(await api.treeSnapshot(3), "Execution", "retries")?.description, "1  ·  pyproject");
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(folder("beta"), "pyproject.toml")));
    await waitForTree(api, (r) => stackOf(r) === "beta-stack  ·  pyproject", "beta's stack");
    assert.strictEqual(row(await api.treeSnapshot(3), "Execution", "retries")?.description, "2  ·  pyproject");
  });

  test("in a monorepo the nearest pyproject.toml of the edited file wins", async function () {
    this.timeout(30_000);
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(folder("beta"), "services", "worker", "main.py")));
    await waitForTree(api, (r) => stackOf(r) === "worker-gpu  ·  pyproject", "the worker's stack");
    // Kitaru reads only the nearest file: beta's retries = 2 does not apply.
    assert.strictEqual(row(await api.treeSnapshot(3), "Execution", "retries")?.description, "0  ·  default");
  });

  test("a project picked explicitly stays until the user follows the editor again", async function () {
    this.timeout(30_000);
    await vscode.commands.executeCommand("kitaru.selectProject", folder("alpha"));
    await waitForTree(api, (r) => stackOf(r) === "alpha-stack  ·  pyproject", "the pinned project");
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(folder("beta"), "pyproject.toml")));
    await api.refresh();
    assert.strictEqual(stackOf(await api.treeSnapshot(3)), "alpha-stack  ·  pyproject");
    await vscode.commands.executeCommand("kitaru.selectProject", "");
    await waitForTree(api, (r) => stackOf(r) === "beta-stack  ·  pyproject", "following the editor again");
  });
});
