/// <reference types="mocha" />
// No kitaru anywhere (scenario cli-missing): each command shows one clear
// message with how to install Kitaru, and the tree keeps working from files.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { row, waitForTree } from "./kitaru";
import { api, run, setSetting, stackRow, type Api } from "./cliApi";

suite("kitaru CLI commands without kitaru installed", () => {
  let a: Api;

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
        `Kitaru: the kitaru command was not found, so ${name} cannot run. Install Kitaru into this project's environment (\`uv add kitaru\` or \`pip install kitaru\`) and select that environment, or set kitaru.path. The configuration view keeps working from the files.`,
      );
      assert.deepStrictEqual(msg.actions, ["Open Settings", "Show Logs"]);
    });
  }

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
