/// <reference types="mocha" />
// The demo workspace's effective configuration, read through the tree provider
// of the real extension in a real VS Code.
import * as assert from "assert";
import * as path from "path";
import * as vscode from "vscode";
import { allText, kitaru, row, waitForTree, type KitaruApi } from "./kitaru";
import { waitFor } from "./util";

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
    assert.ok(bar.tooltip.includes("- **stack** `prod` — pyproject.toml · pyproject.toml:12"), bar.tooltip);
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

  test("Flows group: a flow's and a call's setting rows offer Copy Value and Explain; flows and calls offer Explain", async function () {
    this.timeout(30_000);
    await waitForTree(api, (r) => row(r, "Flows")?.children.some((f) => f.label === "research"), "the Flows group to list research");
    // Flows › research › Call sites › the call › its settings: five levels.
    const rows = await api.treeSnapshot(5);
    const research = row(rows, "Flows", "research")!;
    const flowStack = research.children.find((c) => c.label === "stack")!;
    assert.ok(flowStack, research.children.map((c) => c.label).join(", "));
    const call = research.children.find((c) => c.label === "Call sites")!.children.find((c) => c.label.endsWith("flows.py:46"))!;
    assert.ok(call, "research.run(...) at line 46");
    const callStack = call.children.find((c) => c.label === "stack")!;
    for (const r of [flowStack, callStack]) {
      assert.ok(offered("kitaru.copyValue", r.contextValue), `Copy Value on ${r.id} (${r.contextValue})`);
      assert.ok(offered("kitaru.explain", r.contextValue), `Explain on ${r.id} (${r.contextValue})`);
      assert.ok(offered("kitaru.openOrigin", r.contextValue), `Open on ${r.id} (${r.contextValue})`);
    }
    for (const r of [research, call]) assert.ok(offered("kitaru.explain", r.contextValue), `Explain on ${r.id} (${r.contextValue})`);
    // Copy as [tool.kitaru]/export stay on the project's own rows.
    assert.ok(!offered("kitaru.copyAsToml", flowStack.contextValue) && !offered("kitaru.copyAsExport", flowStack.contextValue));

    // The menus pass the tree element: { kind: "contributed", node: { item } }.
    const element = (r: { id: string }) => ({ kind: "contributed", node: { item: { id: r.id } } });
    // Not awaited: the clipboard of a headless browser may never answer; the extension records what it copied first.
    void vscode.commands.executeCommand("kitaru.copyValue", element(callStack));
    await waitFor(() => api.lastCopied()?.text === "gpu-cluster", { what: "the call's own stack= to be copied", timeoutMs: 5000 });
    void vscode.commands.executeCommand("kitaru.copyValue", element(flowStack));
    await waitFor(() => api.lastCopied()?.text === "prod", { what: "the flow's stack ([tool.kitaru]'s) to be copied", timeoutMs: 5000 });

    await vscode.commands.executeCommand("kitaru.explain", element(callStack));
    const explained = await waitFor(() => vscode.workspace.textDocuments.find((d) => d.uri.scheme === "kitaru-explain" && new URLSearchParams(d.uri.query).get("call") === "src/research_agent/flows.py:46"), { what: "the call's explain document" });
    assert.match(explained.getText(), /stack\s+= "gpu-cluster"/);
    await vscode.commands.executeCommand("kitaru.explain", element(research));
    await waitFor(() => vscode.workspace.textDocuments.find((d) => d.uri.scheme === "kitaru-explain" && new URLSearchParams(d.uri.query).get("flow") === "src/research_agent/flows.py:research"), { what: "the flow's explain document" });
    // The project's own rows still explain the project (the element's fields are not a request).
    await vscode.commands.executeCommand("kitaru.explain", { kind: "setting", setting: { key: "stack" } });
    const project = vscode.workspace.textDocuments.filter((d) => d.uri.scheme === "kitaru-explain" && !d.uri.query.includes("call=") && !d.uri.query.includes("flow="));
    assert.ok(project.length && project.every((d) => !d.uri.query.includes("kind=")), project.map((d) => d.uri.query).join(" | "));
    // Each explain opened beside the last: leave one editor group, as the screenshots expect.
    await vscode.commands.executeCommand("workbench.action.closeAllGroups");
  });
});
