/// <reference types="mocha" />
// Switch Stack in a monorepo (scenario cli-monorepo, the tester's /tmp/w1): the
// picker's note and the message after switching describe the same project, the
// one the tree shows, even when the active editor is not a file of it (an
// explain document), and both count every stack= pin of that project's code,
// @flow(...) ones too; pins of another project's modules are left out.
import * as assert from "assert";
import * as path from "path";
import * as vscode from "vscode";
import { api, run, type Api } from "./cliApi";
import { waitFor } from "./util";

suite("Switch Stack in a monorepo", () => {
  let a: Api;
  let ws: string;
  const alphaDir = () => path.join(ws, "packages", "alpha");

  suiteSetup(async function () {
    this.timeout(90_000);
    a = await api();
    ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  });

  setup(() => a.cli.clearMessages());

  test("with a module of packages/alpha open, then the explain document in front, the tree stays on alpha", async function () {
    this.timeout(30_000);
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(alphaDir(), "src", "flows.py")));
    await waitFor(() => a.current()?.project.dir === alphaDir(), { what: "the tree to explain packages/alpha", timeoutMs: 15_000 });
    await vscode.commands.executeCommand("kitaru.explain");
    await waitFor(() => vscode.window.activeTextEditor?.document.uri.scheme === "kitaru-explain", { what: "the explain document in front" });
    await a.refresh();
    assert.strictEqual(a.current()?.project.dir, alphaDir(), "a non-file editor does not move the tree to the workspace root");
  });

  test("the picker and the message name alpha's stack and both of its code pins", async function () {
    this.timeout(30_000);
    a.cli.answer("gpu");
    const result = await run("kitaru.switchStack");
    assert.ok(result.ok, JSON.stringify(result));
    assert.strictEqual(
      a.cli.lastPick()!.placeholder,
      "Choose the active stack. Note: packages/alpha runs on 'alpha-stack' from packages/alpha/pyproject.toml:5 whatever is chosen here, and code chooses its own stack in 2 places (@flow(stack='gpu') on alpha_flow (packages/alpha/src/flows.py:5), …).",
    );
    const shown = a.cli.messages();
    assert.strictEqual(shown.length, 1, JSON.stringify(shown, null, 1));
    assert.strictEqual(
      shown[0]!.text,
      "Kitaru: Active stack is now 'gpu'; packages/alpha still runs on 'alpha-stack' from packages/alpha/pyproject.toml:5. Code still chooses its own stack in 2 places: @flow(stack='gpu') on alpha_flow (packages/alpha/src/flows.py:5, the stack just chosen); alpha_flow.run(stack='prod') (packages/alpha/src/flows.py:11).",
    );
    assert.strictEqual(shown[0]!.severity, "warning");
    assert.deepStrictEqual(shown[0]!.actions, ["Open packages/alpha/pyproject.toml:5"]);
    assert.strictEqual(a.current()?.project.dir, alphaDir(), "the tree still explains alpha after the switch");
  });

  test("for the root project: root's stack and only root's own pin (alpha's modules belong to alpha)", async function () {
    this.timeout(30_000);
    await vscode.commands.executeCommand("kitaru.selectProject", ws);
    await waitFor(() => a.current()?.project.dir === ws, { what: "the root project pinned" });
    a.cli.answer("prod");
    const result = await run("kitaru.switchStack");
    assert.ok(result.ok, JSON.stringify(result));
    assert.strictEqual(a.cli.lastPick()!.placeholder, "Choose the active stack. Note: the root project runs on 'root-stack' from pyproject.toml:5 whatever is chosen here, and code chooses its own stack in one place (@flow(stack='root-pinned') on root_flow (root_flows.py:4)).");
    assert.strictEqual(a.cli.messages()[0]!.text, "Kitaru: Active stack is now 'prod'; the root project still runs on 'root-stack' from pyproject.toml:5. Code still chooses its own stack in one place: @flow(stack='root-pinned') on root_flow (root_flows.py:4).");
    await vscode.commands.executeCommand("kitaru.selectProject", "");
  });

  test("packages/c (no stack of its own): the message names packages/c, not the workspace, and a deploy() pin reads deploy", async function () {
    this.timeout(30_000);
    const c = path.join(ws, "packages", "c");
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(c, "app", "main.py")));
    await waitFor(() => a.current()?.project.dir === c, { what: "the tree to explain packages/c", timeoutMs: 15_000 });
    a.cli.answer("gpu");
    const result = await run("kitaru.switchStack");
    assert.ok(result.ok, JSON.stringify(result));
    assert.strictEqual(a.cli.lastPick()!.placeholder, "Choose the active stack (kitaru stack use). Note: code chooses its own stack in 2 places (@flow(stack='gpu') on report (packages/c/app/main.py:5), …), which this does not change.");
    assert.strictEqual(
      a.cli.messages()[0]!.text,
      "Kitaru: Active stack is now 'gpu'; packages/c runs on it. Code still chooses its own stack in 2 places: @flow(stack='gpu') on report (packages/c/app/main.py:5, the stack just chosen); report.deploy(stack='prod') (packages/c/app/main.py:16).",
    );
    assert.deepStrictEqual(a.cli.messages()[0]!.actions, ["Open packages/c/app/main.py:16"]);
  });

  test("Explain Configuration with unsaved edits: says which files it includes and that the command line reads them once saved", async function () {
    this.timeout(40_000);
    const pyproject = vscode.Uri.file(path.join(alphaDir(), "pyproject.toml"));
    const doc = await vscode.workspace.openTextDocument(pyproject);
    const editor = await vscode.window.showTextDocument(doc);
    await waitFor(() => a.current()?.project.dir === alphaDir(), { what: "the tree to explain packages/alpha", timeoutMs: 15_000 });
    const line = doc.getText().split("\n").findIndex((l) => l.startsWith("stack = "));
    await editor.edit((e) => e.replace(doc.lineAt(line).range, 'stack = "unsaved-stack"'));
    assert.ok(doc.isDirty, "the edit is not saved (files.autoSave is off)");
    try {
      await waitFor(() => a.current()?.resolution.settings.stack?.value === "unsaved-stack", { what: "the unsaved stack to be explained", timeoutMs: 10_000 });
      await vscode.commands.executeCommand("kitaru.explain");
      const explained = () => vscode.workspace.textDocuments.find((d) => d.uri.scheme === "kitaru-explain" && new URLSearchParams(d.uri.query).get("dir") === alphaDir());
      const text = await waitFor(() => (explained()?.getText().includes("unsaved-stack") ? explained()!.getText() : undefined), { what: "the explain document with the unsaved value", timeoutMs: 10_000 });
      assert.ok(
        text.includes(`This answer includes unsaved edits to packages/alpha/pyproject.toml. The command line reads it from disk: it gives the same answer once it is saved: kitaru-config resolve --workspace ${ws} --cwd ${alphaDir()}`),
        text,
      );
      assert.ok(!text.includes("Same answer on the command line"), "no claim of the same answer while the file is unsaved");
    } finally {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand("workbench.action.files.revert");
    }
    // Once the text is the file's again, the claim is true again.
    const after = await waitFor(() => {
      const d = vscode.workspace.textDocuments.find((x) => x.uri.scheme === "kitaru-explain" && new URLSearchParams(x.uri.query).get("dir") === alphaDir());
      return d?.getText().includes("Same answer on the command line") ? d.getText() : undefined;
    }, { what: "the explain document to drop the unsaved note", timeoutMs: 10_000 });
    assert.ok(after.includes('"alpha-stack"'), after);
  });
});
