/// <reference types="mocha" />
// Smoke test: VS Code is the expected version, the extension activates, and
// every command it contributes in package.json is registered.
import * as assert from "assert";
import * as vscode from "vscode";
import { activeExtension, waitFor } from "./util";

suite("smoke", () => {
  let ext: vscode.Extension<unknown>;

  suiteSetup(async function () {
    this.timeout(90_000);
    ext = await activeExtension();
  });

  test("runs in VS Code 1.100", () => {
    assert.ok(vscode.version.startsWith("1.100"), `vscode.version is ${vscode.version}`);
  });

  test("the extension is active", () => {
    assert.strictEqual(ext.isActive, true);
  });

  test("every contributed command is registered", async () => {
    const contributed = ((ext.packageJSON as { contributes?: { commands?: { command: string }[] } }).contributes
      ?.commands ?? []).map((c) => c.command);
    assert.ok(contributed.length > 0, "package.json contributes no commands");
    const missing = async (): Promise<string[]> => {
      const registered = new Set(await vscode.commands.getCommands(true));
      return contributed.filter((id) => !registered.has(id));
    };
    // Registration happens in activate(); allow a moment for async setups.
    await waitFor(async () => (await missing()).length === 0, { timeoutMs: 10_000, what: "commands to register" }).catch(
      () => undefined,
    );
    assert.deepStrictEqual(await missing(), [], "contributed commands that are not registered");
  });
});
