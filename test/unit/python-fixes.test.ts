/**
 * Testers' findings on the Python layers and the CLI: module code order for configure(),
 * `**kwargs` spreads, deploy() labels, accurate checkpoint hints, Python problems in
 * `kitaru-config check`, unsupported files, `--dotenv`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { checkFiles, checkPythonWorkspace, checkableKind, workspacePythonFiles } from "../../src/core/checkFiles";
import { FlowIndex, modulePythonProblems, type ModuleResolver } from "../../src/core/flowIndex";
import { executionSummary } from "../../src/core/flowSummary";
import { formatResolution } from "../../src/core/format";
import { buildFrozenSpec, formatFrozenSpec } from "../../src/core/frozenSpec";
import { nodeHost } from "../../src/core/host";
import { readPythonModule } from "../../src/core/python/reader";
import { moduleProblems } from "../../src/core/pythonLayers";
import { settingTargets, targetsAt } from "../../src/core/pythonTargets";
import { resolveConfiguration } from "../../src/core/resolve";
import { resolutionJson } from "../../src/core/serialize";
import { memoryHost } from "./helpers";

const CLI = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../dist/cli.js");

// --- 1. module code runs top to bottom ------------------------------------------------------

const ORDER = `import kitaru
from kitaru import flow

@flow
def f(x):
    return x

if __name__ == "__main__":
    f.run(2)

kitaru.configure(cache=False)

def main():
    kitaru.configure(retries=2)
    f.run(3)
    kitaru.configure(stack="late")

f.run(4)
`;

test("a module-level configure() after a module-level run() does not apply to it; before it, and for calls in functions, it does", () => {
  const host = memoryHost({ "/ws/app.py": ORDER });
  const early = resolveConfiguration(host, { workspace: "/ws", call: "app.py:9" });
  assert.equal(early.python?.call?.line, 9);
  assert.equal(early.settings.cache?.source ?? "default", "default", "configure(cache=False) on line 11 runs after f.run(2) on line 9");
  const late = resolveConfiguration(host, { workspace: "/ws", call: "app.py:18" });
  assert.deepEqual([late.settings.cache?.value, late.settings.cache?.source], [false, "configure"]);
  // Inside main(): every module-level configure() (main runs after the module body), and the earlier one in main().
  const inMain = resolveConfiguration(host, { workspace: "/ws", call: "app.py:15" });
  assert.deepEqual([inMain.settings.cache?.value, inMain.settings.cache?.source], [false, "configure"]);
  assert.deepEqual([inMain.settings.retries?.value, inMain.settings.retries?.source], [2, "configure"]);
  assert.notEqual(inMain.settings.stack?.value, "late", "a configure() after the call in the same function does not apply");
  // The flow alone (a plain run from elsewhere) still gets the module's configure().
  assert.equal(resolveConfiguration(host, { workspace: "/ws", flow: "app.py:f" }).settings.cache?.value, false);
});

test("imported, the flow's module runs its module-level configure() but not the one under if __name__ == '__main__'", () => {
  const flows = 'import kitaru\nfrom kitaru import flow\n\nkitaru.configure(retries=1)\n\n@flow\ndef f():\n    pass\n\nif __name__ == "__main__":\n    kitaru.configure(cache=False)\n    f.run()\n';
  const host = memoryHost({ "/ws/flows.py": flows, "/ws/run.py": "from flows import f\n\nf.run()\n" });
  const other = resolveConfiguration(host, { workspace: "/ws", call: "run.py:3" });
  assert.equal(other.settings.retries?.value, 1);
  assert.equal(other.settings.cache?.source ?? "default", "default");
  const own = resolveConfiguration(host, { workspace: "/ws", call: "flows.py:12" });
  assert.deepEqual([own.settings.cache?.value, own.settings.retries?.value], [false, 1]);
  const summary = readPythonModule(flows);
  assert.deepEqual(summary.configureCalls.map((c) => c.mainGuard), [false, true]);
  assert.equal(summary.flowCalls[0]!.mainGuard, true);
});

test("hover contexts of a module-level configure() in a script: calls after it and calls in functions, not a call before it", () => {
  const script = 'import kitaru\nfrom flows import f\n\nf.run(1)\nkitaru.configure(cache=False)\nf.run(2)\n\ndef main():\n    f.run(3)\n';
  const targets = settingTargets(readPythonModule(script));
  assert.deepEqual(targetsAt(targets, { line: 5, column: 18 }).map((t) => t.contexts), [[{ call: 6 }, { call: 9 }]]);
});

// --- 2. **kwargs ----------------------------------------------------------------------------

const SPREAD = `import kitaru
from kitaru import checkpoint, flow

@checkpoint(cache=True)
def step():
    pass

@flow(stack="gpu", retries=3)
def f():
    return step()

def main(opts):
    f.run(**{"retries": 4, "image": {"base_image": "python:3.13"}})
    f.run(retries=5, **opts)
    f.deploy(**opts)
`;

test("**{...} literal: read as keywords; **opts: every other setting is dynamic at that call, no lower layer shown as the certain winner", () => {
  const summary = readPythonModule(SPREAD);
  const [literal, spread] = summary.flowCalls;
  assert.deepEqual(literal!.kwargs.map((k) => k.name), ["retries", "image"]);
  assert.deepEqual(literal!.starKwargs, []);
  assert.deepEqual(spread!.starKwargs.map((s) => [s.text, s.span.start.line, s.span.start.column]), [["**opts", 14, 22]]);

  const host = memoryHost({ "/ws/app.py": SPREAD, "/ws/pyproject.toml": '[tool.kitaru]\ncache = true\n[tool.kitaru.image]\nbase_image = "python:3.12"\n' });
  const lit = resolveConfiguration(host, { workspace: "/ws", call: "app.py:13" });
  assert.deepEqual([lit.settings.retries?.value, lit.settings.retries?.source], [4, "invocation"]);
  assert.equal(lit.settings["image.base_image"]?.value, "python:3.13");

  const r = resolveConfiguration(host, { workspace: "/ws", call: "app.py:14" });
  // Written in the same call: certain (Python refuses a keyword given twice).
  assert.deepEqual([r.settings.retries?.value, r.settings.retries?.source, r.settings.retries?.dynamic], [5, "invocation", undefined]);
  for (const key of ["stack", "cache", "image"]) {
    assert.equal(r.settings[key]?.source, "invocation", key);
    assert.equal(r.settings[key]?.dynamic, "**opts", key);
  }
  assert.deepEqual(r.settings.stack!.overridden.map((o) => o.value), ["gpu"]);
  const json = resolutionJson(r);
  assert.equal(json.settings.stack?.dynamic, "**opts");
  assert.match(json.settings.stack?.note ?? "", /\*\*opts may set stack at run time/);
  const info = r.problems.filter((p) => p.code === "dynamic-value");
  assert.equal(info.length, 1);
  assert.equal(info[0]!.severity, "info");
  assert.deepEqual([info[0]!.span?.start.line, info[0]!.span?.start.column], [14, 22]);
  assert.match(info[0]!.message, /\*\*opts .*stack, cache or image/);

  // CodeLens / tree texts and the frozen spec.
  const titles = executionSummary(r.settings, "/ws").map((s) => s.title);
  assert.deepEqual(titles, ["stack dynamic: **opts · run()", "cache dynamic: **opts · run()", "retries 5 · run()", "image dynamic: **opts · run()"]);
  assert.match(executionSummary(r.settings, "/ws")[0]!.detail, /if \*\*opts does not set it: gpu \(@flow decorator, app\.py:8\)/);
  assert.doesNotMatch(executionSummary(r.settings, "/ws")[0]!.detail, /overrides:/);
  const spec = buildFrozenSpec(r);
  assert.equal(spec.spec.resolved_execution.stack, "<dynamic: **opts>");
  assert.equal(spec.spec.resolved_execution.cache, "<dynamic: **opts>");
  assert.equal(spec.spec.resolved_execution.retries, 5);
  assert.deepEqual(spec.dynamic.find((d) => d.path === "resolved_execution.stack"), { path: "resolved_execution.stack", text: "**opts", source: "invocation", otherwise: { value: "gpu", source: "decorator" } });
  assert.match(formatFrozenSpec(spec, { method: "run" }), /resolved_execution\.stack = \*\*opts {2}\(invocation; if it does not set it: "gpu" \(decorator\)\)/);
  // The checkpoint's own cache may be replaced, not certainly.
  assert.equal(r.settings["checkpoint.step.cache"]?.dynamic, "**opts");
  assert.deepEqual(r.problems.filter((p) => p.code === "checkpoint-cache-replaced").map((p) => p.message), ["@checkpoint(cache=...) on step may be replaced by the execution-level cache, which is only known at run time: **opts from /ws/app.py:14."]);
  // Human output: the next layer is what applies otherwise, not struck through as overridden.
  const text = formatResolution(r, { color: false });
  assert.match(text, /stack += ‹dynamic: \*\*opts› +run\(\) argument +app\.py:14/);
  assert.match(text, /otherwise "gpu" \(@flow decorator, app\.py:8\)/);
});

test("**opts in @flow(...) and kitaru.configure(...): dynamic in that layer; the editor's problems have the info at the spread", () => {
  const src = 'import kitaru\nfrom kitaru import flow\n\nkitaru.configure(**BASE)\nkitaru.configure(retries=1)\n\n@flow(stack="x", **defaults())\ndef f():\n    pass\n';
  const host = memoryHost({ "/ws/m.py": src });
  const r = resolveConfiguration(host, { workspace: "/ws", flow: "m.py:f" });
  assert.deepEqual([r.settings.stack?.value, r.settings.stack?.source], ["x", "decorator"]);
  assert.deepEqual([r.settings.cache?.dynamic, r.settings.cache?.source], ["**defaults()", "decorator"]);
  // configure(retries=1) after configure(**BASE): retries known again at that layer, below the decorator's spread.
  assert.equal(r.settings.retries?.dynamic, "**defaults()");
  assert.deepEqual(r.settings.retries!.overridden.map((o) => [o.source, o.value]), [["configure", 1], ["default", 0]]);
  assert.equal(r.settings.project?.dynamic, "**BASE");
  const problems = moduleProblems("/ws/m.py", readPythonModule(src)).filter((p) => p.code === "dynamic-value");
  assert.deepEqual(problems.map((p) => `${p.severity} ${p.span?.start.line}:${p.span?.start.column}`), ["info 4:18", "info 7:18"]);
  // A dict literal with a non-literal part: its string keys are read, the rest is a spread.
  const mixed = readPythonModule('from kitaru import flow\n@flow(**{"retries": 2, **more})\ndef g():\n    pass\n').flows[0]!;
  assert.deepEqual([mixed.kwargs.map((k) => k.name), mixed.starKwargs.map((s) => s.text)], [["retries"], ["**more"]]);
});

test("a spread's text is masked wherever it shows: values, notes, problems, lens details, the frozen spec", () => {
  const src = 'from kitaru import flow\n\n@flow\ndef f():\n    pass\n\ndef main(k):\n    f.run(**{k: "kat_live_0123456789abcdefXYZ"})\n';
  const r = resolveConfiguration(memoryHost({ "/ws/m.py": src }), { workspace: "/ws", call: "m.py:8" });
  assert.equal(r.settings.stack?.dynamic, '**{k: "kat_****"}');
  const everything = [JSON.stringify(resolutionJson(r)), formatResolution(r, { color: false }), JSON.stringify(executionSummary(r.settings, "/ws")), formatFrozenSpec(buildFrozenSpec(r), { method: "run" }), JSON.stringify(moduleProblems("/ws/m.py", readPythonModule(src)))].join("\n");
  assert.doesNotMatch(everything, /kat_live_0123456789abcdefXYZ/);
});

// --- 3. deploy() labels -----------------------------------------------------------------------

test("a deploy() call's layer is labelled deploy() (the contract's source stays invocation)", () => {
  const host = memoryHost({ "/ws/app.py": SPREAD.replace("f.deploy(**opts)", 'f.deploy(stack="prod")') });
  const r = resolveConfiguration(host, { workspace: "/ws", call: "app.py:15" });
  assert.equal(r.python?.call?.method, "deploy");
  assert.equal(resolutionJson(r).settings.stack?.source, "invocation");
  const titles = executionSummary(r.settings, "/ws", { method: "deploy" }).map((s) => s.title);
  assert.equal(titles[0], "stack prod · deploy()");
  assert.match(executionSummary(r.settings, "/ws", { method: "deploy" })[0]!.detail, /set by deploy\(\) argument/);
  const text = formatResolution(r, { color: false });
  assert.match(text, /stack += "prod" +deploy\(\) argument +app\.py:15/);
  assert.doesNotMatch(text, /run\(\) argument/);
  // A run() call still reads run().
  assert.equal(executionSummary(resolveConfiguration(host, { workspace: "/ws", call: "app.py:14" }).settings, "/ws", { method: "run" })[2]!.title, "retries 5 · run()");
});

// --- 4. checkpoint hints name only flows that call the checkpoint ------------------------------

function indexOf(files: Record<string, string>): FlowIndex {
  const index = new FlowIndex({ platform: "linux", workspaceOf: () => "/ws" });
  for (const [file, text] of Object.entries(files)) if (file.endsWith(".py")) index.update(file, text);
  return index;
}

function resolverFor(files: Record<string, string>, index: FlowIndex): ModuleResolver {
  const host = memoryHost(files);
  const readModule = index.moduleReader(host.readText);
  return {
    forFlow: (file, name) => resolveConfiguration(host, { workspace: "/ws", flow: `${path.posix.relative("/ws", file)}:${name}`, readModule }),
    forProject: () => resolveConfiguration(host, { workspace: "/ws" }),
  };
}

test("checkpoint hint: only a flow whose body calls the checkpoint is named; an uncalled one is worded without claiming a flow", () => {
  const flows = `from kitaru import checkpoint, flow

@checkpoint(cache=True)
def fetch():
    pass

@checkpoint(cache=False)
def unused():
    pass

@flow(cache=False)
def research():
    return fetch()

@flow(cache=True)
def digest():
    return 1
`;
  const files = { "/ws/flows.py": flows };
  const index = indexOf(files);
  const hints = modulePythonProblems(index, "/ws/flows.py", resolverFor(files, index)).filter((p) => p.code === "checkpoint-cache-replaced");
  // fetch: research calls it; digest does not, so its cache=True is not claimed to replace fetch's.
  assert.deepEqual(hints.map((h) => h.message), ["@checkpoint(cache=...) on fetch is replaced by the execution-level cache = false from /ws/flows.py:11."]);
  assert.ok(!hints.some((h) => /digest/.test(h.message)));

  // With pyproject's cache, the uncalled checkpoint gets what every run inherits.
  const withProject = { ...files, "/ws/pyproject.toml": "[tool.kitaru]\ncache = true\n" };
  const index2 = indexOf(withProject);
  const hints2 = modulePythonProblems(index2, "/ws/flows.py", resolverFor(withProject, index2)).filter((p) => p.code === "checkpoint-cache-replaced");
  assert.deepEqual(hints2.map((h) => `${h.key} ${h.message}`), [
    "checkpoint.fetch.cache @checkpoint(cache=...) on fetch is replaced by the execution-level cache = false from /ws/flows.py:11.",
    "checkpoint.unused.cache @checkpoint(cache=...) on unused is replaced by the execution-level cache = true from /ws/pyproject.toml:2, which every run inherits.",
  ]);

  // Two callers that disagree: each hint names its flow.
  const both = { "/ws/flows.py": flows.replace("return 1", "return fetch.submit()") };
  const index3 = indexOf(both);
  const hints3 = modulePythonProblems(index3, "/ws/flows.py", resolverFor(both, index3)).filter((p) => p.code === "checkpoint-cache-replaced");
  assert.deepEqual(hints3.map((h) => h.message.replace(/ from .*/, "")).sort(), [
    "When flow digest runs: @checkpoint(cache=...) on fetch is replaced by the execution-level cache = true",
    "When flow research runs: @checkpoint(cache=...) on fetch is replaced by the execution-level cache = false",
  ]);
  assert.deepEqual(readPythonModule(both["/ws/flows.py"]).flows.map((f) => f.calledNames), [["fetch"], ["fetch"]]);
});

// --- 5/6. kitaru-config check: Python problems, unsupported files -------------------------------

function tempWorkspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-pyfix-"));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const BROKEN = 'import kitaru\nfrom kitaru import flow\n\n@flow(retries="x", image=kitaru.ImageSettings(environment={"API_TOKEN": "kat_live_abcdef0123456789"}))\ndef bad():\n    pass\n';

test("check --workspace (core): the Python problems of every Kitaru module; venvs, node_modules and plain modules skipped", () => {
  const dir = tempWorkspace({
    "pyproject.toml": "[tool.kitaru]\nstack = 'x'\n",
    "src/app/flows.py": BROKEN,
    "src/app/util.py": "def f():\n    return 1\n",
    ".venv/lib/flows.py": BROKEN,
    "node_modules/x/flows.py": BROKEN,
    "tools/env/pyvenv.cfg": "home = /usr\n",
    "tools/env/lib/flows.py": BROKEN,
  });
  try {
    assert.deepEqual(workspacePythonFiles(dir).map((f) => path.relative(dir, f)), ["src/app/flows.py", "src/app/util.py"]);
    const problems = checkPythonWorkspace(nodeHost({ env: { HOME: dir, KITARU_CONFIG_PATH: path.join(dir, "home") } }), dir);
    assert.deepEqual(problems.map((p) => `${path.relative(dir, p.file!)}:${p.span?.start.line}:${p.span?.start.column} ${p.severity} ${p.code}`), [
      "src/app/flows.py:4:15 error python-invalid-value",
      "src/app/flows.py:4:60 warning secret-in-file",
    ]);
    assert.doesNotMatch(JSON.stringify(problems), /kat_live_abcdef0123456789/);
    // check FILE.py: the same problems for that module.
    const host = nodeHost({ env: { HOME: dir, KITARU_CONFIG_PATH: path.join(dir, "home") } });
    const [one] = checkFiles(host, ["src/app/flows.py"], { workspace: dir });
    assert.deepEqual(one!.problems.map((p) => p.code), ["python-invalid-value", "secret-in-file"]);
    assert.deepEqual(checkFiles(host, ["src/app/util.py"], { workspace: dir })[0]!.problems, []);
    assert.equal(checkableKind("setup.cfg"), undefined);
    assert.equal(checkableKind("x/pyproject.toml"), "pyproject");
    assert.equal(checkableKind("m.py"), "python");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function runCli(dir: string, args: string[], extraEnv: Record<string, string> = {}) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: dir, KITARU_CONFIG_PATH: path.join(dir, "home"), NO_COLOR: "1", ...extraEnv };
  return spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env, encoding: "utf8" });
}

test("kitaru-config check: Python problems as file:line:col lines, exit 1 on errors; check FILE.py; other files a usage error", () => {
  assert.ok(fs.existsSync(CLI), "dist/cli.js is missing: run npm run build first (npm test does)"); // built by `node esbuild.mjs` (npm test builds first)
  const dir = tempWorkspace({ "pyproject.toml": "[tool.kitaru]\nretries = 1\n", "src/app/flows.py": BROKEN, "README.md": "# x\n", "settings.toml": "a = 1\n" });
  try {
    const all = runCli(dir, ["check", "--workspace", dir]);
    assert.equal(all.status, 1, all.stderr);
    assert.match(all.stdout, /^src\/app\/flows\.py:4:15: error: retries= must be a whole number of 0 or more, not "x"\. .* \[python-invalid-value\]$/m);
    assert.match(all.stdout, /^src\/app\/flows\.py:4:60: warning: .*API_TOKEN.* \[secret-in-file\]$/m);
    assert.match(all.stdout, /^1 error, 1 warning$/m);
    assert.doesNotMatch(all.stdout + all.stderr, /kat_live_abcdef0123456789/);
    const json = runCli(dir, ["check", "--workspace", dir, "--json"]);
    assert.deepEqual((JSON.parse(json.stdout).problems as { code: string }[]).map((p) => p.code), ["python-invalid-value", "secret-in-file"]);

    const file = runCli(dir, ["check", "src/app/flows.py"]);
    assert.equal(file.status, 1);
    assert.match(file.stdout, /^src\/app\/flows\.py:4:15: error: .*\[python-invalid-value\]$/m);

    for (const other of ["README.md", "settings.toml"]) {
      const bad = runCli(dir, ["check", other]);
      assert.equal(bad.status, 2, `${other}: a usage error`);
      assert.match(bad.stderr, new RegExp(`cannot check ${other.replace(".", "\\.")}: check FILE\\.\\.\\. takes pyproject\\.toml, kitaru\\.yaml, \\*\\.py files`));
      assert.doesNotMatch(bad.stdout + bad.stderr, /TOML syntax/);
    }
    const help = runCli(dir, ["--help"]);
    assert.match(help.stdout, /--json +machine-readable output: for resolve .*\n +for check \{"problems": \[\.\.\.\]\}/);
    assert.match(help.stdout, /--dotenv FILE/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// --- 7. --dotenv ---------------------------------------------------------------------------

test("--dotenv FILE: its variables over the process environment, each with its file, line and label; nothing without it", () => {
  assert.ok(fs.existsSync(CLI), "dist/cli.js is missing: run npm run build first (npm test does)");
  const dir = tempWorkspace({ "pyproject.toml": "[tool.kitaru]\nstack = 'staging'\n", ".env": "# local\nKITARU_STACK=from-file\nKITARU_SERVER_URL=https://k.example.com\nKITARU_AUTH_TOKEN=kat_envfile_0123456789abcdef\nKITARU_PROJECT=p\n" });
  try {
    const r = runCli(dir, ["resolve", "--workspace", dir, "--dotenv", ".env", "--json"], { KITARU_STACK: "from-process" });
    assert.equal(r.status, 0, r.stderr);
    const settings = JSON.parse(r.stdout).settings;
    assert.deepEqual(settings.stack.origin, { env: "KITARU_STACK", via: "env file .env", file: path.join(dir, ".env"), line: 2 });
    assert.equal(settings.stack.value, "from-file");
    assert.equal(settings.auth_token.masked, true);
    assert.deepEqual(settings.auth_token.origin, { env: "KITARU_AUTH_TOKEN", via: "env file .env", file: path.join(dir, ".env"), line: 4 });
    assert.doesNotMatch(r.stdout + r.stderr, /kat_envfile_0123456789abcdef/);
    const human = runCli(dir, ["resolve", "--workspace", dir, "--dotenv", ".env"]);
    assert.match(human.stdout, /stack += "from-file" +environment +\$KITARU_STACK \(env file \.env:2\)/);
    assert.doesNotMatch(human.stdout, /kat_envfile_0123456789abcdef/);
    // Without the option no env file is read (the contract).
    const plain = JSON.parse(runCli(dir, ["resolve", "--workspace", dir, "--json"]).stdout).settings;
    assert.deepEqual([plain.stack.value, plain.stack.source], ["staging", "pyproject"]);
    assert.equal(plain.auth_token, undefined);
    // check reads it too: an invalid variable in the file is reported at its line.
    fs.appendFileSync(path.join(dir, ".env"), "KITARU_RETRIES=x\n");
    const check = runCli(dir, ["check", "--workspace", dir, "--dotenv", ".env"]);
    assert.equal(check.status, 1);
    assert.match(check.stdout, /^\.env:6:1: error: KITARU_RETRIES .*\[invalid-env\]$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("check --call: the call's checkpoint hint only for checkpoints that flow calls (as the editor shows them)", () => {
  assert.ok(fs.existsSync(CLI), "dist/cli.js is missing: run npm run build first (npm test does)");
  const flows = 'from kitaru import checkpoint, flow\n\n@checkpoint(cache=True)\ndef search():\n    pass\n\n@flow\ndef research():\n    return search()\n\n@flow\ndef digest():\n    return 1\n\nif __name__ == "__main__":\n    digest.run(cache=False)\n    research.run(cache=False)\n';
  const dir = tempWorkspace({ "flows.py": flows });
  try {
    const other = runCli(dir, ["check", "--workspace", dir, "--call", "flows.py:16", "--json"]);
    assert.equal(other.status, 0, other.stderr);
    assert.deepEqual((JSON.parse(other.stdout).problems as { code: string }[]).filter((p) => p.code === "checkpoint-cache-replaced"), []);
    const caller = runCli(dir, ["check", "--workspace", dir, "--call", "flows.py:17"]);
    assert.match(caller.stdout, /^flows\.py:3:13: info: @checkpoint\(cache=\.\.\.\) on search is replaced by the execution-level cache = false from .*flows\.py:17\. \[checkpoint-cache-replaced\]$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
