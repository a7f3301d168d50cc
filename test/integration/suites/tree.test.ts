/// <reference types="mocha" />
// The demo workspace's effective configuration, read through the tree provider
// of the real extension in a real VS Code.
import * as assert from "assert";
import * as path from "path";
import * as vscode from "vscode";
import { allText, kitaru, row, waitForTree, type KitaruApi } from "./kitaru";

suite("tree: demo workspace", () => {
  let api: KitaruApi;

  suiteSetup(async function () {
    this.timeout(90_000);
    api = await kitaru();
  });

  test("Execution shows stack, retries and cache with their layers", async () => {
    const rows = await waitForTree(api, (r) => row(r, "Execution", "stack") && r, "the Execution group");
    assert.strictEqual(row(rows, "Execution", "stack")?.description, "prod  ·  pyproject");
    assert.strictEqual(row(rows, "Execution", "retries")?.description, "2  ·  pyproject");
    assert.strictEqual(row(rows, "Execution", "cache")?.description, "false  ·  pyproject");
  });

  test("a setting's chain lists the layers it overrode, highest first", async () => {
    const rows = await api.treeSnapshot(4);
    const stack = row(rows, "Execution", "stack")!;
    assert.deepStrictEqual(stack.children.map((c) => c.label), ["pyproject.toml", "persisted"]);
    // The persisted active stack id, named from the demo's ZenML store (.kitaru-home/local_stores/…/zenml.db).
    assert.match(stack.children[1]!.description, /^overridden: default  ·  \.kitaru-home\/config\.yaml:2$/);
    assert.match(stack.tooltip, /Set by \*\*pyproject\.toml\*\* — pyproject\.toml:12/);
    assert.match(stack.tooltip, /~~default~~/);
  });

  test("groups: Image, Connection, LLM, Log store, Flows, Secrets, Files", async () => {
    const rows = await api.treeSnapshot(3);
    assert.deepStrictEqual(rows.map((r) => r.label), ["Execution", "Image", "Connection", "LLM", "Log store", "Housekeeping", "Flows", "Secrets", "Files"]);
    assert.strictEqual(row(rows, "Image", "base_image")?.description, "python:3.12-slim  ·  pyproject");
    assert.strictEqual(row(rows, "LLM", "default_model")?.description, "openai/gpt-5-nano  ·  persisted");
    assert.strictEqual(row(rows, "Log store", "backend")?.description, "datadog  ·  persisted");
    const files = row(rows, "Files")!.children.map((c) => `${c.label}: ${c.description.split("  ·  ")[0]}`);
    assert.ok(files.includes("pyproject.toml: used"), files.join(", "));
    assert.ok(files.includes("kitaru.yaml: used"), files.join(", "));
    assert.ok(files.includes("ZenML store (zenml.db): used"), files.join(", "));
  });

  test("clicking a setting opens its origin at its line", async () => {
    await vscode.commands.executeCommand("kitaru.openOrigin", vscode.Uri.file(path.join(api.current()!.project.dir, "pyproject.toml")), 14, 1);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, "an editor is open");
    assert.strictEqual(path.basename(editor.document.uri.fsPath), "pyproject.toml");
    assert.strictEqual(editor.selection.active.line, 13);
    assert.match(editor.document.lineAt(13).text, /^retries = 2/);
  });

  test("the status bar shows the effective stack and connection", async () => {
    const bar = api.statusBar();
    assert.strictEqual(bar.visible, true);
    assert.match(bar.text, /prod · local$/);
    assert.match(bar.tooltip, /\| stack \| `prod` \| pyproject\.toml/);
  });

  test("the explain view prints the same resolution as the CLI", async () => {
    await vscode.commands.executeCommand("kitaru.explain");
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === "kitaru-explain");
    assert.ok(doc, "an explain document is open");
    const text = doc.getText();
    assert.match(text, /stack\s+= "prod"\s+pyproject\.toml\s+pyproject\.toml:12/);
    assert.match(text, /kitaru-config resolve --workspace/);
  });

  test("no secret-looking value appears in clear in the tree", async () => {
    const text = allText(await api.treeSnapshot(4));
    assert.ok(!/kat_live|sk-[a-z]/.test(text));
  });
});
