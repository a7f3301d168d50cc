// Hover text (what, type, effective value and layer, masked secrets) and the
// quick fixes' exact edits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkDocument } from "../../src/core/documentChecks";
import { hoverAt } from "../../src/core/hoverInfo";
import { applyEdits, quickFixes } from "../../src/core/quickFixes";
import { resolveConfiguration } from "../../src/core/resolve";
import type { Position } from "../../src/core/types";
import { memoryHost } from "./helpers";

const PY = "/ws/pyproject.toml";
const CONFIG = "/home/alice/.config/kitaru";
const YAML = `${CONFIG}/kitaru.yaml`;

/** Position of the first occurrence of `needle` (plus `shift` characters). */
function pos(text: string, needle: string, shift = 0): Position {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, needle);
  const before = text.slice(0, i + shift);
  const line = before.split("\n").length;
  return { line, column: before.length - before.lastIndexOf("\n") };
}

const PYPROJECT = '[tool.kitaru]\nstack = "prod"\nretries = 2\nserver_url = "https://a.example.com"\nstak = "x"\n\n[tool.kitaru.image.environment]\nOPENAI_API_KEY = "sk-live-0123456789abcdef"\nLOG_LEVEL = "INFO"\n';
const KITARU_YAML = "log_store:\n  backend: datadog\n  endpoint: https://x.example.com\n  api_key: abcdefabcdefabcdefab\nmodel_registry:\n  aliases:\n    fast: {model: openai/gpt-5-nano, secret: openai-creds}\n  default: fast\n";

function setup(env: Record<string, string> = {}) {
  const host = memoryHost({ [PY]: PYPROJECT, [YAML]: KITARU_YAML }, { KITARU_CONFIG_PATH: CONFIG, ...env });
  const resolution = resolveConfiguration(host, { workspace: "/ws" });
  return { py: checkDocument(PY, PYPROJECT, { resolution }), yaml: checkDocument(YAML, KITARU_YAML, { resolution, likelyCommitted: false }) };
}

test("hover on a key: what it does, its type, its variable, the value in effect and what it overrides", () => {
  const { py } = setup();
  const h = hoverAt(py, pos(PYPROJECT, "retries"))!;
  assert.deepEqual(h.span, { start: { line: 3, column: 1 }, end: { line: 3, column: 8 } });
  assert.equal(
    h.markdown,
    [
      "**`retries`** — `[tool.kitaru]` in pyproject.toml",
      "",
      "How many times a failed execution is retried. Built-in default 0.",
      "",
      "*Type:* integer ≥ 0  \n*Environment variable:* `KITARU_RETRIES`",
      "",
      "**In effect:** `2`, set here (pyproject.toml).",
      "Overrides: `0` from built-in default.",
    ].join("\n"),
  );
  // The value has the same hover, over the value's range.
  assert.deepEqual(hoverAt(py, pos(PYPROJECT, "= 2", 2))!.span, { start: { line: 3, column: 11 }, end: { line: 3, column: 12 } });
});

test("hover on an overridden value names the winner and the value Kitaru uses", () => {
  const { py } = setup({ KITARU_STACK: "gpu" });
  const h = hoverAt(py, pos(PYPROJECT, '"prod"', 1))!;
  assert.match(h.markdown, /\*\*Overridden\*\* by KITARU_STACK \(environment\): Kitaru uses `"gpu"`\./);
  assert.equal(h.origin, undefined, "no file to open for an environment variable");
});

test("hover on ignored, renamed, unused and secret-looking keys says what Kitaru does with them", () => {
  const { py } = setup();
  assert.match(hoverAt(py, pos(PYPROJECT, "stak ="))!.markdown, /Kitaru ignores this key \(did you mean `stack`\?\)/);
  const url = hoverAt(py, pos(PYPROJECT, "server_url"))!.markdown;
  assert.match(url, /never uses it for the connection/);
  assert.match(url, /Use `KITARU_SERVER_URL` or `kitaru login <server>` instead/);
  const secret = hoverAt(py, pos(PYPROJECT, "OPENAI_API_KEY"))!.markdown;
  assert.match(secret, /looks like a secret/);
  assert.match(secret, /\*\*In effect:\*\* `"sk-\*\*\*\*"`, set here/, "the value in effect is masked (only its kind prefix)");
  const onValue = hoverAt(py, pos(PYPROJECT, '"sk-live', 3))!;
  assert.doesNotMatch(onValue.markdown, /sk-live-0123456789abcdef|0123456789/, "no secret in a hover");
  assert.match(hoverAt(py, pos(PYPROJECT, "[tool.kitaru]", 2))!.markdown, /Kitaru's project configuration[\s\S]*Kitaru reads this file for runs started in `\.`/);
});

test("hover in kitaru.yaml: log store, api_key masked, aliases, the default alias", () => {
  const { yaml } = setup({ KITARU_DEFAULT_MODEL: "anthropic/claude" });
  const backend = hoverAt(yaml, pos(KITARU_YAML, "backend"))!.markdown;
  assert.match(backend, /^\*\*`log_store\.backend`\*\* — kitaru\.yaml/);
  assert.match(backend, /\*\*In effect:\*\* `"datadog"`, set here \(persisted\)\.\nOverrides: `"artifact-store"` from built-in default\./);
  const key = hoverAt(yaml, pos(KITARU_YAML, "abcdef", 2))!.markdown;
  assert.match(key, /`"\*\*\*\*"`/, "no prefix without a kind separator");
  assert.doesNotMatch(key, /abcdefabcdef/);
  assert.match(hoverAt(yaml, pos(KITARU_YAML, "fast:"))!.markdown, /Model alias `fast`: `openai\/gpt-5-nano`, credentials from the secret `openai-creds`\./);
  assert.match(hoverAt(yaml, pos(KITARU_YAML, "default"))!.markdown, /\*\*Overridden\*\* by KITARU_DEFAULT_MODEL \(environment\): Kitaru uses `"anthropic\/claude"`\./);
});

test("a kitaru.yaml Kitaru does not read says so, and which one it reads", () => {
  const { yaml } = setup();
  const other = checkDocument("/ws/kitaru.yaml", KITARU_YAML, { resolution: yaml.resolution! });
  assert.equal(other.readByKitaru, false);
  assert.match(hoverAt(other, pos(KITARU_YAML, "backend"))!.markdown, /Kitaru does not read this file here: it reads `\/home\/alice\/\.config\/kitaru\/kitaru\.yaml`\./);
  assert.ok(!other.problems.some((p) => p.code === "overridden"));
});

test("hover points at the winner's file when it is elsewhere (for an Open link)", () => {
  const files = { [PY]: '[tool.kitaru]\nstack = "prod"\n', "/ws/sub/pyproject.toml": '[tool.kitaru]\nretries = 1\n' };
  const host = memoryHost(files, {});
  // Runs started in /ws/sub read sub/pyproject.toml: /ws/pyproject.toml is not read there.
  const r = resolveConfiguration(host, { workspace: "/ws", cwd: "/ws/sub" });
  const check = checkDocument(PY, files[PY], { resolution: r });
  const h = hoverAt(check, { line: 2, column: 2 })!;
  assert.match(h.markdown, /Kitaru does not read this file here: it reads `sub\/pyproject\.toml`\./);
});

function fixesOf(file: string, text: string, code: string) {
  const check = checkDocument(file, text);
  const problem = check.problems.find((p) => p.code === code);
  assert.ok(problem, `no ${code} in ${JSON.stringify(text)}: ${check.problems.map((p) => p.code).join(", ")}`);
  return quickFixes(check, text, problem);
}

test("fix: rename runner to stack (preferred), in a dotted key only the last segment", () => {
  const [fix] = fixesOf(PY, 'tool.kitaru.runner = "k8s"\n', "renamed-key");
  assert.equal(fix!.title, "Rename runner to stack");
  assert.equal(fix!.preferred, true);
  assert.equal(applyEdits('tool.kitaru.runner = "k8s"\n', fix!.edits), 'tool.kitaru.stack = "k8s"\n');
});

test("fix: no rename onto a key that is already there (it would be a duplicate key)", () => {
  const fixes = fixesOf(PY, '[tool.kitaru]\nstack = "a"\nstak = "b"\n', "unknown-key");
  assert.deepEqual(fixes.map((f) => f.title), ["Remove stak (Kitaru ignores it)"]);
});

test("fix: remove an entry from an inline table, with one comma", () => {
  const first = '[tool]\nkitaru = { server_url = "https://u.example", stack = "s" }\n';
  assert.equal(applyEdits(first, fixesOf(PY, first, "unused-connection-key")[0]!.edits), '[tool]\nkitaru = { stack = "s" }\n');
  const last = '[tool]\nkitaru = { stack = "s", server_url = "https://u.example" }\n';
  assert.equal(applyEdits(last, fixesOf(PY, last, "unused-connection-key")[0]!.edits), '[tool]\nkitaru = { stack = "s" }\n');
  const only = '[tool]\nkitaru = { server_url = "https://u.example" }\n';
  assert.equal(applyEdits(only, fixesOf(PY, only, "unused-connection-key")[0]!.edits), "[tool]\nkitaru = {  }\n");
});

test("fix: remove a key on its own lines, multi-line value and CRLF included; never a [table] header", () => {
  const text = '[tool.kitaru]\r\nstack = "s"\r\nextra = [\r\n  1,\r\n]  # note\r\nretries = 1\r\n';
  assert.equal(applyEdits(text, fixesOf(PY, text, "unknown-key")[0]!.edits), '[tool.kitaru]\r\nstack = "s"\r\nretries = 1\r\n');
  const header = '[tool.kitaru.extra]\na = 1\n';
  assert.deepEqual(fixesOf(PY, header, "unknown-key").map((f) => f.title), []);
});

test("fix: auth_token is removed; image.environment numbers are quoted", () => {
  const text = '[tool.kitaru]\nauth_token = "kat_secret_value"\nstack = "s"\n';
  const [fix] = fixesOf(PY, text, "secret-in-file");
  assert.equal(fix!.title, "Remove auth_token");
  assert.equal(applyEdits(text, fix!.edits), '[tool.kitaru]\nstack = "s"\n');
  const env = "[tool.kitaru.image.environment]\nWORKERS = 4\n";
  const [quote] = fixesOf(PY, env, "invalid-value");
  assert.equal(quote!.title, "Quote the value as a string");
  assert.equal(applyEdits(env, quote!.edits), '[tool.kitaru.image.environment]\nWORKERS = "4"\n');
  // Not every invalid value can be quoted: retries = -1 has no fix.
  assert.deepEqual(fixesOf(PY, "[tool.kitaru]\nretries = -1\n", "invalid-value"), []);
});

test("fix: kitaru.yaml — quote a numeric api_key as written (title without the value), rename, remove, change the default alias", () => {
  const key = "log_store:\n  backend: datadog\n  endpoint: https://x.example.com\n  api_key: 0755\n";
  const [quote] = fixesOf(YAML, key, "invalid-value");
  assert.equal(quote!.title, "Quote the value as a string");
  assert.equal(quote!.preferred, true);
  assert.equal(applyEdits(key, quote!.edits), key.replace("0755", '"0755"'));
  const unknown = "log_stor:\n  backend: x\nversion: 1\n";
  const [rename, remove] = fixesOf(YAML, unknown, "unknown-key");
  assert.equal(applyEdits(unknown, rename!.edits), "log_store:\n  backend: x\nversion: 1\n");
  assert.equal(remove!.title, "Remove log_stor (Kitaru ignores it)");
  assert.equal(applyEdits(unknown, remove!.edits), "version: 1\n");
  const nested = "log_store:\n  backend: datadog\n  endpoint: https://x.example.com\n  extra:\nversion: 1\n";
  assert.equal(applyEdits(nested, fixesOf(YAML, nested, "unknown-key")[0]!.edits), "log_store:\n  backend: datadog\n  endpoint: https://x.example.com\nversion: 1\n");
  const alias = "model_registry:\n  aliases:\n    fast: {model: a/b}\n  default: fsat\n";
  const [change] = fixesOf(YAML, alias, "unknown-alias");
  assert.equal(change!.title, "Change the default alias to fast");
  assert.equal(applyEdits(alias, change!.edits), alias.replace("fsat", "fast"));
});

test("kitaru-config check FILE...: the same problems as file:line:col lines, exit 1 on errors, 0 otherwise", () => {
  const cli = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../dist/cli.js");
  if (!fs.existsSync(cli)) return; // built by `node esbuild.mjs` (npm test builds first)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-check-"));
  try {
    fs.mkdirSync(path.join(dir, "home"));
    fs.writeFileSync(path.join(dir, "pyproject.toml"), '[tool.kitaru]\r\n# ü🚀\r\nkitaru_x = 1\r\nstack = "prod"\r\n');
    fs.writeFileSync(path.join(dir, "kitaru.yaml"), "log_store:\n  backend: datadog\n  endpoint: https://x.example.com\n  api_key: 12345678\n");
    const env = { ...process.env, KITARU_CONFIG_PATH: path.join(dir, "home"), KITARU_STACK: "gpu", NO_COLOR: "1" };
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, "check", ...args], { cwd: dir, env, encoding: "utf8" });
    const warn = run("pyproject.toml");
    assert.equal(warn.status, 0, warn.stderr);
    assert.equal(
      warn.stdout,
      [
        'pyproject.toml:3:1: warning: Kitaru ignores unknown key "kitaru_x" in [tool.kitaru]. Known keys: stack, cache, retries, image. [unknown-key]',
        'pyproject.toml:4:9: info: stack = "prod" is overridden by KITARU_STACK (environment), which sets "gpu". [overridden]',
        "0 errors, 1 warning, 1 info",
        "",
      ].join("\n"),
    );
    const both = run("pyproject.toml", "kitaru.yaml", "--json");
    assert.equal(both.status, 1);
    const problems = JSON.parse(both.stdout).problems as { code: string; line: number; column: number; severity: string }[];
    assert.deepEqual(problems.map((p) => `${p.line}:${p.column} ${p.severity} ${p.code}`), ["3:1 warning unknown-key", "4:9 info overridden", "4:12 error invalid-value"]);
    assert.doesNotMatch(both.stdout, /12345678/, "the secret is not printed");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
