import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { explainedEnvironment, placeEnvironmentProblems } from "../../src/extension/environment";
import { nodeHost } from "../../src/core/host";
import { resolveConfiguration } from "../../src/core/resolve";

const settings = (envFile: string, environment: Record<string, string> = {}) => ({ environment, envFile, path: "", cliTimeoutSeconds: 120 });

function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-env-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

test("a missing env file is a problem and is said in the description", () => {
  const dir = workspace({});
  const e = explainedEnvironment({}, settings("missing.env"), dir);
  assert.equal(e.description, "VS Code's environment + missing.env (not found)");
  assert.deepEqual(e.envFile, { path: path.join(dir, "missing.env"), setting: "missing.env", missing: true, error: "not found" });
  assert.deepEqual(e.problems.map((p) => p.code), ["env-file-missing"]);
});

test("problems caused by env-file variables point at their line, with the name's columns; unset variables via the ones the message names", () => {
  const dir = workspace({ "pyproject.toml": "[tool.kitaru]\n", ".env": "# x\nexport KITARU_DEFAULT_MODEL=\nKITARU_LOG_STORE_API_KEY=abc\nNO EQUALS\n" });
  const e = explainedEnvironment({}, settings(".env", { KITARU_RETRIES: "x" }), dir, { KITARU_RETRIES: { file: path.join(dir, ".vscode", "settings.json"), line: 4, column: 5, endColumn: 21 } });
  assert.deepEqual(e.fromSetting, ["KITARU_RETRIES"]);
  const r = resolveConfiguration({ ...nodeHost({ env: e.env }), envOrigins: e.origins }, { workspace: dir });
  const placed = placeEnvironmentProblems(r.problems, e);
  const at = (code: string, env?: string) => placed.filter((p) => p.code === code && (!env || p.env === env)).map((p) => `${path.relative(dir, p.file ?? "?")}:${p.span?.start.line}:${p.span?.start.column}-${p.span?.end.column}`);
  assert.deepEqual(at("invalid-env", "KITARU_DEFAULT_MODEL"), [".env:2:8-28"]);
  assert.deepEqual(at("invalid-env", "KITARU_RETRIES"), [".vscode/settings.json:4:5-21"]);
  assert.deepEqual(at("log-store-env"), [".env:3:1-25"]);
  assert.deepEqual(at("env-file-line"), [".env:4:1-10"]);
  assert.deepEqual(placed.map((p) => p.severity), [...placed.map((p) => p.severity)].sort((a, b) => ["error", "warning", "info"].indexOf(a) - ["error", "warning", "info"].indexOf(b)), "errors first");
});
