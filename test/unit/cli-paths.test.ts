// kitaru-config names a workspace, --cwd or checked file that does not exist (or is not what it
// should be) as a usage error: one line naming the path and what is wrong, exit status 2, nothing
// on stdout. Answering with defaults would hide the typo.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";

const CLI = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../dist/cli.js");
const built = fs.existsSync(CLI);

function run(cwd: string, args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: { ...process.env, KITARU_CONFIG_NO_CACHE: "1" } });
}

function workspace(): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-cli-paths-"));
  fs.writeFileSync(path.join(ws, "pyproject.toml"), '[tool.kitaru]\nstack = "prod"\n');
  fs.mkdirSync(path.join(ws, "sub"));
  return ws;
}

test("--workspace and --cwd that do not exist or are not directories: exit 2 and one line naming them", { skip: built ? false : "dist/cli.js not built (node esbuild.mjs)" }, () => {
  const ws = workspace();
  const cases: [string[], RegExp][] = [
    [["--workspace", "/nonexistent/kitaru-ws"], /^kitaru-config: --workspace \/nonexistent\/kitaru-ws: no such directory\n$/],
    [["--workspace", "pyproject.toml"], new RegExp(`^kitaru-config: --workspace pyproject\\.toml \\(${ws}/pyproject\\.toml\\): not a directory; give the folder that holds it: --workspace \\.\n$`)],
    [["--workspace", "pyproject.toml/x"], /^kitaru-config: --workspace pyproject\.toml\/x \(.*\): no such directory\n$/],
    [["--workspace", ".", "--cwd", "nope"], new RegExp(`^kitaru-config: --cwd nope \\(${ws}/nope\\): no such directory\n$`)],
    [["--cwd", "pyproject.toml"], /^kitaru-config: --cwd pyproject\.toml \(.*\): not a directory; give the folder that holds it: --cwd \.\n$/],
  ];
  for (const command of ["resolve", "check"]) {
    for (const json of [[], ["--json"]]) {
      for (const [args, message] of cases) {
        const r = run(ws, [command, ...json, ...args]);
        assert.equal(r.status, 2, `${command} ${args.join(" ")}: ${r.stderr}`);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, message);
      }
    }
  }
  // What does exist still works, relative or not.
  assert.equal(run(ws, ["resolve", "--workspace", ".", "--cwd", "sub"]).status, 0);
  assert.equal(run(os.tmpdir(), ["check", "--workspace", ws, "--cwd", path.join(ws, "sub")]).status, 0);
});

test("check FILE... with a file that does not exist: exit 2 naming it (relative names are relative to the workspace)", { skip: built ? false : "dist/cli.js not built (node esbuild.mjs)" }, () => {
  const ws = workspace();
  const missing = run(ws, ["check", "pyproject.toml", "flows.py"]);
  assert.equal(missing.status, 2, missing.stderr);
  assert.equal(missing.stdout, "");
  assert.equal(missing.stderr, `kitaru-config: check flows.py (${path.join(ws, "flows.py")}): no such file\n`);
  const dir = path.join(ws, "kitaru.yaml");
  fs.mkdirSync(dir);
  const directory = run(ws, ["check", "--json", dir]);
  assert.equal(directory.status, 2);
  assert.equal(directory.stderr, `kitaru-config: check ${dir}: it is a directory\n`);
  assert.equal(run(ws, ["check", "pyproject.toml"]).status, 0);
});

test("resolve --call naming no call answers with a call-not-found error and exit 0 (the conformance contract); --spec exits 2", { skip: built ? false : "dist/cli.js not built (node esbuild.mjs)" }, () => {
  const ws = workspace();
  fs.writeFileSync(path.join(ws, "flows.py"), "from kitaru import flow\n\n@flow\ndef f():\n    pass\n\nf.run()\n");
  const json = run(ws, ["resolve", "--json", "--call", "flows.py:99"]);
  assert.equal(json.status, 0, json.stderr);
  assert.ok((JSON.parse(json.stdout) as { problems: { code?: string; severity: string }[] }).problems.some((p) => p.code === "call-not-found" && p.severity === "error"));
  const text = run(ws, ["resolve", "--call", "flows.py:99"]);
  assert.equal(text.status, 0);
  assert.match(text.stdout, /\[call-not-found\]/);
  const spec = run(ws, ["resolve", "--spec", "--call", "flows.py:99"]);
  assert.equal(spec.status, 2);
  assert.equal(spec.stdout, "");
});

test("an empty --workspace, --cwd or --dotenv (an unset shell variable) is a usage error, not the current folder", { skip: built ? false : "dist/cli.js not built (node esbuild.mjs)" }, () => {
  const ws = workspace();
  for (const args of [["--workspace", ""], ["--workspace="], ["--cwd", " "], ["--dotenv", ""]]) {
    const r = run(ws, ["resolve", "--json", ...args]);
    assert.equal(r.status, 2, JSON.stringify(args));
    assert.equal(r.stdout, "");
    assert.match(r.stderr, new RegExp(`^kitaru-config: ${args[0]!.replace(/=$/, "")} was given an empty value \\(an unset shell variable\\?\\)\n`));
  }
});
