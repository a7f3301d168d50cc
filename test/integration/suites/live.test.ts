/// <reference types="mocha" />
// Live refresh: files in the workspace, files in a config directory outside it
// (reached through a symlink, created after start, written atomically), unsaved
// edits, the explained environment — and secrets never shown in clear.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { allText, kitaru, row, waitForTree, type KitaruApi } from "./kitaru";

const SECRET = "kat_live_9Zq4wX2vLm7R8sTnB3yQ";

suite("live refresh", () => {
  let api: KitaruApi;
  let ws: string;
  let configDir: string;
  const pyproject = () => path.join(ws, "pyproject.toml");
  const timings: string[] = [];

  /** Runs `change`, then waits for the tree to satisfy `probe`; records how long it took. */
  async function after(what: string, change: () => unknown, probe: Parameters<typeof waitForTree>[1]): Promise<void> {
    const started = Date.now();
    await change();
    await waitForTree(api, probe, what, 10_000);
    timings.push(`${what}: ${Date.now() - started} ms`);
  }

  suiteSetup(async function () {
    this.timeout(90_000);
    api = await kitaru();
    ws = api.current()!.project.dir;
    configDir = process.env.KITARU_CONFIG_PATH!;
    assert.ok(fs.lstatSync(configDir).isSymbolicLink(), "the scenario reaches the config directory through a symlink");
  });

  suiteTeardown(() => console.log(`      refresh times: ${timings.join("; ")}`));

  test("a pyproject.toml changed on disk", async function () {
    this.timeout(20_000);
    await after("pyproject edit", () => fs.writeFileSync(pyproject(), fs.readFileSync(pyproject(), "utf8").replace('stack = "prod"', 'stack = "staging"')), (r) => row(r, "Execution", "stack")?.description.startsWith("staging"));
  });

  test("a change re-reads only the changed file: the others are stat'ed, not read", async function () {
    this.timeout(20_000);
    const before = api.fileReads();
    await after("pyproject edit (reads counted)", () => fs.writeFileSync(pyproject(), fs.readFileSync(pyproject(), "utf8").replace('stack = "staging"', 'stack = "qa"')), (r) => row(r, "Execution", "stack")?.description.startsWith("qa"));
    const after_ = api.fileReads();
    assert.equal(after_.read - before.read, 1, `files read for one changed file: ${after_.read - before.read} (unchanged ones skipped: ${after_.unchanged - before.unchanged})`);
    // The scenario's other existing file is config.yaml (kitaru.yaml is created later).
    assert.ok(after_.unchanged - before.unchanged >= 1, `unchanged files skipped: ${after_.unchanged - before.unchanged}`);
  });

  test("ZenML's store below the config directory: a renamed active stack shows its new name", async function () {
    this.timeout(20_000);
    const store = path.join(configDir, "local_stores", "default_zen_store", "zenml.db");
    await waitForTree(api, (r) => allText(r).includes("live-default"), "the active stack named from the store", 10_000);
    // What `zenml stack rename` leaves behind: the same file, another content.
    await after("store rewritten", () => fs.writeFileSync(store, fs.readFileSync(process.env.KITARU_TEST_RENAMED_STORE!)), (r) => allText(r).includes("live-renamed"));
  });

  test("config.yaml in the config directory outside the workspace", async function () {
    this.timeout(20_000);
    await after("drop pyproject stack", () => fs.writeFileSync(pyproject(), fs.readFileSync(pyproject(), "utf8").replace(/^stack = .*\n/m, "")), (r) => row(r, "Execution", "stack")?.description.includes("persisted"));
    await after("config.yaml edit", () => fs.writeFileSync(path.join(configDir, "config.yaml"), "active_stack_id: 99999999-9999-4999-8999-999999999999\n"), (r) => row(r, "Execution", "stack")?.description.startsWith("99999999"));
  });

  test("kitaru.yaml created after start, then replaced by an atomic rename", async function () {
    this.timeout(20_000);
    const file = path.join(configDir, "kitaru.yaml");
    assert.ok(!fs.existsSync(file));
    await after("kitaru.yaml created", () => fs.writeFileSync(file, "version: 1\nlog_store:\n  backend: datadog\n  endpoint: https://http-intake.logs.datadoghq.com\n"), (r) => row(r, "Log store", "backend")?.description.startsWith("datadog"));
    await after("kitaru.yaml renamed into place", () => {
      const tmp = path.join(configDir, ".kitaru.yaml.tmp");
      fs.writeFileSync(tmp, "version: 1\nlog_store:\n  backend: honeycomb\n  endpoint: https://api.honeycomb.io\n");
      fs.renameSync(tmp, file);
    }, (r) => row(r, "Log store", "backend")?.description.startsWith("honeycomb"));
  });

  test("unsaved edits in the editor count, and reverting restores", async function () {
    this.timeout(20_000);
    const doc = await vscode.workspace.openTextDocument(pyproject());
    const editor = await vscode.window.showTextDocument(doc);
    await after("unsaved edit", () => editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), doc.getText().replace("retries = 1", "retries = 5"))), (r) => row(r, "Execution", "retries")?.description.startsWith("5"));
    await after("revert", () => vscode.commands.executeCommand("workbench.action.files.revert"), (r) => row(r, "Execution", "retries")?.description.startsWith("1"));
  });

  test("variables from the kitaru.environment setting and an env file are labelled", async function () {
    this.timeout(30_000);
    const config = vscode.workspace.getConfiguration("kitaru");
    await after("kitaru.environment", () => config.update("environment", { KITARU_STACK: "from-setting" }, vscode.ConfigurationTarget.Workspace), (r) => row(r, "Execution", "stack")?.description === "from-setting  ·  env");
    const stack = row(await api.treeSnapshot(4), "Execution", "stack")!;
    assert.match(stack.tooltip, /kitaru\.environment setting/);
    fs.writeFileSync(path.join(ws, ".env"), "# local overrides\nKITARU_RETRIES=7\n");
    await after("env file", () => config.update("envFile", ".env", vscode.ConfigurationTarget.Workspace), (r) => row(r, "Execution", "retries")?.description === "7  ·  env");
    assert.match(row(await api.treeSnapshot(4), "Execution", "retries")!.tooltip, /\.env:2/);
    await after("env file edited", () => fs.writeFileSync(path.join(ws, ".env"), "KITARU_RETRIES=8\n"), (r) => row(r, "Execution", "retries")?.description === "8  ·  env");
    await config.update("environment", undefined, vscode.ConfigurationTarget.Workspace);
    await config.update("envFile", undefined, vscode.ConfigurationTarget.Workspace);
    await waitForTree(api, (r) => row(r, "Execution", "retries")?.description.startsWith("1"), "settings reset");
  });

  test("a plain-text token in a workspace file is a Secrets warning, masked everywhere", async function () {
    this.timeout(20_000);
    await after("token in pyproject", () => fs.appendFileSync(pyproject(), `auth_token = "${SECRET}"\n`), (r) => row(r, "Secrets", "auth_token"));
    const rows = await api.treeSnapshot(4);
    const secrets = row(rows, "Secrets")!;
    assert.match(secrets.description, /1 in plain text in a file git does not ignore \(likely committed\)/);
    // Kitaru never reads auth_token from pyproject.toml: it is not "overridden", it is unused.
    assert.match(row(rows, "Secrets", "auth_token")!.description, /workspace file \(not used: Kitaru never reads auth_token from pyproject\.toml\)/);
    assert.match(row(rows, "Secrets", "auth_token")!.tooltip, /likely committed/);
    assert.ok(!allText(rows).includes(SECRET), "the token never appears in the tree");
    assert.ok(!api.statusBar().tooltip.includes(SECRET));
    const explain = await vscode.workspace.openTextDocument(vscode.Uri.parse("kitaru-explain:/Kitaru%20configuration.txt"));
    assert.ok(!explain.getText().includes(SECRET));
  });
});
