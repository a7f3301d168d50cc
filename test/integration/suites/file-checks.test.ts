/// <reference types="mocha" />
// Issue 3 in a real VS Code: diagnostics (exact ranges, severities, codes),
// hovers and quick fixes on pyproject.toml and kitaru.yaml, through the same
// API commands other extensions and the editor use.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { kitaru } from "./kitaru";
import { waitFor } from "./util";

const SECRETS = ["kat_fixture_Q7w9Zr2Lx5Vb8Nm3", "sk-fixture-4Jd8Kq2Wz6Xv", "dd-fixture-8Hq3Kz5Wm2Tx", "dd-home-7Rt2Yp9Qs4Lw6", "12345678"];
const SEVERITY = ["error", "warning", "info", "hint"];

let root: string;
const uri = (rel: string) => vscode.Uri.file(path.join(root, rel));
const configYaml = () => vscode.Uri.file(path.join(process.env.KITARU_CONFIG_PATH!, "kitaru.yaml"));

function kitaruDiagnostics(u: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(u).filter((d) => d.source === "Kitaru");
}

/** `line:col-line:col severity code`, 0-based as VS Code counts (UTF-16 columns). */
function rows(u: vscode.Uri): string[] {
  return kitaruDiagnostics(u).map((d) => {
    const r = d.range;
    const code = typeof d.code === "object" ? d.code.value : d.code;
    return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character} ${SEVERITY[d.severity]} ${code}`;
  });
}

async function open(u: vscode.Uri): Promise<vscode.TextDocument> {
  return vscode.workspace.openTextDocument(u);
}

/** Opens the file and waits until its diagnostics are exactly `expected`. */
async function expectDiagnostics(u: vscode.Uri, expected: string[], timeoutMs = 15_000): Promise<void> {
  await open(u);
  await waitFor(() => JSON.stringify(rows(u)) === JSON.stringify(expected), { timeoutMs, what: `diagnostics of ${path.relative(root, u.fsPath)}` }).catch(() => undefined);
  assert.deepStrictEqual(rows(u), expected, path.relative(root, u.fsPath));
}

async function hoverText(u: vscode.Uri, line: number, character: number): Promise<{ text: string; range?: vscode.Range; hovers: vscode.Hover[] }> {
  await open(u);
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>("vscode.executeHoverProvider", u, new vscode.Position(line, character));
  const text = hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === "string" ? c : c.value))
    .join("\n---\n");
  return { text, range: hovers[0]?.range, hovers };
}

async function codeActions(u: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  await open(u);
  const all = await vscode.commands.executeCommand<vscode.CodeAction[]>("vscode.executeCodeActionProvider", u, range, vscode.CodeActionKind.QuickFix.value);
  return all.filter((a) => a.kind?.value === vscode.CodeActionKind.QuickFix.value);
}

suite("file checks: diagnostics, hovers, quick fixes", () => {
  suiteSetup(async function () {
    this.timeout(90_000);
    await kitaru();
    root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  });

  test("a valid pyproject.toml and a valid kitaru.yaml show nothing", async function () {
    this.timeout(30_000);
    await open(uri("valid/pyproject.toml"));
    await open(uri("yaml-valid/kitaru.yaml"));
    // Opened after the valid ones: once its diagnostics are there, theirs were computed too.
    await expectDiagnostics(uri("errors/pyproject.toml"), ["4:0-4:6 error renamed-key", "5:8-5:9 error invalid-value", "6:10-6:12 error invalid-value", "9:0-9:9 error forbidden-key", "12:10-12:11 error invalid-value"]);
    assert.deepStrictEqual(rows(uri("valid/pyproject.toml")), []);
    assert.deepStrictEqual(rows(uri("yaml-valid/kitaru.yaml")), []);
  });

  test("errors in [tool.kitaru]: messages say what Kitaru does", () => {
    const messages = kitaruDiagnostics(uri("errors/pyproject.toml")).map((d) => d.message);
    assert.strictEqual(messages[0], "[tool.kitaru].runner was renamed to stack. Kitaru refuses runner: rename it to stack.");
    assert.strictEqual(messages[1], "tool.kitaru.stack must be a string (a stack name or id), not the integer 5. Kitaru refuses [tool.kitaru] until this is fixed.");
    assert.strictEqual(messages[2], "tool.kitaru.retries must be 0 or more, not -1. Kitaru refuses [tool.kitaru] until this is fixed.");
    assert.match(messages[3]!, /^ImageSettings does not allow "base_imge" \(did you mean "base_image"\?\): Kitaru refuses \[tool\.kitaru\.image\] with unknown keys\./);
    assert.strictEqual(messages[4], 'tool.kitaru.image.environment.WORKERS must be a string, not the integer 4: quote it ("4"). Kitaru refuses [tool.kitaru] until this is fixed.');
  });

  test("files Kitaru refuses as a whole: byte-order mark, syntax error, kitaru.yaml not a mapping, invalid value, unknown default alias", async function () {
    this.timeout(30_000);
    await expectDiagnostics(uri("bom/pyproject.toml"), ["0:0-0:1 error file-bom"]);
    assert.match(kitaruDiagnostics(uri("bom/pyproject.toml"))[0]!.message, /byte-order mark.*Kitaru will refuse the whole file/);
    await expectDiagnostics(uri("syntax/pyproject.toml"), ["1:12-1:13 error toml-syntax"]);
    await expectDiagnostics(uri("yaml-notmap/kitaru.yaml"), ["0:0-2:0 error not-a-mapping"]);
    await expectDiagnostics(uri("yaml-errors/kitaru.yaml"), ["3:11-3:19 error invalid-value"]);
    await expectDiagnostics(uri("yaml-alias/kitaru.yaml"), ["3:11-3:15 error unknown-alias"]);
    for (const rel of ["yaml-notmap/kitaru.yaml", "yaml-errors/kitaru.yaml", "yaml-alias/kitaru.yaml"]) {
      assert.match(kitaruDiagnostics(uri(rel))[0]!.message, /Kitaru refuses the whole file: fix or delete /, rel);
    }
    assert.match(kitaruDiagnostics(uri("yaml-alias/kitaru.yaml"))[0]!.message, /names alias "fsat", which is not defined under model_registry\.aliases \(did you mean "fast"\?\)/);
  });

  test("warnings: ignored keys (faded) with did-you-mean, unused connection keys, secrets in files", async function () {
    this.timeout(30_000);
    await expectDiagnostics(uri("warnings/pyproject.toml"), ["1:0-1:4 warning unknown-key", "2:0-2:10 warning unused-connection-key", "3:0-3:10 warning secret-in-file", "6:0-6:14 warning secret-in-file"]);
    const d = kitaruDiagnostics(uri("warnings/pyproject.toml"));
    assert.match(d[0]!.message, /Kitaru ignores unknown key "stak" in \[tool\.kitaru\]\. Did you mean "stack"\?/);
    assert.deepStrictEqual(d[0]!.tags, [vscode.DiagnosticTag.Unnecessary]);
    assert.match(d[1]!.message, /Use KITARU_SERVER_URL/);
    assert.match(d[2]!.message, /set KITARU_AUTH_TOKEN in the environment instead/);
    assert.match(d[3]!.message, /OPENAI_API_KEY looks like a secret.*secret_environment_from/);
    await expectDiagnostics(uri("yaml-warnings/kitaru.yaml"), ["0:0-0:8 warning unknown-key", "4:2-4:9 warning secret-in-file"]);
    assert.match(kitaruDiagnostics(uri("yaml-warnings/kitaru.yaml"))[1]!.message, /likely committed.*KITARU_LOG_STORE_API_KEY/);
  });

  test("overridden right now: information hints naming the winner (pyproject.toml, and kitaru.yaml in the config directory)", async function () {
    this.timeout(30_000);
    await expectDiagnostics(uri("override/pyproject.toml"), ["1:8-1:14 info overridden"]);
    assert.strictEqual(kitaruDiagnostics(uri("override/pyproject.toml"))[0]!.message, 'stack = "prod" is overridden by KITARU_STACK (environment), which sets "from-env".');
    // Outside the workspace: the plain-text key is a note there, and the default alias is overridden by KITARU_DEFAULT_MODEL.
    await expectDiagnostics(configYaml(), ["3:2-3:9 info secret-in-file", "7:11-7:15 info overridden"]);
    assert.strictEqual(kitaruDiagnostics(configYaml())[1]!.message, 'model_registry.default = "fast" is overridden by KITARU_DEFAULT_MODEL (environment), which sets "openai/gpt-5".');
  });

  test("CRLF line ends and non-ASCII text: ranges in UTF-16 columns", async function () {
    this.timeout(30_000);
    const u = uri("crlf/pyproject.toml");
    await expectDiagnostics(u, ["5:36-5:38 error invalid-value", "5:40-5:44 warning unknown-key"]);
    const doc = await open(u);
    assert.strictEqual(doc.eol, vscode.EndOfLine.CRLF);
    assert.deepStrictEqual(kitaruDiagnostics(u).map((d) => doc.getText(d.range)), ["-1", "stak"]);
  });

  test("unsaved edits are checked (debounced), without saving", async function () {
    this.timeout(30_000);
    const u = uri("override/pyproject.toml");
    const doc = await open(u);
    const line = doc.lineAt(2);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(u, line.range, "retries = -3");
    assert.ok(await vscode.workspace.applyEdit(edit));
    // While [tool.kitaru] has an error none of it applies, so nothing in it is "overridden" either.
    await expectDiagnostics(u, ["2:10-2:12 error invalid-value"]);
    assert.ok(doc.isDirty, "the file was not saved");
    assert.strictEqual(fs.readFileSync(u.fsPath, "utf8"), '[tool.kitaru]\nstack = "prod"\nretries = 1\n');
    const back = new vscode.WorkspaceEdit();
    back.replace(u, doc.lineAt(2).range, "retries = 1");
    assert.ok(await vscode.workspace.applyEdit(back));
    await expectDiagnostics(u, ["1:8-1:14 info overridden"]);
  });

  test("hover: what the setting does, its type, the value in effect and its layer", async function () {
    this.timeout(20_000);
    const { text, range } = await hoverText(uri("override/pyproject.toml"), 1, 2);
    assert.strictEqual(
      text,
      [
        "**`stack`** — `[tool.kitaru]` in pyproject.toml",
        "",
        "The stack an execution runs on. Code, the environment and pyproject.toml override the persisted active stack chosen with `kitaru stack use`, without changing it.",
        "",
        "*Type:* string: a stack name or id  \n*Environment variable:* `KITARU_STACK`",
        "",
        '**Overridden** by KITARU_STACK (environment): Kitaru uses `"from-env"`.',
      ].join("\n"),
    );
    assert.ok(range?.isEqual(new vscode.Range(1, 0, 1, 5)), `range ${JSON.stringify(range)}`);
    const retries = await hoverText(uri("override/pyproject.toml"), 2, 11);
    assert.match(retries.text, /\*\*In effect:\*\* `1`, set here \(pyproject\.toml\)\.\nOverrides: `0` from built-in default\./);
    assert.ok(retries.range?.isEqual(new vscode.Range(2, 10, 2, 11)));
  });

  test("hover on secrets stays masked; a link opens where the value in effect is set", async function () {
    this.timeout(20_000);
    const token = await hoverText(uri("warnings/pyproject.toml"), 3, 20);
    assert.match(token.text, /Kitaru parses this key but never uses it for the connection\. A token in pyproject\.toml is a secret in a committed file\./);
    const env = await hoverText(uri("warnings/pyproject.toml"), 6, 22);
    assert.match(env.text, /\*\*In effect:\*\* `"sk-\*\*\*\*"`, set here/);
    const home = await hoverText(configYaml(), 3, 14);
    assert.match(home.text, /\*\*In effect:\*\* `"dd-\*\*\*\*"`, set here \(persisted\)\./);
    // A kitaru.yaml in the workspace is not Kitaru's: the hover says which one is, with a link to it.
    const other = await hoverText(uri("yaml-warnings/kitaru.yaml"), 2, 4);
    assert.match(other.text, /Kitaru does not read this file here: it reads `.*kitaru-home\/kitaru\.yaml`\./);
    assert.match(other.text, /\[Open kitaru\.yaml:2\]\(command:kitaru\.openOrigin\?/);
    const md = other.hovers[0]!.contents[0] as vscode.MarkdownString;
    if (md.isTrusted !== undefined) assert.deepStrictEqual(md.isTrusted, { enabledCommands: ["kitaru.openOrigin"] });
    for (const t of [token.text, env.text, home.text, other.text]) for (const s of SECRETS) assert.ok(!t.includes(s), `a hover shows ${s}`);
  });

  test("quick fix: rename runner to stack (preferred), applied, and the error goes away", async function () {
    this.timeout(30_000);
    const u = uri("fix/pyproject.toml");
    await expectDiagnostics(u, ["1:0-1:6 error renamed-key"]);
    const actions = await codeActions(u, new vscode.Range(1, 0, 1, 6));
    assert.deepStrictEqual(actions.map((a) => `${a.title}${a.isPreferred ? " (preferred)" : ""}`), ["Rename runner to stack (preferred)"]);
    // (vscode.executeCodeActionProvider does not hand back an action's `diagnostics`; the unit tests cover which problem a fix is for.)
    assert.ok(await vscode.workspace.applyEdit(actions[0]!.edit!));
    const doc = await open(u);
    assert.strictEqual(doc.getText(), '[tool.kitaru]\nstack = "kubernetes"\nretries = 2\n');
    // The new stack is overridden by KITARU_STACK right now: only that hint remains.
    await expectDiagnostics(u, ["1:8-1:20 info overridden"]);
  });

  test("quick fixes offered: did-you-mean, remove an ignored key, quote a numeric api_key", async function () {
    this.timeout(30_000);
    const warnings = await codeActions(uri("warnings/pyproject.toml"), new vscode.Range(1, 0, 1, 4));
    assert.deepStrictEqual(warnings.map((a) => a.title), ["Rename stak to stack", "Remove stak (Kitaru ignores it)"]);
    const server = await codeActions(uri("warnings/pyproject.toml"), new vscode.Range(2, 0, 2, 10));
    assert.deepStrictEqual(server.map((a) => a.title), ["Remove server_url"]);
    const u = uri("yaml-errors/kitaru.yaml");
    await expectDiagnostics(u, ["3:11-3:19 error invalid-value"]);
    const quote = await codeActions(u, new vscode.Range(3, 11, 3, 19));
    assert.deepStrictEqual(quote.map((a) => `${a.title}${a.isPreferred ? " (preferred)" : ""}`), ["Quote the value as a string (preferred)"]);
    assert.ok(await vscode.workspace.applyEdit(quote[0]!.edit!));
    const doc = await open(u);
    assert.strictEqual(doc.lineAt(3).text, '  api_key: "12345678"');
    // Valid now, so Kitaru's next check shows: the default alias does not exist (and the key is a plain-text secret).
    await expectDiagnostics(u, ["3:2-3:9 warning secret-in-file", "7:11-7:15 error unknown-alias"]);
    const alias = await codeActions(u, new vscode.Range(7, 11, 7, 15));
    assert.deepStrictEqual(alias.map((a) => a.title), ["Change the default alias to fast"]);
  });

  test("one source label for every Kitaru diagnostic: TOML, YAML and Python problems all read \"Kitaru\"", async function () {
    this.timeout(40_000);
    const py = path.join(root, "py", "flows.py");
    fs.mkdirSync(path.dirname(py), { recursive: true });
    fs.writeFileSync(py, 'from kitaru import flow\n\n\n@flow(retries="x")\ndef f() -> None:\n    pass\n');
    try {
      await open(vscode.Uri.file(py));
      const ours = (d: vscode.Diagnostic) => (d.source ?? "").toLowerCase() === "kitaru";
      await waitFor(() => vscode.languages.getDiagnostics(vscode.Uri.file(py)).some(ours), { what: "the Python module's diagnostics", timeoutMs: 30_000 });
      await waitFor(() => vscode.languages.getDiagnostics(uri("errors/pyproject.toml")).some(ours), { what: "the TOML diagnostics" });
      const sources = new Map<string, string[]>();
      for (const [u, diagnostics] of vscode.languages.getDiagnostics()) {
        for (const d of diagnostics.filter(ours)) sources.set(d.source!, [...(sources.get(d.source!) ?? []), path.relative(root, u.fsPath)]);
      }
      assert.deepStrictEqual([...sources.keys()], ["Kitaru"], JSON.stringify(Object.fromEntries([...sources].map(([k, v]) => [k, [...new Set(v)]]))));
      assert.ok(new Set(sources.get("Kitaru")).has(path.join("py", "flows.py")) && new Set(sources.get("Kitaru")).has(path.join("errors", "pyproject.toml")), "both kinds were compared");
    } finally {
      fs.rmSync(path.dirname(py), { recursive: true, force: true });
    }
  });

  test("no secret in any diagnostic", () => {
    for (const [, diagnostics] of vscode.languages.getDiagnostics()) {
      for (const d of diagnostics.filter((x) => x.source === "Kitaru")) for (const s of SECRETS) assert.ok(!d.message.includes(s), `${d.message} shows ${s}`);
    }
  });
});
