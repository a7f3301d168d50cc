/**
 * Flows imported from a sibling package of a monorepo (a uv workspace): absolute imports are
 * looked up in the importing file's folders first, then in every source root of the workspace
 * (each folder holding a pyproject.toml, and its src/), in path order; imports found nowhere are
 * still reported, saying where the reader looked. And `resolve --spec` refuses (exit 2) to show
 * a spec for a call or flow it cannot resolve.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { checkPythonWorkspace, workspaceFlowIndex } from "../../src/core/checkFiles";
import { FlowIndex } from "../../src/core/flowIndex";
import { nodeHost } from "../../src/core/host";
import { moduleCandidates } from "../../src/core/pythonLayers";
import { resolveConfiguration } from "../../src/core/resolve";
import { sourceRootsOf } from "../../src/core/workspaceWalk";
import { memoryHost } from "./helpers";

const CLI = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../dist/cli.js");

const MONOREPO: Record<string, string> = {
  "pyproject.toml": '[project]\nname = "mono"\nversion = "0.1.0"\n\n[tool.uv.workspace]\nmembers = ["packages/*"]\n',
  "packages/a/pyproject.toml": '[project]\nname = "pkga"\nversion = "0.1.0"\n\n[tool.kitaru]\ncache = false\n',
  "packages/a/src/pkga/flows.py": "from kitaru import flow as durable\n\n\n@durable(retries=2)\ndef ingest(source: str) -> str:\n    return source\n",
  "packages/a/src/pkga/__init__.py": 'from .flows import ingest\n\n__all__ = ["ingest"]\n',
  "packages/b/pyproject.toml": '[project]\nname = "pkgb"\nversion = "0.1.0"\ndependencies = ["pkga"]\n\n[tool.uv.sources]\npkga = { workspace = true }\n',
  "packages/b/src/pkgb/run.py": `import os

from pkga import ingest
from pkga.flows import ingest as ingest2
from pkgz import missing

if __name__ == "__main__":
    ingest.run("x", stack=os.environ["STACK"])
    ingest2.run("y", cache=False)
    missing.run("z", retries=3)
`,
};

const RUN = "packages/b/src/pkgb/run.py";

function inMemory(root = "/ws"): Record<string, string> {
  return Object.fromEntries(Object.entries(MONOREPO).map(([rel, text]) => [`${root}/${rel}`, text]));
}

const PROJECT_DIRS = ["/ws", "/ws/packages/a", "/ws/packages/b"];

test("the workspace index links calls to a flow of a sibling package (through its __init__ re-export and directly)", () => {
  const index = new FlowIndex({ platform: "linux", workspaceOf: () => "/ws" });
  for (const [file, text] of Object.entries(inMemory())) if (file.endsWith(".py")) index.update(file, text);
  // Before: only the importing file's folders (and their src/) were searched.
  assert.deepEqual(index.callsIn(`/ws/${RUN}`).map((c) => c.line), []);
  index.setProjectDirs(PROJECT_DIRS);
  const calls = index.callsIn(`/ws/${RUN}`);
  assert.deepEqual(calls.map((c) => [c.line, c.flow]), [
    [8, { file: "/ws/packages/a/src/pkga/flows.py", name: "ingest" }],
    [9, { file: "/ws/packages/a/src/pkga/flows.py", name: "ingest" }],
  ]);
  assert.equal(index.callsOf({ file: "/ws/packages/a/src/pkga/flows.py", name: "ingest" }).length, 2, "the Flows tree lists both call sites");
  // A project that goes away takes its source roots with it.
  index.setProjectDir("/ws/packages/a", false);
  assert.deepEqual(index.callsIn(`/ws/${RUN}`), []);
});

test("resolving such a call: the decorator (an aliased @flow), the call's arguments; an unknown module is reported with where the reader looked", () => {
  const host = memoryHost(inMemory());
  const roots = sourceRootsOf("linux", PROJECT_DIRS);
  const first = resolveConfiguration(host, { workspace: "/ws", call: `${RUN}:8`, sourceRoots: roots });
  assert.deepEqual(first.python?.flow && [first.python.flow.file, first.python.flow.name], ["/ws/packages/a/src/pkga/flows.py", "ingest"]);
  assert.deepEqual([first.settings.retries?.value, first.settings.retries?.source], [2, "decorator"]);
  assert.deepEqual([first.settings.stack?.dynamic, first.settings.stack?.source], ['os.environ["STACK"]', "invocation"]);
  const second = resolveConfiguration(host, { workspace: "/ws", call: `${RUN}:9`, sourceRoots: roots });
  assert.deepEqual([second.settings.cache?.value, second.settings.cache?.source], [false, "invocation"]);
  const missing = resolveConfiguration(host, { workspace: "/ws", call: `${RUN}:10`, sourceRoots: roots });
  assert.equal(missing.python?.flow, undefined);
  const problem = missing.problems.find((p) => p.code === "flow-not-found")!;
  assert.equal(problem.span?.start.line, 10);
  assert.match(problem.message, /^missing is not a Kitaru flow this reader can find: module pkgz \(imported in packages\/b\/src\/pkgb\/run\.py\) was not found next to packages\/b\/src\/pkgb\/run\.py, in its parent folders or in the 3 projects of the workspace/);
  // A module that exists but has no such flow says so.
  const files = { ...inMemory(), [`/ws/${RUN}`]: "from pkga import nope\n\nnope.run()\n" };
  const nope = resolveConfiguration(memoryHost(files), { workspace: "/ws", call: `${RUN}:3`, sourceRoots: roots });
  assert.match(nope.problems.find((p) => p.code === "flow-not-found")!.message, /packages\/a\/src\/pkga\/__init__\.py \(module pkga\) neither defines nor re-exports a @flow named nope/);
});

test("module candidates: the importing file's folders first, then each project and its src/ in path order, each once; relative imports stay in their package", () => {
  const roots = sourceRootsOf("linux", ["/ws/packages/b", "/ws", "/ws/packages/a", "/ws/packages/a"]);
  assert.deepEqual(roots, ["/ws", "/ws/src", "/ws/packages/a", "/ws/packages/a/src", "/ws/packages/b", "/ws/packages/b/src"]);
  const files = moduleCandidates("linux", "/ws", `/ws/${RUN}`, "pkga.flows", roots);
  assert.deepEqual(files.slice(0, 2), ["/ws/packages/b/src/pkgb/pkga/flows.py", "/ws/packages/b/src/pkgb/pkga/flows/__init__.py"]);
  assert.equal(files.filter((f) => f === "/ws/packages/a/src/pkga/flows.py").length, 1);
  const fromTools = moduleCandidates("linux", "/ws", "/ws/tools/x.py", "pkga", roots);
  assert.deepEqual(fromTools.filter((_, i) => i % 2 === 0), ["/ws/tools/pkga.py", "/ws/tools/src/pkga.py", "/ws/pkga.py", "/ws/src/pkga.py", "/ws/packages/a/pkga.py", "/ws/packages/a/src/pkga.py", "/ws/packages/b/pkga.py", "/ws/packages/b/src/pkga.py"], "near first, then the projects in path order");
  assert.deepEqual(moduleCandidates("linux", "/ws", `/ws/${RUN}`, ".sibling", roots), ["/ws/packages/b/src/pkgb/sibling.py", "/ws/packages/b/src/pkgb/sibling/__init__.py"]);
  // Two projects with the same package: the first in path order wins, every time.
  const twice = { ...inMemory(), "/ws/packages/c/pyproject.toml": "[project]\nname = 'c'\n", "/ws/packages/c/src/pkga/__init__.py": "from kitaru import flow\n\n@flow(retries=9)\ndef ingest():\n    pass\n" };
  const r = resolveConfiguration(memoryHost(twice), { workspace: "/ws", call: `${RUN}:8`, sourceRoots: sourceRootsOf("linux", [...PROJECT_DIRS, "/ws/packages/c"]) });
  assert.equal(r.python?.flow?.file, "/ws/packages/a/src/pkga/flows.py");
});

function writeMonorepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-monorepo-"));
  for (const [rel, text] of Object.entries(MONOREPO)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  // A virtual environment holding a copy of pkga must not become a source root.
  fs.mkdirSync(path.join(dir, ".venv/lib/pkga"), { recursive: true });
  fs.writeFileSync(path.join(dir, ".venv/pyvenv.cfg"), "home = /usr\n");
  fs.writeFileSync(path.join(dir, ".venv/pyproject.toml"), "[project]\nname = 'venv'\n");
  return dir;
}

test("on the disk: kitaru-config check --workspace finds the cross-package flows (the index knows the workspace's projects)", () => {
  const dir = writeMonorepo();
  try {
    const host = nodeHost({ env: { HOME: dir } });
    const index = workspaceFlowIndex(host, dir);
    assert.deepEqual(index.sourceRoots().map((r) => path.relative(dir, r) || "."), [".", "src", "packages/a", "packages/a/src", "packages/b", "packages/b/src"]);
    assert.deepEqual(index.callsIn(path.join(dir, RUN)).map((c) => c.line), [8, 9]);
    const problems = checkPythonWorkspace(host, dir, { index });
    assert.deepEqual(problems.filter((p) => p.severity !== "info"), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function cli(cwd: string, ...args: string[]) {
  assert.ok(fs.existsSync(CLI), "dist/cli.js is missing: run npm run build first (npm test does)");
  return spawnSync(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? "", HOME: cwd, KITARU_CONFIG_PATH: path.join(cwd, ".kitaru-home") }, encoding: "utf8" });
}

test("kitaru-config resolve --call on a cross-package call: found without an index (source roots found on the disk)", () => {
  const dir = writeMonorepo();
  try {
    const run = cli(dir, "resolve", "--workspace", dir, "--call", `${RUN}:8`, "--json");
    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(run.stdout);
    assert.deepEqual(json.flow, { file: path.join(dir, "packages/a/src/pkga/flows.py"), name: "ingest", line: 5 });
    assert.deepEqual([json.settings.retries.value, json.settings.retries.source], [2, "decorator"]);
    assert.equal(json.settings.stack.dynamic, 'os.environ["STACK"]');
    const spec = cli(dir, "resolve", "--workspace", dir, "--call", `${RUN}:9`, "--spec", "--json");
    assert.equal(spec.status, 0, spec.stderr);
    assert.equal(JSON.parse(spec.stdout).kitaru_execution_spec.resolved_execution.cache, false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("resolve --spec on a call whose flow cannot be found, or a line without a call, or an unknown flow: exit 2, no spec, the reason on stderr", () => {
  const dir = writeMonorepo();
  try {
    for (const [args, reason] of [
      [["--call", `${RUN}:10`], /--call packages\/b\/src\/pkgb\/run\.py:10: missing is not a Kitaru flow this reader can find: module pkgz/],
      [["--call", `${RUN}:2`], /No \.run\(\.\.\.\) or \.deploy\(\.\.\.\) call on a Kitaru flow at packages\/b\/src\/pkgb\/run\.py:2/],
      [["--flow", "packages/a/src/pkga/flows.py:nope"], /--flow packages\/a\/src\/pkga\/flows\.py:nope: No @flow named nope/],
    ] as const) {
      for (const json of [[], ["--json"]]) {
        const r = cli(dir, "resolve", "--workspace", dir, ...args, "--spec", ...json);
        assert.equal(r.status, 2, `${args.join(" ")} ${json.join(" ")}: ${r.stdout}`);
        assert.equal(r.stdout, "", "nothing that looks like a spec");
        assert.match(r.stderr, /^kitaru-config: --spec: no execution spec can be built for /);
        assert.match(r.stderr, reason);
      }
    }
    // Without --spec the resolution is still printed, with the problem (the conformance contract: exit 0).
    const plain = cli(dir, "resolve", "--workspace", dir, "--call", `${RUN}:10`, "--json");
    assert.equal(plain.status, 0);
    assert.ok(JSON.parse(plain.stdout).problems.some((p: { code: string }) => p.code === "flow-not-found"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
