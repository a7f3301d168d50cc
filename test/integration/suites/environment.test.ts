/// <reference types="mocha" />
// The explained environment from files inside the workspace (scenario
// environment): kitaru.envFile = .env (not git-ignored), kitaru.environment in
// .vscode/settings.json, then a git-ignored env file, then a missing one.
// Secrets there are located by file and line and warned about like any
// plain-text secret in a likely-committed file; problems caused by a variable
// open its line and are diagnostics of its file; nothing shows a secret.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { allText, kitaru, row, waitForTree, type KitaruApi, type TreeRow } from "./kitaru";
import { setSetting } from "./cliApi";
import { waitFor } from "./util";

/** The scenario's secrets (test/integration/scenarios.mjs ENV_SECRETS), checked against everything shown. */
const SECRETS = ["kat_envfile_7Rq2Lm9Xv4Tn8Wz3Kd5H", "ddlogkey_committed_4Fh8Qp2Zs6Vb1Nx9", "ghp_EnvFileImageToken0123456789abcdefAB", "kat_ignoredfile_3Jw6Yt1Gc8Ms5Pq2", "zenml_settings_key_9Lk3Hd7Fs2Qa6Wm"];

function assertNoSecret(text: string, where: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s) && !text.includes(s.slice(6, 20)), `${where} shows a secret (${s.slice(0, 4)}…)`);
}

function kitaruDiagnostics(file: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(vscode.Uri.file(file)).filter((d) => d.source === "Kitaru");
}

const codeOf = (d: vscode.Diagnostic) => (typeof d.code === "object" && d.code !== null ? String(d.code.value) : String(d.code));

suite("environment from workspace files", () => {
  let api: KitaruApi;
  let ws: string;
  const envFile = () => path.join(ws, ".env");
  const settingsFile = () => path.join(ws, ".vscode", "settings.json");
  const secretRows = (rows: TreeRow[]) => row(rows, "Secrets")?.children ?? [];

  suiteSetup(async function () {
    this.timeout(90_000);
    api = await kitaru();
    ws = api.current()!.project.dir;
  });

  test("secrets from .env and from kitaru.environment in .vscode/settings.json say where they live, and warn", async function () {
    this.timeout(30_000);
    // git's answer for .env arrives from VS Code's git extension: "likely committed" either way, then known.
    const rows = await waitForTree(api, (r) => /4 in plain text in a file git does not ignore \(likely committed\)/.test(row(r, "Secrets")?.description ?? "") && r, "the Secrets group to count the workspace-file secrets");
    const byDescription = secretRows(rows).map((r) => `${r.label}: ${r.description.replace(/^\S+ {2}·  /, "")}`);
    assert.deepStrictEqual(byDescription.sort(), [
      "auth_token: workspace file  ·  $KITARU_AUTH_TOKEN (.env:3)",
      "auth_token: workspace file (overridden)  ·  $ZENML_STORE_API_KEY (kitaru.environment setting in .vscode/settings.json:5)",
      "image.environment.GH_TOKEN: workspace file  ·  $KITARU_IMAGE (.env:7)",
      "log_store.api_key: workspace file (not used: Kitaru refuses the KITARU_LOG_STORE_* variables as set (see Problems))  ·  $KITARU_LOG_STORE_API_KEY (.env:5)",
    ]);
    for (const r of secretRows(rows)) {
      assert.match(r.tooltip, /that git does not ignore, so it is likely committed/, r.label);
      assert.doesNotMatch(r.description, /environment  ·|in the environment/, "not classed as VS Code's environment");
    }
    // Clicking the row opens the line in the file.
    const token = secretRows(rows).find((r) => r.description.includes(".env:3"))!;
    assert.deepStrictEqual(token.command, { command: "kitaru.openOrigin", arguments: [envFile(), 3, 1] });
    assertNoSecret(allText(rows), "the tree");
  });

  test("a problem caused by an env-file variable opens its line and is a diagnostic of the env file", async function () {
    this.timeout(30_000);
    const rows = await api.treeSnapshot(4);
    const problems = row(rows, "Problems")!.children;
    const empty = problems.find((p) => p.label.startsWith("KITARU_DEFAULT_MODEL is set but empty"));
    assert.ok(empty, problems.map((p) => p.label).join("\n"));
    assert.strictEqual(empty.description, ".env:4");
    assert.deepStrictEqual(empty.command, { command: "kitaru.openOrigin", arguments: [envFile(), 4, 1] });
    await vscode.commands.executeCommand(empty.command!.command, vscode.Uri.file(envFile()), 4, 1);
    const editor = vscode.window.activeTextEditor!;
    assert.strictEqual(editor.document.uri.fsPath, envFile());
    assert.strictEqual(editor.selection.active.line, 3);

    const broken = problems.find((p) => p.label.startsWith('.env:6 (BROKEN …) has no "="'));
    assert.ok(broken, problems.map((p) => p.label).join("\n"));
    assert.strictEqual(broken.description, ".env:6");

    const diagnostics = await waitFor(() => {
      const d = kitaruDiagnostics(envFile());
      return d.length >= 6 && d;
    }, { what: "diagnostics on .env", timeoutMs: 15_000 });
    assert.deepStrictEqual(
      diagnostics.map((d) => [d.range.start.line, codeOf(d), d.severity]).sort((a, b) => Number(a[0]) - Number(b[0]) || String(a[1]).localeCompare(String(b[1]))),
      [
        [2, "secret-in-file", vscode.DiagnosticSeverity.Warning],
        [3, "invalid-env", vscode.DiagnosticSeverity.Error],
        // "KITARU_LOG_STORE_API_KEY is set without KITARU_LOG_STORE_BACKEND": on the line that sets it.
        [4, "log-store-env", vscode.DiagnosticSeverity.Error],
        [4, "secret-in-file", vscode.DiagnosticSeverity.Warning],
        [5, "env-file-line", vscode.DiagnosticSeverity.Warning],
        [6, "secret-in-file", vscode.DiagnosticSeverity.Warning],
      ],
    );
    const model = diagnostics.find((d) => codeOf(d) === "invalid-env")!;
    assert.deepStrictEqual([model.range.start.character, model.range.end.character], [0, "KITARU_DEFAULT_MODEL".length], "the variable's name is underlined");
    assert.match(diagnostics.find((d) => d.range.start.line === 2)!.message, /^KITARU_AUTH_TOKEN is a secret in plain text in \.env, a file git does not ignore \(likely committed\)\./);
    const settings = kitaruDiagnostics(settingsFile());
    assert.deepStrictEqual(settings.map((d) => [d.range.start.line, codeOf(d)]), [[4, "secret-in-file"]]);
    assert.match(settings[0]!.message, /^ZENML_STORE_API_KEY is a secret in plain text in \.vscode\/settings\.json \(kitaru\.environment\), a file git does not ignore/);
    assertNoSecret([...diagnostics, ...settings].map((d) => d.message).join("\n"), "the diagnostics");
  });

  test("the Files group and the view header name the env file", async () => {
    const rows = await api.treeSnapshot(4);
    const env = row(rows, "Files", "Env file (kitaru.envFile)");
    assert.ok(env, row(rows, "Files")!.children.map((c) => c.label).join(", "));
    assert.strictEqual(env.description, "used  ·  .env");
    assert.match(api.view().message ?? "", /^Explaining VS Code's environment \+ \.env \(5 variables\) \+ kitaru\.environment \(2\)\.$/);
  });

  test("the explain document gives the exact command: --dotenv, and the names kitaru.environment adds (never values)", async function () {
    this.timeout(20_000);
    await vscode.commands.executeCommand("kitaru.explain");
    const doc = await waitFor(() => vscode.workspace.textDocuments.find((d) => d.uri.scheme === "kitaru-explain"), { what: "the explain document" });
    const text = doc.getText();
    assert.ok(text.includes(`Same answer on the command line: kitaru-config resolve --workspace ${ws} --dotenv ${envFile()}\n`), text.slice(-600));
    assert.ok(text.includes("The command line cannot see the kitaru.environment setting: set KITARU_PROJECT and ZENML_STORE_API_KEY in its environment first (they add these variables here)."), text.slice(-600));
    assertNoSecret(text, "the explain document");
    await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
  });

  test("a secret in an env file git ignores is not a warning", async function () {
    this.timeout(40_000);
    await setSetting("envFile", "ignored.env");
    const rows = await waitForTree(api, (r) => secretRows(r).some((s) => s.description.includes("ignored.env:2") && s.description.endsWith("ignored by git")) && r, "the ignored env file's token marked as ignored by git", 30_000);
    assert.match(row(rows, "Secrets")!.description, /1 in plain text in a file git does not ignore/, "only the settings.json secret still warns");
    assert.ok(!(row(rows, "Problems")?.children ?? []).some((p) => p.label.startsWith("KITARU_AUTH_TOKEN is a secret")), "no warning for the git-ignored file");
    await waitFor(() => kitaruDiagnostics(path.join(ws, "ignored.env")).length === 0 && kitaruDiagnostics(envFile()).length === 0, { what: "no diagnostics on git-ignored or unused env files", timeoutMs: 10_000 });
    assertNoSecret(allText(rows), "the tree");
  });

  test("an env file that does not exist is said, visibly, and a problem; creating it is picked up", async function () {
    this.timeout(40_000);
    await setSetting("envFile", "missing.env");
    const rows = await waitForTree(api, (r) => row(r, "Files", "Env file (kitaru.envFile)")?.description.startsWith("absent") && r, "the env file row to say absent");
    assert.strictEqual(row(rows, "Files", "Env file (kitaru.envFile)")!.description, "absent  ·  missing.env");
    const problem = row(rows, "Problems")!.children.find((p) => p.label.startsWith("kitaru.envFile names missing.env, which does not exist"));
    assert.ok(problem, row(rows, "Problems")!.children.map((p) => p.label).join("\n"));
    assert.deepStrictEqual(problem.command, { command: "workbench.action.openSettings", arguments: ["kitaru.envFile"] });
    assert.ok(api.current()!.resolution.problems.some((p) => p.code === "env-file-missing" && p.severity === "warning"));
    assert.strictEqual(api.view().message, "Explaining VS Code's environment + missing.env (not found) + kitaru.environment (2). ⚠ kitaru.envFile missing.env does not exist.");
    await vscode.commands.executeCommand("kitaru.explain");
    const doc = await waitFor(() => vscode.workspace.textDocuments.find((d) => d.uri.scheme === "kitaru-explain"), { what: "the explain document" });
    await waitFor(() => doc.getText().includes("which could not be read, so it is not passed"), { what: "the explain footer to name the unread env file", timeoutMs: 10_000 });
    assert.ok(!doc.getText().includes("--dotenv"), "no --dotenv for a file that does not exist");
    await vscode.commands.executeCommand("workbench.action.closeActiveEditor");

    fs.writeFileSync(path.join(ws, "missing.env"), "KITARU_RETRIES=4\n");
    await waitForTree(api, (r) => row(r, "Execution", "retries")?.description === "4  ·  env" && row(r, "Files", "Env file (kitaru.envFile)")?.description.startsWith("used"), "the created env file to be read");
    assert.ok(!api.current()!.resolution.problems.some((p) => p.code === "env-file-missing"));
  });
});
