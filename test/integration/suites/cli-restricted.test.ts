/// <reference types="mocha" />
// Restricted Mode with a kitaru inside the workspace (scenario cli-restricted):
// it is never run; each command explains why, and the tree keeps working.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { api, filesUnder, run, setSetting, stackRow, type Api } from "./cliApi";
import { waitFor } from "./util";

suite("kitaru CLI commands in Restricted Mode", () => {
  let a: Api;
  let ws: string;

  suiteSetup(async function () {
    this.timeout(90_000);
    a = await api();
    ws = a.current()!.project.dir;
  });

  setup(() => a.cli.clearMessages());

  const calls = () => (process.env.FAKE_KITARU_LOG && fs.existsSync(process.env.FAKE_KITARU_LOG) ? fs.readFileSync(process.env.FAKE_KITARU_LOG, "utf8").split("\n").filter(Boolean).length : 0);

  test("the workspace is not trusted", () => {
    assert.strictEqual(vscode.workspace.isTrusted, false);
  });

  test("the lookup finds .venv/bin/kitaru and refuses it", async () => {
    const found = await a.cli.locate();
    assert.deepStrictEqual([found.kind, found.step, found.path], ["restricted", "venv", path.join(ws, ".venv", "bin", "kitaru")]);
  });

  for (const [id, args] of [["kitaru.switchStack", ["gpu"]], ["kitaru.switchStack", []], ["kitaru.login", []], ["kitaru.loginRemote", [{ server: "https://kitaru.example.com" }]], ["kitaru.logout", []]] as [string, unknown[]][]) {
    test(`${id}${args.length ? ` ${JSON.stringify(args[0])}` : ""}: explains instead of running it`, async () => {
      const r = await vscode.commands.executeCommand<{ ok: boolean }>(id, ...args);
      assert.strictEqual(r.ok, false);
      const shown = a.cli.messages();
      assert.strictEqual(shown.length, 1, JSON.stringify(shown, null, 1));
      // code-server is a remote window: kitaru.path counts from the Remote settings there, not the local user settings.
      const where = vscode.env.remoteName ? "your Remote settings" : "your user settings";
      assert.strictEqual(shown[0]!.text, `Kitaru: this workspace is in Restricted Mode, so the kitaru found inside it (.venv/bin/kitaru, from the workspace's virtual environment) is not run. Trust the workspace to use it, or set kitaru.path in ${where} to a kitaru installed outside the workspace.`);
      assert.deepStrictEqual(shown[0]!.actions, ["Manage Workspace Trust", vscode.env.remoteName ? "Open Remote Settings" : "Open User Settings", "Show Logs"]);
      assert.deepStrictEqual(shown[0]!.actionCommands[1], { command: vscode.env.remoteName ? "workbench.action.openRemoteSettings" : "workbench.action.openGlobalSettings", args: [{ query: "kitaru.path" }] });
      assert.strictEqual(calls(), 0, "the workspace's kitaru never ran");
    });
  }

  test("a user-level kitaru.path pointing into the workspace is refused too", async function () {
    this.timeout(20_000);
    await setSetting("path", path.join(ws, ".venv", "bin", "kitaru"), vscode.ConfigurationTarget.Global);
    try {
      const found = await a.cli.locate();
      assert.deepStrictEqual([found.kind, found.step], ["restricted", "setting"]);
      await run("kitaru.switchStack", "gpu");
      assert.match(a.cli.messages()[0]!.text, /Restricted Mode.*from the kitaru\.path setting/);
      assert.strictEqual(calls(), 0);
    } finally {
      await setSetting("path", undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test("a kitaru.path in the workspace settings is ignored in Restricted Mode, and the log says so", async function () {
    this.timeout(20_000);
    // Written to the file: VS Code does not even let an untrusted workspace's value be read back.
    const settings = path.join(ws, ".vscode", "settings.json");
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    fs.writeFileSync(settings, '{\n  "kitaru.path": "/opt/elsewhere/kitaru"\n}\n');
    try {
      const found = await a.cli.locate();
      assert.deepStrictEqual([found.kind, found.step], ["restricted", "venv"], "VS Code does not apply the workspace value");
      const log = await waitFor(() => filesUnder(a.cli.logDirectory).map((f) => fs.readFileSync(f, "utf8")).find((t) => t.includes("kitaru.path is set in the workspace settings")), { what: "the ignored value in the log", timeoutMs: 15_000 });
      assert.match(log, /kitaru\.path is set in the workspace settings \(\/opt\/elsewhere\/kitaru\), but ignored: in Restricted Mode only user and remote settings can name the executable\./);
    } finally {
      fs.rmSync(path.dirname(settings), { recursive: true, force: true });
    }
  });

  test("the tree still works", async () => {
    assert.ok((await stackRow(a)).includes("a51bf906"), await stackRow(a));
  });
});
