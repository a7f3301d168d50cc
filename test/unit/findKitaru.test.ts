import { test } from "node:test";
import assert from "node:assert/strict";
import { describeLookup, describeLookupSteps, findKitaru, ignoredPathValues, kitaruPathSettingsTarget, type LookupInput } from "../../src/core/findKitaru";

function input(files: string[], overrides: Partial<LookupInput> = {}): LookupInput {
  const set = new Set(files);
  return {
    platform: "linux",
    homedir: "/home/u",
    setting: "",
    folder: "/ws",
    projectDir: "/ws/pkg",
    workspaceFolders: ["/ws"],
    trusted: true,
    env: { PATH: "/usr/local/bin:/usr/bin" },
    isExecutableFile: (p) => set.has(p),
    ...overrides,
  };
}

test("the kitaru.path setting wins, with ~ and ${workspaceFolder} expanded and relative paths from the folder", () => {
  const files = ["/home/u/tools/kitaru", "/ws/tools/kitaru", "/usr/bin/kitaru"];
  assert.deepEqual(pick(findKitaru(input(files, { setting: "~/tools/kitaru" }))), ["found", "setting", "/home/u/tools/kitaru"]);
  assert.deepEqual(pick(findKitaru(input(files, { setting: "${workspaceFolder}/tools/kitaru" }))), ["found", "setting", "/ws/tools/kitaru"]);
  assert.deepEqual(pick(findKitaru(input(files, { setting: "tools/kitaru" }))), ["found", "setting", "/ws/tools/kitaru"]);
});

test("a kitaru.path that is not executable is reported, not skipped", () => {
  const r = findKitaru(input(["/usr/bin/kitaru"], { setting: "/nope/kitaru" }));
  assert.equal(r.kind, "bad-setting");
  assert.match(describeLookup(r), /kitaru\.path is \/nope\/kitaru, but it is not an executable file/);
});

test("the Python extension's environment comes next", () => {
  const r = findKitaru(input(["/envs/a/bin/kitaru", "/ws/.venv/bin/kitaru", "/usr/bin/kitaru"], { pythonExecutable: "/envs/a/bin/python" }));
  assert.deepEqual(pick(r), ["found", "python", "/envs/a/bin/kitaru"]);
});

test("then .venv / venv in the project, then in the folder", () => {
  assert.deepEqual(pick(findKitaru(input(["/ws/pkg/venv/bin/kitaru", "/ws/.venv/bin/kitaru"]))), ["found", "venv", "/ws/pkg/venv/bin/kitaru"]);
  assert.deepEqual(pick(findKitaru(input(["/ws/.venv/bin/kitaru", "/usr/bin/kitaru"], { pythonExecutable: "/envs/none/bin/python" }))), ["found", "venv", "/ws/.venv/bin/kitaru"]);
});

test("then PATH, in order", () => {
  const r = findKitaru(input(["/usr/bin/kitaru"]));
  assert.deepEqual(pick(r), ["found", "path", "/usr/bin/kitaru"]);
  assert.match(describeLookup(r), /Using kitaru at \/usr\/bin\/kitaru \(from PATH\)/);
  assert.ok(r.tried.some((t) => t.path === "/usr/local/bin/kitaru" && t.result === "missing"));
});

test("nothing found", () => {
  const r = findKitaru(input([], { env: {} }));
  assert.equal(r.kind, "not-found");
  assert.match(describeLookup(r), /kitaru not found; looked at: \/ws\/pkg\/\.venv\/bin\/kitaru/);
});

test("Restricted Mode: an executable inside the workspace is not run", () => {
  assert.deepEqual(pick(findKitaru(input(["/ws/.venv/bin/kitaru", "/usr/bin/kitaru"], { trusted: false }))), ["restricted", "venv", "/ws/.venv/bin/kitaru"]);
  // A user-level kitaru.path pointing into the workspace, or a PATH entry relative to it.
  assert.deepEqual(pick(findKitaru(input(["/ws/bin/kitaru"], { trusted: false, setting: "/ws/bin/kitaru" }))), ["restricted", "setting", "/ws/bin/kitaru"]);
  assert.deepEqual(pick(findKitaru(input(["/ws/pkg/kitaru"], { trusted: false, env: { PATH: ".:/usr/bin" } }))), ["restricted", "path", "/ws/pkg/kitaru"]);
  // A symlink outside that resolves into the workspace.
  assert.deepEqual(pick(findKitaru(input(["/usr/bin/kitaru"], { trusted: false, realpath: (p) => (p === "/usr/bin/kitaru" ? "/ws/evil/kitaru" : p) }))), ["restricted", "path", "/usr/bin/kitaru"]);
  // Outside the workspace it is fine.
  assert.deepEqual(pick(findKitaru(input(["/usr/bin/kitaru"], { trusted: false }))), ["found", "path", "/usr/bin/kitaru"]);
});

test("Windows: Scripts\\kitaru.exe, PATHEXT limited to .exe/.com, batch files refused in kitaru.path", () => {
  const win = (files: string[], o: Partial<LookupInput> = {}) =>
    input(files, { platform: "win32", homedir: "C:\\Users\\u", folder: "C:\\ws", projectDir: "C:\\ws", workspaceFolders: ["C:\\ws"], env: { Path: "C:\\Python\\Scripts;C:\\bin", PATHEXT: ".COM;.EXE;.BAT;.CMD" }, ...o });
  assert.deepEqual(pick(findKitaru(win(["C:\\ws\\.venv\\Scripts\\kitaru.exe"]))), ["found", "venv", "C:\\ws\\.venv\\Scripts\\kitaru.exe"]);
  assert.deepEqual(pick(findKitaru(win(["C:\\bin\\kitaru.cmd", "C:\\bin\\kitaru.exe"]))), ["found", "path", "C:\\bin\\kitaru.exe"]);
  assert.deepEqual(pick(findKitaru(win(["C:\\conda\\Scripts\\kitaru.exe"], { pythonExecutable: "C:\\conda\\python.exe" }))), ["found", "python", "C:\\conda\\Scripts\\kitaru.exe"]);
  assert.equal(findKitaru(win(["C:\\k\\kitaru.cmd"], { setting: "C:\\k\\kitaru.cmd" })).kind, "bad-setting");
});

function pick(r: ReturnType<typeof findKitaru>): [string, string, string] | [string] {
  if (r.kind === "found" || r.kind === "restricted") return [r.kind, r.step, r.path];
  return [r.kind];
}

test("the log's account of the chain: which step won, what each step found", () => {
  const found = findKitaru(input(["/usr/bin/kitaru"], { pythonExecutable: "/envs/a/bin/python" }));
  assert.deepEqual(describeLookupSteps(found, ""), [
    "1. the kitaru.path setting: not set",
    "2. the Python extension's selected environment: no kitaru at /envs/a/bin/kitaru",
    "3. the workspace's virtual environment: no kitaru at /ws/pkg/.venv/bin/kitaru, /ws/pkg/venv/bin/kitaru, /ws/.venv/bin/kitaru, /ws/venv/bin/kitaru",
    "4. PATH: found /usr/bin/kitaru (used); no kitaru at /usr/local/bin/kitaru",
  ]);
  const fromSetting = findKitaru(input(["/opt/kitaru"], { setting: "/opt/kitaru" }));
  assert.deepEqual(describeLookupSteps(fromSetting, "/opt/kitaru"), [
    "1. the kitaru.path setting: found /opt/kitaru (used)",
    "2. the Python extension's selected environment: not reached",
    "3. the workspace's virtual environment: not reached",
    "4. PATH: not reached",
  ]);
  const restricted = findKitaru(input(["/ws/.venv/bin/kitaru"], { trusted: false }));
  assert.match(describeLookupSteps(restricted, "")[2]!, /^3\. the workspace's virtual environment: found \/ws\/\.venv\/bin\/kitaru, refused: Restricted Mode/);
  assert.match(describeLookupSteps(findKitaru(input([], { setting: "/nope" })), "/nope")[0]!, /^1\. the kitaru\.path setting: \/nope: it is not an executable file/);
});

test("a workspace kitaru.path in Restricted Mode is named as ignored", () => {
  assert.deepEqual(ignoredPathValues({ workspaceValue: "/ws/bin/kitaru", globalValue: "/usr/bin/kitaru" }, true), []);
  assert.deepEqual(ignoredPathValues({ workspaceValue: "/ws/bin/kitaru", workspaceFolderValue: " " }, false), ["kitaru.path is set in the workspace settings (/ws/bin/kitaru), but ignored: in Restricted Mode only user and remote settings can name the executable."]);
});

test("where kitaru.path is set: the Remote settings in a remote window, else the user settings", () => {
  assert.deepEqual(kitaruPathSettingsTarget("ssh-remote"), { where: "your Remote settings", button: "Open Remote Settings", command: "workbench.action.openRemoteSettings", args: { query: "kitaru.path" } });
  assert.deepEqual(kitaruPathSettingsTarget(undefined), { where: "your user settings", button: "Open User Settings", command: "workbench.action.openGlobalSettings", args: { query: "kitaru.path" } });
});
