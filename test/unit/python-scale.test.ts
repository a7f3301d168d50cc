/**
 * A Kitaru module with many flows (the tester's 1,500 checkpoints, flows and .run() calls): the
 * per-module work stays linear — the non-Python layers are resolved once and reused, each flow
 * carries only the checkpoints it calls — and the editor's work comes in slices (the reader, the
 * index, the Python checks), so the extension host is never held for long. Modules over the
 * size limit are said to be too large instead of silently skipped.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { checkFiles, checkPythonWorkspace } from "../../src/core/checkFiles";
import { FlowIndex, MAX_MODULE_BYTES, modulePythonProblems, modulePythonProblemsAsync, tooLargeProblem, type ModuleResolver } from "../../src/core/flowIndex";
import { nodeHost, type Host } from "../../src/core/host";
import { readPythonModule, readPythonModuleAsync } from "../../src/core/python/reader";
import { resolveConfiguration, resolveOnProject, type Resolution } from "../../src/core/resolve";
import { resolutionJson } from "../../src/core/serialize";
import { bigFlowModule, bigModuleCallLine } from "../bench/bigModule";
import { memoryHost } from "./helpers";

const PYPROJECT = '[project]\nname = "big"\n\n[tool.kitaru]\ncache = false\nretries = 1\n';

/** A host that counts how often each file is read. */
function countingHost(files: Record<string, string>, env: Record<string, string> = {}): { host: Host; reads: Map<string, number> } {
  const base = memoryHost(files, env);
  const reads = new Map<string, number>();
  return {
    reads,
    host: {
      ...base,
      readText(file) {
        reads.set(file, (reads.get(file) ?? 0) + 1);
        return base.readText(file);
      },
    },
  };
}

test("check of a 1,500-flow module: the project is resolved once, not once per flow, and every checkpoint hint is still there", () => {
  const n = 1500;
  const { host, reads } = countingHost({ "/ws/pyproject.toml": PYPROJECT, "/ws/big.py": bigFlowModule(n) });
  const started = Date.now();
  const [result] = checkFiles(host, ["/ws/big.py"], { workspace: "/ws" });
  const ms = Date.now() - started;
  const hints = result!.problems.filter((p) => p.code === "checkpoint-cache-replaced");
  assert.equal(hints.length, n, "one hint per checkpoint: each is called by one flow and pyproject sets cache");
  assert.match(hints[0]!.message, /^@checkpoint\(cache=\.\.\.\) on step_0 is replaced by the execution-level cache = false from \/ws\/pyproject\.toml:5\.$/);
  // Before: one full resolution per flow, each reading pyproject.toml again (1,500+ reads) and
  // carrying all 1,500 checkpoints (2.25 million settings): 10-17 s.
  assert.ok((reads.get("/ws/pyproject.toml") ?? 0) <= 3, `pyproject.toml read ${reads.get("/ws/pyproject.toml")} times`);
  assert.ok((reads.get("/ws/big.py") ?? 0) <= 3, `big.py read ${reads.get("/ws/big.py")} times`);
  assert.ok(ms < 5_000, `check took ${ms} ms`);
});

test("the work per flow does not grow with the module: four times the flows, about four times the time", () => {
  const time = (n: number) => {
    const host = memoryHost({ "/ws/pyproject.toml": PYPROJECT, "/ws/big.py": bigFlowModule(n) });
    const index = new FlowIndex({ platform: "linux", workspaceOf: () => "/ws" });
    index.update("/ws/big.py", bigFlowModule(n));
    const project = resolveConfiguration(host, { workspace: "/ws" });
    const readModule = index.moduleReader(host.readText);
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) resolveOnProject(project, { flow: `big.py:flow_${i}`, checkpoints: "called", readModule });
    for (let i = 0; i < n; i++) resolveOnProject(project, { call: `big.py:${bigModuleCallLine(n, i)}`, checkpoints: "called", readModule });
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  time(200); // warm up
  const small = Math.min(time(400), time(400));
  const large = Math.min(time(1600), time(1600));
  // Linear: 4x the flows, about 4x the time; quadratic would be 16x.
  assert.ok(large / small < 9, `400 flows: ${small.toFixed(1)} ms, 1,600 flows: ${large.toFixed(1)} ms`);
});

test("resolveOnProject gives the same answer as resolving the flow or call from scratch", () => {
  const files = {
    "/ws/pyproject.toml": '[tool.kitaru]\ncache = false\nretries = 2\n\n[tool.kitaru.image]\nbase_image = "python:3.12-slim"\n',
    "/ws/app.py": `import os
import kitaru
from kitaru import checkpoint, flow

kitaru.configure(project="from-code", image={"environment": {"API_TOKEN": "tok-123456789"}})

@checkpoint(cache=True)
def fetch(x):
    return x

@checkpoint
def other(x):
    return x

@flow(retries=3, image={"environment": {"OPENAI": "sk-abcdefghijklmnopqrstuvwxyz0123"}})
def research(x):
    return fetch(x)

@flow
def plain(x):
    return x

if __name__ == "__main__":
    research.run("a", stack="prod", **opts)
    plain.run("b", cache=True)
`,
  };
  const envs: Record<string, string>[] = [{}, { KITARU_CACHE: "1", KITARU_STACK: "env-stack" }, { KITARU_SERVER_URL: "https://kitaru.example.com", KITARU_AUTH_TOKEN: "kat_0123456789abcdef" }];
  for (const env of envs) {
    const host = memoryHost(files, env);
    const project = resolveConfiguration(host, { workspace: "/ws" });
    for (const selection of [{ flow: "app.py:research" }, { flow: "app.py:plain" }, { call: "app.py:23" }, { call: "app.py:24" }, { call: "app.py:3" }, { flow: "app.py:nope" }]) {
      const fresh = resolutionJson(resolveConfiguration(host, { workspace: "/ws", ...selection }));
      const reused = resolutionJson(resolveOnProject(project, selection)!);
      const sorted = (r: typeof fresh) => ({ ...r, problems: [...r.problems].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) });
      assert.deepEqual(sorted(reused), sorted(fresh), `${JSON.stringify(env)} ${JSON.stringify(selection)}`);
    }
  }
  // Not a resolution without a flow: nothing to build on.
  const host = memoryHost(files);
  assert.equal(resolveOnProject(resolveConfiguration(host, { workspace: "/ws", flow: "app.py:plain" }), { flow: "app.py:research" }), undefined);
});

test("checkpoints: per flow only those it calls in the editor's work; every one of the module for resolve --flow (the contract)", () => {
  const host = memoryHost({ "/ws/pyproject.toml": PYPROJECT, "/ws/big.py": bigFlowModule(50) });
  const keys = (r: Resolution) => Object.keys(r.settings).filter((k) => k.startsWith("checkpoint."));
  assert.equal(keys(resolveConfiguration(host, { workspace: "/ws", flow: "big.py:flow_7" })).length, 50);
  const project = resolveConfiguration(host, { workspace: "/ws" });
  assert.deepEqual(keys(resolveOnProject(project, { flow: "big.py:flow_7", checkpoints: "called" })!), ["checkpoint.step_7.cache"]);
  assert.deepEqual(keys(resolveOnProject(project, { call: `big.py:${bigModuleCallLine(50, 7)}`, checkpoints: "called" })!), ["checkpoint.step_7.cache"]);
});

test("the reader in slices: the same summary as in one go, with pauses between slices, stopped when superseded", async () => {
  const text = bigFlowModule(600);
  let pauses = 0;
  const sliced = await readPythonModuleAsync(text, { sliceMs: 1, pause: async () => void pauses++ });
  assert.deepEqual(sliced, readPythonModule(text));
  assert.ok(pauses >= 10, `${pauses} pauses`);
  // Every construct of a small module too, BOM and syntax errors included.
  for (const small of ["\ufefffrom kitaru import flow\n\n@flow(retries=1)\ndef f():\n    pass\n", "from kitaru import flow\n@flow(\ndef broken(:\n", ""]) {
    assert.deepEqual(await readPythonModuleAsync(small, { sliceMs: 0, pause: async () => {} }), readPythonModule(small));
  }
  let turns = 0;
  const stale = await readPythonModuleAsync(text, { sliceMs: 0, pause: async () => void turns++, isCurrent: () => turns < 2 });
  assert.equal(stale.flows.length, 0, "a superseded parse returns nothing usable");
});

test("the index reads a large module in slices; a newer text wins over a slower, older one", async () => {
  const index = new FlowIndex({ platform: "linux", workspaceOf: () => "/ws" });
  let pauses = 0;
  assert.equal(await index.updateAsync("/ws/big.py", bigFlowModule(300), { sliceMs: 1, pause: async () => void pauses++ }), "indexed");
  assert.ok(pauses > 0);
  assert.equal(index.flowsIn("/ws/big.py").length, 300);
  assert.equal(index.callsIn("/ws/big.py").length, 300);
  let current = true;
  const older = index.updateAsync("/ws/big.py", bigFlowModule(10), { sliceMs: 0, pause: async () => void (current = false), isCurrent: () => current });
  assert.equal(await older, "unchanged");
  assert.equal(index.flowsIn("/ws/big.py").length, 300, "the superseded text did not replace the index's");
});

test("the Python checks of a module in slices: the same problems, a pause between flow resolutions, none when stale", async () => {
  const n = 200;
  const host = memoryHost({ "/ws/pyproject.toml": PYPROJECT, "/ws/big.py": bigFlowModule(n) });
  const index = new FlowIndex({ platform: "linux", workspaceOf: () => "/ws" });
  index.update("/ws/big.py", bigFlowModule(n));
  const project = resolveConfiguration(host, { workspace: "/ws" });
  const readModule = index.moduleReader(host.readText);
  let resolutions = 0;
  const resolver: ModuleResolver = {
    forFlow: (file, name) => (resolutions++, resolveOnProject(project, { flow: `big.py:${name}`, checkpoints: "called", readModule })),
    forProject: () => project,
  };
  const sync = modulePythonProblems(index, "/ws/big.py", resolver);
  let pauses = 0;
  const sliced = await modulePythonProblemsAsync(index, "/ws/big.py", resolver, { sliceMs: 0, pause: async () => void pauses++ });
  assert.deepEqual(sliced, sync);
  assert.equal(sync.filter((p) => p.code === "checkpoint-cache-replaced").length, n);
  assert.ok(pauses >= n, `${pauses} pauses for ${n} flow resolutions`);
  assert.equal(resolutions, 2 * n, "one resolution per flow that calls a checkpoint with cache=, per pass");
  let left = 3;
  assert.equal(await modulePythonProblemsAsync(index, "/ws/big.py", resolver, { sliceMs: 0, pause: async () => void left--, isCurrent: () => left > 0 }), undefined);
});

test("a module over the size limit that mentions Kitaru is reported as too large to analyse (check FILE, check --workspace); other large files are not", () => {
  const big = `from kitaru import flow\n\n${"# padding line to make the module large\n".repeat(Math.ceil(MAX_MODULE_BYTES / 40) + 10)}`;
  const plain = `import json\n${"# padding line to make the module large\n".repeat(Math.ceil(MAX_MODULE_BYTES / 40) + 10)}`;
  const problem = tooLargeProblem("/ws/huge.py", big)!;
  assert.equal(problem.severity, "info");
  assert.equal(problem.code, "module-too-large");
  assert.equal(problem.span?.start.line, 1);
  assert.match(problem.message, /too large for Kitaru's reader \(\d+ KB; the limit is 256 KB\)/);
  assert.equal(tooLargeProblem("/ws/plain.py", plain), undefined);
  assert.equal(tooLargeProblem("/ws/small.py", "from kitaru import flow\n"), undefined);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-too-large-"));
  try {
    fs.writeFileSync(path.join(dir, "pyproject.toml"), PYPROJECT);
    fs.writeFileSync(path.join(dir, "huge.py"), big);
    fs.writeFileSync(path.join(dir, "plain.py"), plain);
    fs.writeFileSync(path.join(dir, "ok.py"), "from kitaru import flow\n\n@flow(retries=-1)\ndef f():\n    pass\n");
    const host = nodeHost({ env: { HOME: dir } });
    const [named] = checkFiles(host, [path.join(dir, "huge.py")], { workspace: dir });
    assert.deepEqual(named!.problems.map((p) => p.code), ["module-too-large"]);
    const all = checkPythonWorkspace(host, dir);
    assert.deepEqual(all.map((p) => `${path.basename(p.file!)} ${p.code}`), ["huge.py module-too-large", "ok.py python-invalid-value"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
