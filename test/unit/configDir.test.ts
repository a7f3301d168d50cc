import assert from "node:assert/strict";
import { test } from "node:test";
import { configDirectory } from "../../src/core/configDir";
import { resolveConfiguration } from "../../src/core/resolve";
import { memoryHost } from "./helpers";

test("KITARU_CONFIG_PATH beats ZENML_CONFIG_PATH and the default", () => {
  const d = configDirectory(memoryHost({}, { KITARU_CONFIG_PATH: "/app/.kitaru", ZENML_CONFIG_PATH: "/z" }));
  assert.deepEqual([d.path, d.source], ["/app/.kitaru", "KITARU_CONFIG_PATH"]);
});

test("blank KITARU_CONFIG_PATH counts as unset", () => {
  const d = configDirectory(memoryHost({}, { KITARU_CONFIG_PATH: "  ", ZENML_CONFIG_PATH: "/z" }));
  assert.deepEqual([d.path, d.source], ["/z", "ZENML_CONFIG_PATH"]);
});

test("Linux default, XDG_CONFIG_HOME and its empty value", () => {
  assert.equal(configDirectory(memoryHost({}, {})).path, "/home/alice/.config/kitaru");
  assert.equal(configDirectory(memoryHost({}, { XDG_CONFIG_HOME: "/x" })).path, "/x/kitaru");
  // click: os.environ.get("XDG_CONFIG_HOME", "~/.config") gives "" → relative "kitaru".
  assert.equal(configDirectory(memoryHost({}, { XDG_CONFIG_HOME: "" })).path.endsWith("kitaru"), true);
});

test("macOS ignores XDG; Windows uses APPDATA, else the home directory", () => {
  assert.equal(configDirectory(memoryHost({}, { XDG_CONFIG_HOME: "/x" }, { platform: "darwin", homedir: "/Users/al" })).path, "/Users/al/Library/Application Support/kitaru");
  assert.equal(configDirectory(memoryHost({}, { APPDATA: "C:\\Users\\al\\AppData\\Roaming" }, { platform: "win32", homedir: "C:\\Users\\al" })).path, "C:\\Users\\al\\AppData\\Roaming\\kitaru");
  assert.equal(configDirectory(memoryHost({}, {}, { platform: "win32", homedir: "C:\\Users\\al" })).path, "C:\\Users\\al\\kitaru");
});

test("~ in KITARU_CONFIG_PATH is not expanded (Kitaru takes Path(text)), with a warning", () => {
  const d = configDirectory(memoryHost({}, { KITARU_CONFIG_PATH: "~/kitaru-state" }));
  assert.equal(d.path, "~/kitaru-state");
  assert.match(d.warning ?? "", /does not expand/);
});

test("a relative KITARU_CONFIG_PATH is relative to where the run starts (--cwd), not to this process", () => {
  const host = memoryHost({}, { KITARU_CONFIG_PATH: "rel/dir" });
  assert.equal(resolveConfiguration(host, { workspace: "/w", cwd: "sub" }).configDir.path, "/w/sub/rel/dir");
  assert.equal(resolveConfiguration(memoryHost({}, { ZENML_CONFIG_PATH: "z" }), { workspace: "/w" }).configDir.path, "/w/z");
});
