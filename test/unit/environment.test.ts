import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { explainedEnvironment, placeEnvironmentProblems, processEnvironment } from "../../src/extension/environment";
import { neutralWorkingDirectory, trustedPathEntries } from "../../src/core/findKitaru";
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

test("the kitaru process: the explained environment when trusted; in Restricted Mode, nothing an env file set (the base value comes back)", () => {
  const dir = workspace({ ".env": "NODE_OPTIONS=--require ./evil.js\nBASH_ENV=./evil.sh\nKITARU_STACK=from-file\nPATH=./bin\n" });
  const base = { PATH: "/usr/bin:/bin", HOME: "/home/ada", KITARU_STACK: "from-shell" };
  const e = explainedEnvironment(base, settings(".env", { KITARU_PROJECT: "from-user-setting", BASH_ENV: "/home/ada/.bashenv" }), dir);
  assert.equal(e.env.NODE_OPTIONS, "--require ./evil.js", "explained with the file");

  assert.deepEqual(processEnvironment(e, true, base), { env: e.env, lookupEnv: e.env, withheld: [], droppedPathEntries: [] });

  const restricted = processEnvironment(e, false, base, { folders: [dir], platform: "linux" });
  assert.deepEqual(restricted.withheld, ["KITARU_STACK", "NODE_OPTIONS", "PATH"]);
  assert.deepEqual(restricted.droppedPathEntries, []);
  assert.equal(restricted.env.NODE_OPTIONS, undefined);
  assert.equal(restricted.env.PATH, "/usr/bin:/bin");
  assert.equal(restricted.env.KITARU_STACK, "from-shell");
  // What the (user's) kitaru.environment set after the file wins and is kept.
  assert.equal(restricted.env.BASH_ENV, "/home/ada/.bashenv");
  assert.equal(restricted.env.KITARU_PROJECT, "from-user-setting");
  assert.equal(restricted.env.HOME, "/home/ada");
});

test("Restricted Mode: kitaru's PATH keeps only absolute entries outside the workspace; the lookup still sees them all", () => {
  const dir = workspace({});
  const user = `:/usr/local/bin:.:./node_modules/.bin:${dir}/bin:/usr/bin::"/opt/tools"`;
  const e = explainedEnvironment({ PATH: "/usr/bin" }, settings("", { PATH: user }), dir);
  const restricted = processEnvironment(e, false, {}, { folders: [dir], platform: "linux" });
  assert.equal(restricted.env.PATH, '/usr/local/bin:/usr/bin:"/opt/tools"');
  assert.deepEqual(restricted.droppedPathEntries, ["", ".", "./node_modules/.bin", `${dir}/bin`, ""]);
  assert.equal(restricted.lookupEnv.PATH, user, "the lookup names (and refuses) a kitaru in the workspace");
  assert.equal(processEnvironment(e, true, {}, { folders: [dir], platform: "linux" }).env.PATH, user, "trusted: as explained");
});

test("trustedPathEntries: symlinks into the workspace are dropped; Windows separators and drive paths", () => {
  const real = (p: string) => (p === "/opt/link" ? "/work/repo/bin" : p);
  assert.deepEqual(trustedPathEntries("/opt/link:/usr/bin", "linux", ["/work/repo"], real), { path: "/usr/bin", dropped: ["/opt/link"] });
  assert.deepEqual(trustedPathEntries("C:\\Windows;bin;;C:\\repo\\bin", "win32", ["C:\\repo"]), { path: "C:\\Windows", dropped: ["bin", "", "C:\\repo\\bin"] });
});

test("neutralWorkingDirectory: home unless home is inside the workspace (then the root)", () => {
  assert.equal(neutralWorkingDirectory("/home/ada", "linux", ["/home/ada/projects/repo"]), "/home/ada");
  assert.equal(neutralWorkingDirectory("/home/ada", "linux", ["/home/ada"]), "/");
  assert.equal(neutralWorkingDirectory("C:\\Users\\ada", "win32", ["C:\\Users"]), "C:\\");
});
