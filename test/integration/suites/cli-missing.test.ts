/// <reference types="mocha" />
// No kitaru anywhere (scenario cli-missing): each command shows one clear
// message with how to install Kitaru, and the tree keeps working from files.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { row, waitForTree } from "./kitaru";
import { api, filesUnder, run, setSetting, stackRow, type Api } from "./cliApi";
import { waitFor } from "./util";

suite("kitaru CLI commands without kitaru installed", () => {
  let a: Api;
  const remote = vscode.env.remoteName;
  const target = remote
    ? { where: "your Remote settings", button: "Open Remote Settings", command: "workbench.action.openRemoteSettings" }
    : { where: "your user settings", button: "Open User Settings", command: "workbench.action.openGlobalSettings" };

  suiteSetup(async function () {
    this.timeout(90_000);
    a = await api();
  });

  setup(() => a.cli.clearMessages());

  test("the lookup finds nothing", async () => {
    assert.strictEqual((await a.cli.locate()).kind, "not-found");
  });

  const commands: [string, string, unknown[]][] = [
    ["kitaru.switchStack", "Switch Stack", []],
    ["kitaru.switchStack", "Switch Stack", ["gpu"]],
    ["kitaru.login", "Log In", []],
    ["kitaru.loginRemote", "Log In to Server", []],
    ["kitaru.loginRemote", "Log In to Server", [{ server: "https://kitaru.example.com" }]],
    ["kitaru.logout", "Log Out", []],
    ["kitaru.statusBarClicked", "Switch Stack", []],
  ];
  for (const [id, name, args] of commands) {
    test(`${id}${args.length ? ` ${JSON.stringify(args[0])}` : ""}: one message saying how to install Kitaru`, async () => {
      await vscode.commands.executeCommand(id, ...args);
      const shown = a.cli.messages();
      assert.strictEqual(shown.length, 1, JSON.stringify(shown, null, 1));
      const msg = shown[0]!;
      assert.strictEqual(msg.severity, "error");
      assert.strictEqual(msg.command, name);
      assert.strictEqual(
        msg.text,
        `Kitaru: the kitaru command was not found, so ${name} cannot run. Install Kitaru into this project's environment (\`uv add kitaru\` or \`pip install kitaru\`) and select that environment, or set kitaru.path in ${target.where}. The configuration view keeps working from the files.`,
      );
      assert.deepStrictEqual(msg.actions, [target.button, "Show Logs"]);
      assert.deepStrictEqual(msg.actionCommands[0], { command: target.command, args: [{ query: "kitaru.path" }] });
    });
  }

  test("this window is remote (code-server), so kitaru.path is sent to the Remote settings", async function () {
    this.timeout(20_000);
    // A code-server window is a remote window: VS Code ignores machine-overridable values of the local user settings.
    assert.ok(vscode.env.remoteName, "vscode.env.remoteName is set in code-server");
    assert.strictEqual(target.command, "workbench.action.openRemoteSettings");
    // The action's command exists and opens the settings editor filtered to kitaru.path.
    await vscode.commands.executeCommand(target.command, { query: "kitaru.path" });
    await waitFor(() => vscode.window.tabGroups.activeTabGroup.activeTab?.label.includes("Settings"), { what: "the settings editor", timeoutMs: 10_000 });
    await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
  });

  test("the log says which step of the lookup won and what each step found", async function () {
    this.timeout(20_000);
    await run("kitaru.switchStack", "gpu");
    const log = await waitFor(() => filesUnder(a.cli.logDirectory).map((f) => fs.readFileSync(f, "utf8")).find((t) => t.includes("kitaru lookup 4. PATH")), { what: "the lookup steps in the Kitaru log", timeoutMs: 15_000 });
    assert.match(log, /kitaru lookup 1\. the kitaru\.path setting: not set/);
    assert.match(log, /kitaru lookup 2\. the Python extension's selected environment: /);
    assert.match(log, /kitaru lookup 3\. the workspace's virtual environment: no kitaru at .*\.venv\/bin\/kitaru/);
    assert.match(log, /This is a remote window .*kitaru\.path counts from the Remote settings/);
  });

  test("a kitaru.path that points nowhere is named", async function () {
    this.timeout(20_000);
    await setSetting("path", "/nonexistent/bin/kitaru", vscode.ConfigurationTarget.Global);
    try {
      const r = await run("kitaru.switchStack", "gpu");
      assert.strictEqual(r.ok, false);
      const shown = a.cli.messages();
      assert.strictEqual(shown.length, 1);
      assert.match(shown[0]!.text, /^Kitaru: kitaru\.path is set to \/nonexistent\/bin\/kitaru, but it is not an executable file\. Fix or clear the setting\./);
    } finally {
      await setSetting("path", undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test("the tree still works, and follows file changes", async function () {
    this.timeout(20_000);
    assert.ok((await stackRow(a)).startsWith("prod"), await stackRow(a));
    const file = path.join(a.current()!.project.dir, "pyproject.toml");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('stack = "prod"', 'stack = "staging"'));
    await waitForTree(a, (r) => row(r, "Execution", "stack")?.description.startsWith("staging"), "the tree to follow pyproject.toml");
    assert.deepStrictEqual(a.cli.messages(), []);
  });
});
