import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import { test } from "node:test";
import { configDirectory } from "../../src/core/configDir";
import { nodeHost } from "../../src/core/host";
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
  assert.equal(configDirectory(memoryHost({}, { XDG_CONFIG_HOME: "" })).path, "kitaru");
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

// Values printed by python3 -c 'import click; print(click.get_app_dir("kitaru"))' (click 8.4, CPython 3.11)
// on Linux, and by posixpath.expanduser("~/Library/Application Support") for macOS. memoryHost's homedir
// stands for the password database entry, which Python uses only when HOME is not set at all.
test("the Linux default follows posixpath.expanduser: empty, root, trailing-slash, relative and unset HOME", () => {
  const dir = (env: Record<string, string>, homedir?: string) => configDirectory(memoryHost({}, env, homedir === undefined ? {} : { homedir })).path;
  assert.equal(dir({ HOME: "" }), "/.config/kitaru"); // "".rstrip("/") + "/.config"
  assert.equal(dir({ HOME: "/" }), "/.config/kitaru");
  assert.equal(dir({ HOME: "//" }), "/.config/kitaru");
  assert.equal(dir({ HOME: "/home/x/" }), "/home/x/.config/kitaru");
  assert.equal(dir({ HOME: "rel/h" }), "rel/h/.config/kitaru"); // relative to where the run starts
  assert.equal(dir({ HOME: "/home/bob" }, "/home/alice"), "/home/bob/.config/kitaru"); // HOME beats the password entry
  assert.equal(dir({}, "/root"), "/root/.config/kitaru"); // HOME unset: pwd.getpwuid(os.getuid()).pw_dir
  assert.match(configDirectory(memoryHost({}, { HOME: "" })).reason, /HOME is empty/);
});

test("HOME unset and no password entry: Python leaves ~ unexpanded (a relative ~/.config/kitaru)", () => {
  const host = { ...memoryHost({}, {}), homedir: undefined };
  assert.equal(configDirectory(host).path, "~/.config/kitaru");
  assert.equal(resolveConfiguration(host, { workspace: "/w" }).configDir.path, "/w/~/.config/kitaru");
});

test("click takes XDG_CONFIG_HOME as it is: a ~ there is not expanded", () => {
  assert.equal(configDirectory(memoryHost({}, { XDG_CONFIG_HOME: "~/x", HOME: "/home/alice" })).path, "~/x/kitaru");
  assert.equal(configDirectory(memoryHost({}, { XDG_CONFIG_HOME: "/x/" })).path, "/x/kitaru");
});

test("macOS: ~/Library/Application Support through the same expanduser", () => {
  const mac = (env: Record<string, string>) => configDirectory(memoryHost({}, env, { platform: "darwin", homedir: "/Users/al" })).path;
  assert.equal(mac({ HOME: "" }), "/Library/Application Support/kitaru");
  assert.equal(mac({ HOME: "/Users/bo/" }), "/Users/bo/Library/Application Support/kitaru");
  assert.equal(mac({}), "/Users/al/Library/Application Support/kitaru");
});

// The same cases against the python3 of this machine, when it has one (with click if installed).
const python = process.platform === "linux" ? spawnSync("python3", ["-c", "print(1)"], { encoding: "utf8" }) : undefined;
test("the Linux default equals what python3 prints for the same environment", { skip: python?.stdout.trim() === "1" ? false : "no python3 on Linux" }, () => {
  const script = 'import os, posixpath\ntry:\n    import click; print(click.get_app_dir("kitaru"))\nexcept ImportError:\n    print(os.path.join(os.environ.get("XDG_CONFIG_HOME", posixpath.expanduser("~/.config")), "kitaru"))';
  const cases: Record<string, string | undefined>[] = [{ HOME: "" }, { HOME: "/" }, { HOME: "//" }, { HOME: "/tmp/h/" }, { HOME: "rel/h" }, { HOME: undefined }, { HOME: "/tmp/h", XDG_CONFIG_HOME: "~/x" }, { XDG_CONFIG_HOME: "" }];
  for (const c of cases) {
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    for (const [k, v] of Object.entries(c)) if (v !== undefined) env[k] = v;
    const py = spawnSync("python3", ["-c", script], { env, encoding: "utf8" });
    assert.equal(py.status, 0, py.stderr);
    assert.equal(configDirectory(nodeHost({ env, platform: "linux" })).path, py.stdout.replace(/\n$/, ""), `${JSON.stringify(c)} (${os.userInfo().username})`);
  }
});
