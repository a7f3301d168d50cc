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
      "Choose the active stack. Note: this workspace runs on 'alpha-stack' from packages/alpha/pyproject.toml:5 whatever is chosen here, and code chooses its own stack in 2 places (@flow(stack='gpu') on alpha_flow (packages/alpha/src/flows.py:5), …).",
    );
    const shown = a.cli.messages();
    assert.strictEqual(shown.length, 1, JSON.stringify(shown, null, 1));
    assert.strictEqual(
      shown[0]!.text,
      "Kitaru: Active stack is now 'gpu'; this workspace still runs on 'alpha-stack' from packages/alpha/pyproject.toml:5. Code still chooses its own stack in 2 places: @flow(stack='gpu') on alpha_flow (packages/alpha/src/flows.py:5, the stack just chosen); alpha_flow.run(stack='prod') (packages/alpha/src/flows.py:11).",
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
    assert.strictEqual(a.cli.lastPick()!.placeholder, "Choose the active stack. Note: this workspace runs on 'root-stack' from pyproject.toml:5 whatever is chosen here, and code chooses its own stack in one place (@flow(stack='root-pinned') on root_flow (root_flows.py:4)).");
    assert.strictEqual(a.cli.messages()[0]!.text, "Kitaru: Active stack is now 'prod'; this workspace still runs on 'root-stack' from pyproject.toml:5. Code still chooses its own stack in one place: @flow(stack='root-pinned') on root_flow (root_flows.py:4).");
    await vscode.commands.executeCommand("kitaru.selectProject", "");
  });
});
