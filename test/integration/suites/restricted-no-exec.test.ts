/// <reference types="mocha" />
// Restricted Mode (scenario restricted-no-exec): the extension reads and explains
// the workspace's files, and runs nothing of the workspace's. Every executable
// the workspace holds (.venv/bin/kitaru and python, venv/bin/kitaru, bin/kitaru,
// bin/python, bin/git; bin/kitaru is also kitaru.path and first on PATH in its
// .vscode/settings.json) writes a marker file when run: after every feature and
// every command has been driven, there must be none.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { api, run, type Api } from "./cliApi";
import { row, waitForTree } from "./kitaru";
import { waitFor } from "./util";

suite("Restricted Mode: explains the workspace, runs nothing from it", () => {
  let a: Api;
  let ws: string;
  const markers = () => fs.readdirSync(process.env.KITARU_TEST_MARKERS!);

  suiteSetup(async function () {
    this.timeout(90_000);
    a = await api();
    await a.ready;
    ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  });

  test("the workspace is not trusted, and its executables are in place", () => {
    assert.strictEqual(vscode.workspace.isTrusted, false);
    for (const rel of [".venv/bin/kitaru", ".venv/bin/python", "bin/kitaru"]) assert.ok(fs.statSync(path.join(ws, rel)).mode & 0o100, `${rel} is executable`);
    assert.deepStrictEqual(markers(), []);
  });

  test("the files are read and explained: tree, CodeLens, hovers, diagnostics, explain view", async function () {
    this.timeout(90_000);
    const rows = await waitForTree(a, (r) => (row(r, "Execution", "stack") ? r : undefined), "the Execution group", 30_000);
    assert.strictEqual(row(rows, "Execution", "stack")?.description, "prod  ·  pyproject");
    const flows = vscode.Uri.file(path.join(ws, "src", "research_agent", "flows.py"));
    const doc = await vscode.workspace.openTextDocument(flows);
    await vscode.window.showTextDocument(doc);
    const lenses = await waitFor(async () => {
      const l = (await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", flows, 100)) ?? [];
      return l.some((x) => x.command?.title.includes("stack")) ? l : undefined;
    }, { what: "the CodeLenses", timeoutMs: 45_000 });
    assert.ok(lenses.length >= 2);
    for (let line = 0; line < doc.lineCount; line += 3) await vscode.commands.executeCommand("vscode.executeHoverProvider", flows, new vscode.Position(line, 4));
    const py = await vscode.workspace.openTextDocument(path.join(ws, "pyproject.toml"));
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>("vscode.executeHoverProvider", py.uri, new vscode.Position(11, 1))) ?? [];
    assert.ok(hovers.length > 0, "a hover on [tool.kitaru].stack");
    vscode.languages.getDiagnostics();
    await vscode.commands.executeCommand("kitaru.explain");
    const explain = await waitFor(() => vscode.workspace.textDocuments.find((d) => d.uri.scheme === "kitaru-explain"), { what: "the explain document" });
    assert.match(explain.getText(), /stack\s+= "prod"/);
    await waitFor(() => a.current()?.resolution.settings.retries !== undefined, { what: "a resolution" });
    assert.deepStrictEqual(markers(), [], "reading ran nothing");
  });

  test("every command, twice: with .venv present, and once it is gone (then bin/ on kitaru.path and PATH)", async function () {
    this.timeout(120_000);
    const drive = async () => {
      a.cli.clearMessages();
      for (const [id, args] of [
        ["kitaru.switchStack", ["gpu"]],
        ["kitaru.switchStack", []],
        ["kitaru.statusBarClicked", []],
        ["kitaru.login", []],
        ["kitaru.loginRemote", [{ server: "https://kitaru.example.com", apiKey: "k-restricted-0123456789" }]],
        ["kitaru.logout", []],
        ["kitaru.refresh", []],
        ["kitaru.selectProject", [ws]],
        ["kitaru.copyValue", ["stack"]],
        ["kitaru.copyAsToml", ["stack"]],
        ["kitaru.copyAsExport", ["stack"]],
        ["kitaru.createProjectConfig", []],
      ] as [string, unknown[]][]) {
        a.cli.answer(undefined);
        await run(id, ...args);
      }
      return a.cli.messages();
    };
    const first = await drive();
    assert.ok(first.some((m) => /Restricted Mode/.test(m.text)), JSON.stringify(first.map((m) => m.text)));
    assert.deepStrictEqual((await a.cli.locate()).kind, "restricted");
    fs.renameSync(path.join(ws, ".venv"), path.join(ws, ".venv-moved"));
    fs.renameSync(path.join(ws, "venv"), path.join(ws, "venv-moved"));
    try {
      const found = await a.cli.locate();
      // kitaru.path and kitaru.environment in the workspace settings are ignored in Restricted Mode; the
      // user's kitaru.environment puts the workspace's bin/ first on PATH.
      assert.deepStrictEqual([found.kind, found.step, found.path], ["restricted", "path", path.join(ws, "bin", "kitaru")]);
      const second = await drive();
      assert.ok(second.some((m) => /Restricted Mode/.test(m.text) && m.text.includes("bin/kitaru")), JSON.stringify(second.map((m) => m.text)));
    } finally {
      fs.renameSync(path.join(ws, ".venv-moved"), path.join(ws, ".venv"));
      fs.renameSync(path.join(ws, "venv-moved"), path.join(ws, "venv"));
    }
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  test("no executable of the workspace ran", async () => {
    // Give anything started in the background a moment to leave its marker.
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepStrictEqual(markers(), []);
  });
});
