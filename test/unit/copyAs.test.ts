import assert from "node:assert/strict";
import { test } from "node:test";
import { copyForms, settingAsExport, settingAsToml } from "../../src/core/copyAs";
import { analyzeEnvFile, envFileProblems, parseEnvFile } from "../../src/core/envFile";
import type { Setting } from "../../src/core/resolve";

const s = (key: string, value: Setting["value"], extra: Partial<Setting> = {}): Setting => ({ key, value, source: "pyproject", overridden: [], ...extra });

test("[tool.kitaru] lines", () => {
  assert.equal(settingAsToml(s("stack", "prod")), 'stack = "prod"');
  assert.equal(settingAsToml(s("cache", false)), "cache = false");
  assert.equal(settingAsToml(s("image.apt_packages", ["git", "ffmpeg"])), 'image.apt_packages = [ "git", "ffmpeg" ]');
  assert.equal(settingAsToml(s("image.environment.LOG_LEVEL", "INFO")), 'image.environment.LOG_LEVEL = "INFO"');
  assert.equal(settingAsToml(s("server_url", "https://x")), undefined);
  assert.equal(settingAsToml(s("image.environment.API_KEY", "sk-****", { masked: true })), undefined);
});

test("export lines, shell-quoted; secrets never", () => {
  assert.equal(settingAsExport(s("stack", "prod")), "export KITARU_STACK=prod");
  assert.equal(settingAsExport(s("retries", 3)), "export KITARU_RETRIES=3");
  assert.equal(settingAsExport(s("image.base_image", "python:3.12-slim")), `export KITARU_IMAGE='{"base_image":"python:3.12-slim"}'`);
  assert.equal(settingAsExport(s("image.environment.A", "it's")), `export KITARU_IMAGE='{"environment":{"A":"it'\\''s"}}'`);
  assert.equal(settingAsExport(s("auth_token", "kat_****", { masked: true })), undefined);
});

test("env files: values by dotenv, with the line that set them", () => {
  const entries = parseEnvFile('# comment\nexport KITARU_STACK=gpu\nKITARU_RETRIES="3" # three\n\nKITARU_STACK=prod\n');
  assert.deepEqual(entries, [
    { name: "KITARU_STACK", value: "prod", line: 5, column: 1 },
    { name: "KITARU_RETRIES", value: "3", line: 3, column: 1 },
  ]);
});

test("Copy as is offered only where the form exists: [tool.kitaru] for stack, cache, retries, image.*; export where a variable exists", () => {
  assert.deepEqual(copyForms(s("stack", "prod")), { toml: true, export: true });
  assert.deepEqual(copyForms(s("image.base_image", "python:3.12")), { toml: true, export: true });
  assert.deepEqual(copyForms(s("server_url", "https://kitaru.example.com", { source: "global" })), { toml: false, export: true });
  assert.deepEqual(copyForms(s("project", "p", { source: "env" })), { toml: false, export: true });
  assert.deepEqual(copyForms(s("log_store.backend", "datadog", { source: "global" })), { toml: false, export: true });
  assert.deepEqual(copyForms(s("checkpoint.fetch.cache", false, { source: "decorator" })), { toml: false, export: false });
  assert.deepEqual(copyForms(s("auth_token", "kat_****", { masked: true })), { toml: false, export: false });
  assert.deepEqual(copyForms(s("stack", null, { source: "default" })), { toml: false, export: false });
});

// The tester's file (/tmp/w1/missing.env), secrets replaced.
const TESTER_ENV = [
  "# comment",
  "export KITARU_STACK=from-env-file",
  'KITARU_RETRIES="3"   # trailing comment',
  "KITARU_CACHE='yes'",
  `KITARU_IMAGE='{"environment": {"GH_TOKEN": "ghp_x"}}'`,
  "KITARU_DEFAULT_MODEL=",
  "BROKEN LINE WITHOUT EQUALS",
  'KITARU_LOG_STORE_API_KEY="multi',
  'line-secret-VALUE"',
  "",
].join("\n");

test("env files: positions of every assignment, and the lines dotenv skips", () => {
  const a = analyzeEnvFile(TESTER_ENV);
  assert.deepEqual(a.entries.map((e) => [e.name, e.line, e.column]), [
    ["KITARU_STACK", 2, 8],
    ["KITARU_RETRIES", 3, 1],
    ["KITARU_CACHE", 4, 1],
    ["KITARU_IMAGE", 5, 1],
    ["KITARU_DEFAULT_MODEL", 6, 1],
    ["KITARU_LOG_STORE_API_KEY", 8, 1],
  ]);
  assert.equal(a.entries.find((e) => e.name === "KITARU_LOG_STORE_API_KEY")!.value, "multi\nline-secret-VALUE");
  // The second line of the quoted value is part of it, not an ignored line.
  assert.deepEqual(a.ignored, [{ line: 7, length: 26, word: "BROKEN" }]);
  const problems = envFileProblems("/ws/.env", ".env", { analysis: a });
  assert.deepEqual(problems, [
    {
      severity: "warning",
      code: "env-file-line",
      file: "/ws/.env",
      span: { start: { line: 7, column: 1 }, end: { line: 7, column: 27 } },
      message: '.env:7 (BROKEN …) has no "=", so the line sets nothing: dotenv skips it. Write NAME=value, or comment it out with #.',
    },
  ]);
  // CRLF, `KEY: value` (dotenv's other form), blank and comment lines are fine.
  assert.deepEqual(analyzeEnvFile("A=1\r\n\r\n# x\r\nB: 2\r\n").ignored, []);
});

test("env files: an ignored line never shows a secret; an unclosed quote is named as the likely cause", () => {
  const a = analyzeEnvFile('KITARU_AUTH_TOKEN kat_live_abcdefghijklmnop\nKITARU_LOG_STORE_API_KEY="abc\nrest-of-secret-value\n');
  assert.deepEqual(a.ignored.map((l) => [l.line, l.word, l.unclosedQuoteLine]), [[1, undefined, undefined], [3, undefined, 2]]);
  const text = envFileProblems("/ws/.env", ".env", { analysis: a }).map((p) => p.message).join("\n");
  assert.ok(!/kat_live|rest-of-secret|KITARU_AUTH_TOKEN/.test(text), text);
  assert.match(text, /\.env:3 has no "=".*The quoted value on line 2 may be missing its closing quote\./);
});

test("env files: a missing or unreadable file is a problem, not silence", () => {
  assert.deepEqual(envFileProblems("/ws/.env.local", ".env.local", { missing: true }), [
    { severity: "warning", code: "env-file-missing", message: "kitaru.envFile names .env.local, which does not exist, so no variables from it are explained. Create the file, or correct or clear kitaru.envFile." },
  ]);
  assert.equal(envFileProblems("/ws/d", "d", { error: "it is a directory" })[0]!.code, "file-unreadable");
});
