/// <reference types="mocha" />
// Switch Stack, Log In, Log In to Server… and Log Out, driven through
// vscode.commands.executeCommand against the fake kitaru on PATH (scenario
// cli-commands). Prompts are answered through the extension's test hook
// (`exports.cli.answer`); what the user was told is read from
// `exports.cli.messages()`.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import { allText, row, waitForTree } from "./kitaru";
import { alive, api, fakeCalls, filesUnder, run, setEnvironment, setSetting, STACK_IDS, stackRow, type Api } from "./cliApi";
import { waitFor } from "./util";

const API_KEY = "kat_fake_9f3Kx7Qm2Lp8Vw4Zr6Tn";
const CI_TOKEN = "kat_ci_token_5Hq2Wz8Kd3Xv7Lm1";
/** A password typed into a server URL (cliScenarios.mjs CLI_SECRETS): masked everywhere. */
const URL_PASSWORD = "alicePw-7Hq2Zx9Lm4Tn";

suite("kitaru CLI commands", () => {
  let a: Api;
  let ws: string;
  let configDir: string;
  const pyproject = () => path.join(ws, "pyproject.toml");
  let original: string;

  /** How a kitaru.environment variable's origin reads: the workspace settings file and the variable's line in it. */
  function fromSetting(name: string): string {
    const lines = fs.readFileSync(path.join(ws, ".vscode", "settings.json"), "utf8").split(/\r?\n/);
    return `kitaru.environment setting in .vscode/settings.json:${lines.findIndex((l) => l.includes(`"${name}"`)) + 1}`;
  }

  /** The one message the last command showed. */
  function only(command: string): { severity: string; text: string; actions: string[] } {
    const shown = a.cli.messages();
    assert.strictEqual(shown.length, 1, `exactly one message, got: ${JSON.stringify(shown, null, 1)}`);
    assert.strictEqual(shown[0]!.command, command);
    return shown[0]!;
  }

  suiteSetup(async function () {
    this.timeout(90_000);
    a = await api();
    ws = a.current()!.project.dir;
    configDir = process.env.KITARU_CONFIG_PATH!;
    original = fs.readFileSync(pyproject(), "utf8");
  });

  /** Every message of every test, for the final "no secret anywhere" check. */
  const allMessages: string[] = [];
  setup(() => a.cli.clearMessages());
  teardown(() => void allMessages.push(...a.cli.messages().map((m) => m.text)));

  suiteTeardown(async () => {
    await setEnvironment(undefined).catch(() => undefined);
  });

  test("finds kitaru: kitaru.path, else .venv in the workspace, else the explained PATH", async function () {
    this.timeout(30_000);
    const fromSetting = await a.cli.locate();
    assert.deepStrictEqual([fromSetting.kind, fromSetting.step], ["found", "setting"]);
    const fake = fromSetting.path!;
    assert.ok(fake.endsWith(path.join("fake-kitaru", "kitaru")), fake);
    // Empty means "look it up". (In a remote window this user-level write lands in the
    // remote machine's settings, which override the scenario's user settings.json.)
    await setSetting("path", "", vscode.ConfigurationTarget.Global);
    try {
      const venv = path.join(ws, ".venv", "bin");
      fs.mkdirSync(venv, { recursive: true });
      fs.symlinkSync(fake, path.join(venv, "kitaru"));
      const fromVenv = await a.cli.locate();
      assert.deepStrictEqual([fromVenv.kind, fromVenv.step, fromVenv.path], ["found", "venv", path.join(venv, "kitaru")]);
      fs.rmSync(path.join(ws, ".venv"), { recursive: true, force: true });
      await setEnvironment({ PATH: `${path.dirname(fake)}${path.delimiter}${process.env.PATH ?? ""}` });
      const fromPath = await a.cli.locate();
      assert.deepStrictEqual([fromPath.kind, fromPath.step, fromPath.path], ["found", "path", fake]);
    } finally {
      fs.rmSync(path.join(ws, ".venv"), { recursive: true, force: true });
      await setEnvironment(undefined);
      await setSetting("path", fake, vscode.ConfigurationTarget.Global);
    }
    assert.deepStrictEqual(a.cli.messages(), []);
  });

  test("Switch Stack: the quick pick lists the stacks, the stack switches, tree and status bar follow", async function () {
    this.timeout(30_000);
    assert.ok((await stackRow(a)).startsWith(STACK_IDS.default), "starts on the default stack");
    // An id nobody named yet (no ZenML store here): short in the status bar, whole in its tooltip.
    assert.ok(a.statusBar().text.includes(`${STACK_IDS.default.slice(0, 8)}…`), a.statusBar().text);
    assert.ok(!a.statusBar().text.includes(STACK_IDS.default), a.statusBar().text);
    assert.ok(a.statusBar().tooltip.includes(`\`${STACK_IDS.default}\``), a.statusBar().tooltip);
    const before = fakeCalls().length;
    a.cli.answer("gpu");
    const result = await run("kitaru.switchStack");
    assert.ok(result.ok, JSON.stringify(result));

    const pick = a.cli.lastPick()!;
    assert.deepStrictEqual(
      pick.items.map((i) => [i.label, i.description ?? "", i.detail]),
      [
        ["$(check) default", "active", STACK_IDS.default],
        ["gpu", "", STACK_IDS.gpu],
        ["prod", "managed", STACK_IDS.prod],
      ],
    );
    const calls = fakeCalls().slice(before);
    assert.deepStrictEqual(calls.map((c) => c.argv.join(" ")), ["stack list -o json", `stack use ${STACK_IDS.gpu} -o json`]);
    assert.ok(calls.every((c) => c.stdinIsTTY === false && c.cwd === ws), "stdin closed, run from the project");

    // The core still holds the id (nothing names it from files); the editor shows the name kitaru just gave.
    const stack = a.current()!.resolution.settings.stack!;
    assert.strictEqual(stack.value, STACK_IDS.gpu);
    assert.strictEqual(stack.source, "global");
    const rows = await waitForTree(a, (r) => (row(r, "Execution", "stack")?.description === "gpu  ·  persisted  ·  named by kitaru stack use" ? r : undefined), "the tree's stack row to show gpu, named by kitaru");
    assert.match(row(rows, "Execution", "stack")!.tooltip, new RegExp(`^\\*\\*stack\\*\\* = \`gpu\` \\*\\(named by kitaru stack use\\)\\*`));
    assert.ok(row(rows, "Execution", "stack")!.tooltip.includes(`stack id \`${STACK_IDS.gpu}\``), "the whole id in the tooltip");
    assert.strictEqual(a.statusBar().text, "$(layers) gpu · local");
    assert.ok(a.statusBar().tooltip.includes(`- **stack** \`gpu\` — persisted`), a.statusBar().tooltip);
    assert.ok(a.statusBar().tooltip.includes(`name reported by \`kitaru stack use\` for id \`${STACK_IDS.gpu}\``), a.statusBar().tooltip);
    const msg = only("Switch Stack");
    assert.strictEqual(msg.text, "Kitaru: Active stack is now 'gpu'; this workspace runs on it.");
    assert.strictEqual(msg.severity, "info");
  });

  test("the list is cached until config.yaml changes", async function () {
    this.timeout(30_000);
    const before = fakeCalls().length;
    a.cli.answer(undefined); // Escape
    const r1 = await run("kitaru.switchStack");
    assert.ok(r1.cancelled);
    assert.strictEqual(fakeCalls().length, before, "no new `stack list`: the list is cached");
    assert.ok(a.cli.lastPick()!.items[1]!.label.includes("$(check) gpu"));
    // Another tool changes the active stack: the cache must not be trusted.
    const file = path.join(configDir, "config.yaml");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(STACK_IDS.gpu, STACK_IDS.prod));
    a.cli.answer(undefined);
    await run("kitaru.switchStack");
    assert.strictEqual(fakeCalls().length, before + 1, "config.yaml changed: listed again");
    assert.ok(a.cli.lastPick()!.items[2]!.label.includes("$(check) prod"));
    assert.deepStrictEqual(a.cli.messages(), []);
  });

  test("the status bar's click runs Switch Stack", async function () {
    this.timeout(30_000);
    a.cli.answer("gpu");
    await vscode.commands.executeCommand("kitaru.statusBarClicked");
    await waitFor(() => a.current()!.resolution.settings.stack!.value === STACK_IDS.gpu, { what: "gpu active", timeoutMs: 10_000 });
    assert.match(only("Switch Stack").text, /Active stack is now 'gpu'/);
  });

  test("when [tool.kitaru].stack still decides, the message says so and offers the line", async function () {
    this.timeout(30_000);
    fs.writeFileSync(pyproject(), '[tool.kitaru]\nretries = 1\nstack = "prod"\n\n[project]\nname = "cli-demo"\n');
    await waitFor(() => a.current()?.resolution.settings.stack?.source === "pyproject", { what: "pyproject to decide the stack", timeoutMs: 10_000 });
    const result = await run("kitaru.switchStack", "default");
    assert.ok(result.ok);
    const msg = only("Switch Stack");
    assert.strictEqual(msg.text, "Kitaru: Active stack is now 'default'; this workspace still runs on 'prod' from pyproject.toml:3.");
    assert.strictEqual(msg.severity, "warning");
    assert.deepStrictEqual(msg.actions, ["Open pyproject.toml:3"]);
    // The tree shows the persisted stack changed underneath the winner.
    await waitForTree(a, (r) => {
      const s = row(r, "Execution", "stack");
      return s?.description.startsWith("prod") && s.children.some((c) => c.description.startsWith("overridden: default (named by kitaru stack use)  ·  "));
    }, "the tree's stack chain to show default (named by kitaru) under prod");
    // The picker says it up front, too.
    a.cli.answer(undefined);
    await run("kitaru.switchStack");
    assert.match(a.cli.lastPick()!.placeholder ?? "", /this workspace runs on 'prod' from pyproject\.toml:3 whatever is chosen here/);
    fs.writeFileSync(pyproject(), original);
    await waitFor(() => a.current()?.resolution.settings.stack?.source === "global", { what: "pyproject stack removed", timeoutMs: 10_000 });
  });

  test("when KITARU_STACK still decides (set in kitaru.environment, passed to kitaru)", async function () {
    this.timeout(30_000);
    await setEnvironment({ KITARU_STACK: "gpu" });
    const result = await run("kitaru.switchStack", "prod");
    assert.ok(result.ok);
    assert.strictEqual(only("Switch Stack").text, `Kitaru: Active stack is now 'prod'; this workspace still runs on 'gpu' from $KITARU_STACK (${fromSetting("KITARU_STACK")}).`);
    assert.strictEqual(fakeCalls().pop()!.env.KITARU_STACK, "gpu", "the explained environment reaches the child");
    await setEnvironment(undefined);
  });

  test("code that picks its own stack is named", async function () {
    this.timeout(30_000);
    const flows = path.join(ws, "src", "flows.py");
    fs.mkdirSync(path.dirname(flows), { recursive: true });
    fs.writeFileSync(flows, 'from kitaru import flow\n\n\n@flow(stack="gpu-cluster")\ndef research(topic: str) -> str:\n    return topic\n');
    try {
      await run("kitaru.switchStack", "gpu");
      const msg = only("Switch Stack");
      assert.strictEqual(msg.text, "Kitaru: Active stack is now 'gpu'; this workspace runs on it. Code still chooses its own stack in one place: @flow(stack='gpu-cluster') on research (src/flows.py:4).");
      assert.deepStrictEqual(msg.actions, ["Open src/flows.py:4"]);
    } finally {
      fs.rmSync(path.join(ws, "src"), { recursive: true, force: true });
    }
  });

  test("a failing CLI shows its own message (error envelope, traceback), warnings are passed on", async function () {
    this.timeout(40_000);
    let r = await run("kitaru.switchStack", "nope");
    assert.strictEqual(r.ok, false);
    let msg = only("Switch Stack");
    assert.strictEqual(msg.text, "Kitaru: could not switch to stack 'nope': No stack found with name or ID 'nope'. (KeyError)");
    assert.strictEqual(msg.severity, "error");
    assert.deepStrictEqual(msg.actions, ["Show Logs"]);

    a.cli.clearMessages();
    await setEnvironment({ FAKE_KITARU_MODE: "fail" });
    await run("kitaru.switchStack", "prod");
    assert.strictEqual(only("Switch Stack").text, "Kitaru: could not switch to stack 'prod': Fake failure requested (FAKE_KITARU_MODE=fail).");

    a.cli.clearMessages();
    await setEnvironment({ FAKE_KITARU_MODE: "traceback" });
    await run("kitaru.switchStack", "prod");
    assert.strictEqual(only("Switch Stack").text, "Kitaru: could not switch to stack 'prod': The fake store is locked (traceback requested). (IllegalOperationError)");
    assert.strictEqual(a.current()!.resolution.settings.stack!.value, STACK_IDS.gpu, "nothing changed");

    // A reply for another command is no success of this one: not "Connected to the local Kitaru server."
    for (const [command, title] of [["kitaru.login", "Log In"], ["kitaru.logout", "Log Out"]] as const) {
      a.cli.clearMessages();
      await setEnvironment({ FAKE_KITARU_MODE: "wrong-command" });
      r = await run(command);
      assert.strictEqual(r.ok, false, command);
      msg = only(title);
      assert.strictEqual(msg.severity, "error");
      assert.match(msg.text, /kitaru answered for another command \("stack\.list", not "log(in|out)"\)/);
    }

    a.cli.clearMessages();
    await setEnvironment({ FAKE_KITARU_MODE: "warn,text-before-json" });
    r = await run("kitaru.switchStack", "prod");
    assert.ok(r.ok);
    msg = only("Switch Stack");
    assert.strictEqual(msg.text, "Kitaru: Active stack is now 'prod'; this workspace runs on it. Kitaru warned: This is a fake warning before the result. It has an indented detail line.");
    assert.strictEqual(msg.severity, "warning");
    await setEnvironment(undefined);
  });

  test("a hanging CLI is cancelled and its whole process tree killed; meanwhile other commands wait", async function () {
    this.timeout(40_000);
    const pidfile = path.join(os.tmpdir(), `kitaru-hang-${process.pid}-1.json`);
    fs.rmSync(pidfile, { force: true });
    await setEnvironment({ FAKE_KITARU_MODE: "hang", FAKE_KITARU_PIDFILE: pidfile });
    const pending = run("kitaru.switchStack", "gpu");
    const pids = await waitFor(() => (fs.existsSync(pidfile) ? (JSON.parse(fs.readFileSync(pidfile, "utf8")) as { pid: number; child: number }) : undefined), { what: "the fake to start hanging", timeoutMs: 15_000 });
    assert.ok(alive(pids.pid) && alive(pids.child));
    assert.deepStrictEqual(a.cli.running().map((p) => p.label.replace(/^\S+ /, "kitaru ")), ["kitaru stack use gpu -o json"]);

    const busy = await run("kitaru.logout");
    assert.strictEqual(busy.ok, false);
    assert.strictEqual(only("Log Out").text, "Kitaru: another kitaru command is still running (switching to stack 'gpu'). Wait for it to finish, or cancel it, then try again.");
    a.cli.clearMessages();

    assert.strictEqual(a.cli.cancel(), 1);
    const result = await pending;
    assert.strictEqual(result.cancelled, true);
    await waitFor(() => !alive(pids.pid) && !alive(pids.child), { what: "the fake and its child to be gone", timeoutMs: 10_000 });
    assert.match(only("Switch Stack").text, /^Kitaru: cancelled `\S+ stack use gpu -o json`; the process and its children were stopped\.$/);
    assert.deepStrictEqual(a.cli.running(), []);
    fs.rmSync(pidfile, { force: true });
  });

  test("a hanging CLI is stopped at kitaru.cliTimeoutSeconds", async function () {
    this.timeout(40_000);
    const pidfile = path.join(os.tmpdir(), `kitaru-hang-${process.pid}-2.json`);
    fs.rmSync(pidfile, { force: true });
    await setSetting("cliTimeoutSeconds", 5);
    await setEnvironment({ FAKE_KITARU_MODE: "hang", FAKE_KITARU_PIDFILE: pidfile });
    try {
      const started = Date.now();
      const result = await run("kitaru.switchStack", "gpu");
      const took = Date.now() - started;
      assert.strictEqual(result.ok, false);
      assert.ok(took >= 4500 && took < 15_000, `stopped after ${took} ms`);
      const pids = JSON.parse(fs.readFileSync(pidfile, "utf8")) as { pid: number; child: number };
      await waitFor(() => !alive(pids.pid) && !alive(pids.child), { what: "the fake and its child to be gone", timeoutMs: 10_000 });
      const msg = only("Switch Stack");
      assert.match(msg.text, /^Kitaru: `\S+ stack use gpu -o json` did not finish within 5 s and was stopped, with its child processes\. Increase kitaru\.cliTimeoutSeconds if it needs longer\.$/);
      assert.deepStrictEqual(msg.actions, ["Open Settings", "Show Logs"]);
    } finally {
      await setSetting("cliTimeoutSeconds", undefined);
      await setEnvironment(undefined);
      fs.rmSync(pidfile, { force: true });
    }
  });

  test("Log In (local server)", async function () {
    this.timeout(30_000);
    const r = await run("kitaru.login");
    assert.ok(r.ok, JSON.stringify(r));
    assert.strictEqual(only("Log In").text, "Kitaru: Connected to the local Kitaru server at http://127.0.0.1:8383; this workspace now connects to it.");
    await waitForTree(a, (t) => row(t, "Connection", "server_url")?.description.startsWith("http://127.0.0.1:8383"), "server_url in the tree");
    assert.match(a.statusBar().text, /local server :8383/);
  });

  test("Log In to Server…: the target is checked as Kitaru checks it", async () => {
    const before = fakeCalls().length;
    a.cli.answer("kitaru.example.com");
    const r = await run("kitaru.loginRemote");
    assert.strictEqual(r.cancelled, true);
    assert.strictEqual(a.cli.lastValidation(), "Invalid Kitaru server URL. Please use an http:// or https:// URL, or pass a managed workspace name or ID.");
    assert.strictEqual(fakeCalls().length, before, "kitaru was not run");
  });

  test("Log In to Server… with an API key: the key reaches kitaru, and is shown nowhere", async function () {
    this.timeout(30_000);
    a.cli.answer("https://kitaru.example.com/", API_KEY, "demo");
    const r = await run("kitaru.loginRemote");
    assert.ok(r.ok, JSON.stringify(r));
    const call = fakeCalls().pop()!;
    assert.deepStrictEqual(call.argv, ["login", "https://kitaru.example.com", "--api-key", "<api-key>", "--project", "demo", "-o", "json"]);
    assert.ok(call.apiKeyGiven);
    assert.ok(fs.readFileSync(path.join(configDir, "credentials.yaml"), "utf8").includes(API_KEY), "kitaru stored the key it was given");
    assert.strictEqual(only("Log In to Server").text, "Kitaru: Logged in to https://kitaru.example.com (project demo); this workspace now connects to it.");
    const tree = await waitForTree(a, (t) => (row(t, "Connection", "server_url")?.description.startsWith("https://kitaru.example.com") ? t : undefined), "remote server_url in the tree");
    assert.match(row(tree, "Connection", "auth_token")?.description ?? "", /kat_\*\*\*\*/);
    assert.ok(!allText(tree).includes(API_KEY));
    assert.strictEqual(JSON.stringify(vscode.workspace.getConfiguration("kitaru")).includes(API_KEY), false, "nothing stored in settings");
  });

  test("Log In to Server… without an API key: the browser device flow runs in a terminal", async function () {
    this.timeout(30_000);
    const r = await run("kitaru.loginRemote", { server: "my-workspace" });
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(vscode.window.terminals.some((t) => t.name === "Kitaru: Log In"), "a terminal shows kitaru's output");
    const shown = a.cli.messages();
    assert.strictEqual(shown.length, 2, JSON.stringify(shown));
    assert.strictEqual(shown[0]!.text, 'Kitaru: to finish logging in, open https://my-workspace.cloud.kitaru.example/devices/verify?code=WXYZ-1234 in a browser and confirm code WXYZ-1234. The terminal "Kitaru: Log In" shows kitaru\'s output.');
    assert.deepStrictEqual(shown[0]!.actions, ["Open in Browser", "Copy Code"]);
    assert.strictEqual(shown[1]!.text, "Kitaru: Logged in to https://my-workspace.cloud.kitaru.example; this workspace now connects to it.");
  });

  test("Log Out", async function () {
    this.timeout(30_000);
    const r = await run("kitaru.logout");
    assert.ok(r.ok, JSON.stringify(r));
    assert.strictEqual(only("Log Out").text, "Kitaru: Logged out from https://my-workspace.cloud.kitaru.example; its stored credentials were removed. Runs from this workspace now use the local store.");
    await waitForTree(a, (t) => row(t, "Connection", "server_url")?.description.startsWith("unset"), "server_url unset in the tree");
  });

  test("Log In to Server… with a password in the URL: a warning in the box, masked in every message and log line", async function () {
    this.timeout(40_000);
    const url = `https://alice:${URL_PASSWORD}@kitaru.example.com`;
    a.cli.answer(url, API_KEY, "proj-x");
    const r = await run("kitaru.loginRemote");
    assert.ok(r.ok, JSON.stringify(r));
    // Allowed (kitaru passes it on), with a warning under the box that suggests the API key field.
    assert.strictEqual(
      a.cli.lastValidation(),
      "This URL carries credentials (alice:****@). Kitaru passes them on and stores the server URL, password included, in its config.yaml and credentials.yaml in clear. Prefer a URL without them (https://kitaru.example.com) and the API key in the next step. Press Enter to use it anyway.",
    );
    const call = fakeCalls().pop()!;
    assert.ok(call.argv[1] === url, "kitaru gets the URL as typed");
    assert.deepStrictEqual([call.argv[0], ...call.argv.slice(2)], ["login", "--api-key", "<api-key>", "--project", "proj-x", "-o", "json"]);
    assert.strictEqual(only("Log In to Server").text, "Kitaru: Logged in to https://alice:****@kitaru.example.com (project proj-x); this workspace now connects to it.");
    assert.strictEqual(r.message, "Logged in to https://alice:****@kitaru.example.com (project proj-x); this workspace now connects to it.");
    await waitForTree(a, (t) => row(t, "Connection", "server_url")?.description === "https://alice:****@kitaru.example.com  ·  persisted  ·  masked", "the masked URL in the tree");
    assert.match(a.statusBar().text, /\$\(cloud\) \S+ · kitaru\.example\.com$/);

    a.cli.clearMessages();
    const out = await run("kitaru.logout");
    assert.ok(out.ok, JSON.stringify(out));
    assert.strictEqual(only("Log Out").text, "Kitaru: Logged out from https://alice:****@kitaru.example.com; its stored credentials were removed. Runs from this workspace now use the local store.");

    // Output › Kitaru: the command line and both results, masked (the file is written asynchronously).
    const logged = () => filesUnder(a.cli.logDirectory).map((f) => fs.readFileSync(f, "utf8")).join("\n");
    await waitFor(() => logged().includes("Logged out from https://alice:****@kitaru.example.com"), { what: "the Log Out line in the Kitaru log", timeoutMs: 15_000 });
    const log = logged();
    assert.match(log, /Running: \S+ login https:\/\/alice:\*\*\*\*@kitaru\.example\.com --api-key \*\*\*\* --project proj-x -o json/);
    assert.ok(log.includes("Logged in to https://alice:****@kitaru.example.com (project proj-x)"));
    assert.ok(!log.includes(URL_PASSWORD), "the password is nowhere in the log");
    await waitForTree(a, (t) => row(t, "Connection", "server_url")?.description.startsWith("unset"), "server_url unset in the tree");
  });

  test("refused because of variables from kitaru.envFile: offers to open the .env line that sets them", async function () {
    this.timeout(30_000);
    const dotenv = path.join(ws, ".env");
    fs.writeFileSync(dotenv, `KITARU_SERVER_URL=https://ci.example.com\nKITARU_AUTH_TOKEN=${CI_TOKEN}\n`);
    await setSetting("envFile", ".env");
    try {
      await waitFor(() => a.current()?.resolution.settings.server_url?.value === "https://ci.example.com", { what: "the env file to apply", timeoutMs: 10_000 });
      const before = fakeCalls().length;
      const r = await run("kitaru.loginRemote", { server: "https://kitaru.example.com", apiKey: API_KEY });
      assert.strictEqual(r.ok, false);
      const msg = only("Log In to Server") as { text: string; actions: string[]; actionCommands?: ({ command: string; args: unknown[] } | undefined)[] };
      assert.strictEqual(msg.text, "Kitaru: cannot log in to a server while auth environment variables are set: KITARU_SERVER_URL (.env:1) and KITARU_AUTH_TOKEN (.env:2). They decide the connection, and Kitaru refuses to override them. Unset them first, or rely on those variables directly.");
      assert.deepStrictEqual(msg.actions, ["Open .env:1"], "the file and line, not the settings");
      const open = msg.actionCommands![0]!;
      assert.deepStrictEqual([open.command, (open.args[0] as vscode.Uri).fsPath, open.args[1], open.args[2]], ["kitaru.openOrigin", dotenv, 1, 1]);
      assert.strictEqual(fakeCalls().length, before, "kitaru was not run");
    } finally {
      await setSetting("envFile", undefined);
      fs.rmSync(dotenv, { force: true });
    }
  });

  test("remote login and logout are refused up front while auth variables are set; local login warns", async function () {
    this.timeout(30_000);
    await setEnvironment({ KITARU_SERVER_URL: "https://ci.example.com", KITARU_AUTH_TOKEN: CI_TOKEN, KITARU_PROJECT: "ci" });
    const before = fakeCalls().length;
    const refusal = `Kitaru: cannot log in to a server while auth environment variables are set: KITARU_SERVER_URL (${fromSetting("KITARU_SERVER_URL")}) and KITARU_AUTH_TOKEN (${fromSetting("KITARU_AUTH_TOKEN")}). They decide the connection, and Kitaru refuses to override them. Unset them first, or rely on those variables directly.`;
    let r = await run("kitaru.loginRemote", { server: "https://kitaru.example.com", apiKey: API_KEY });
    assert.strictEqual(r.ok, false);
    assert.strictEqual(only("Log In to Server").text, refusal);
    a.cli.clearMessages();
    r = await run("kitaru.logout");
    assert.strictEqual(r.ok, false);
    assert.strictEqual(only("Log Out").text, refusal.replace("log in to a server", "log out"));
    assert.deepStrictEqual(only("Log Out").actions, ["Open Settings"]);
    assert.strictEqual(fakeCalls().length, before, "kitaru was not run");

    a.cli.clearMessages();
    r = await run("kitaru.login");
    assert.ok(r.ok);
    const msg = only("Log In");
    assert.strictEqual(
      msg.text,
      `Kitaru: Connected to the local Kitaru server at http://127.0.0.1:8383; this workspace still connects to https://ci.example.com from $KITARU_SERVER_URL (${fromSetting("KITARU_SERVER_URL")}). Kitaru warned: Auth environment variables are active (KITARU_SERVER_URL, KITARU_AUTH_TOKEN). The local server will start, but runtime connections may still use those environment variables.`,
    );
    assert.strictEqual(msg.severity, "warning");
    await setEnvironment(undefined);
  });

  test("no secret appears in any message, the tree, or any log file", async function () {
    this.timeout(30_000);
    const logs = path.dirname(path.dirname(a.cli.logDirectory));
    // The output channel's file is written asynchronously: wait for the masked login line.
    const channel = await waitFor(() => filesUnder(a.cli.logDirectory).find((f) => fs.readFileSync(f, "utf8").includes("--api-key ****")), { what: "the Kitaru log to show the masked login", timeoutMs: 15_000 });
    assert.ok(channel);
    assert.ok(allMessages.length >= 10, `${allMessages.length} messages recorded`);
    const outputs: [string, string][] = [
      ...allMessages.map((m, i): [string, string] => [`message ${i}`, m]),
      ["the tree", allText(await a.treeSnapshot(5))],
      ["the status bar", JSON.stringify(a.statusBar())],
      ...filesUnder(logs).map((f): [string, string] => [path.relative(logs, f), fs.readFileSync(f, "latin1")]),
    ];
    for (const secret of [API_KEY, CI_TOKEN, URL_PASSWORD]) {
      const hits = outputs.filter(([, text]) => text.includes(secret)).map(([name]) => name);
      assert.deepStrictEqual(hits, [], `${secret.slice(0, 8)}… found`);
    }
    assert.ok(filesUnder(logs).length > 3, `scanned ${filesUnder(logs).length} log files under ${logs}`);
  });
});
