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

suite("tree: row menus", () => {
  let api: KitaruApi;

  suiteSetup(async function () {
    this.timeout(90_000);
    api = await kitaru();
  });

  /** Whether the view/item/context menu entry of `command` shows on a row with this contextValue (its `viewItem =~ /.../` tests, as VS Code evaluates them). */
  function offered(command: string, contextValue: string): boolean {
    const ext = vscode.extensions.getExtension("kitaru-tools.kitaru-config")!;
    const entries = (ext.packageJSON.contributes.menus["view/item/context"] as { command: string; when: string }[]).filter((m) => m.command === command);
    assert.ok(entries.length, `${command} is in view/item/context`);
    return entries.some((m) => [...m.when.matchAll(/viewItem =~ \/((?:[^/\\]|\\.)+)\//g)].every((t) => new RegExp(t[1]!).test(contextValue)));
  }

  test("Copy as [tool.kitaru] Line only where [tool.kitaru] can hold the key; Copy as export Line only where a variable exists", async () => {
    const rows = await api.treeSnapshot(3);
    const settings = rows.flatMap((g) => g.children.filter((c) => c.contextValue.startsWith("setting")).map((c) => ({ group: g.label, ...c })));
    const toml = settings.filter((s) => offered("kitaru.copyAsToml", s.contextValue)).map((s) => `${s.group}/${s.label}`);
    const exported = settings.filter((s) => offered("kitaru.copyAsExport", s.contextValue)).map((s) => `${s.group}/${s.label}`);
    // Connection and LLM keys cannot be set in [tool.kitaru] (Kitaru never reads server_url/project there).
    for (const name of toml) assert.match(name, /^(Execution\/(stack|cache|retries)|Image\/.+)$/, `Copy as [tool.kitaru] is offered on ${name}`);
    assert.ok(toml.includes("Execution/stack") && toml.includes("Image/base_image"), toml.join(", "));
    for (const name of settings.map((s) => `${s.group}/${s.label}`).filter((n) => n.startsWith("Connection/"))) assert.ok(!toml.includes(name), `${name} has no [tool.kitaru] line`);
    assert.ok(settings.some((s) => s.group === "Connection" && s.label === "server_url"), "the demo has a server_url row");
    assert.ok(exported.includes("Connection/project") && exported.includes("Execution/stack") && !exported.some((n) => n.startsWith("Checkpoints/")), exported.join(", "));
    assert.ok(!toml.includes("Connection/project"), "project is exported, but has no [tool.kitaru] line");
  });
});
