import assert from "node:assert/strict";
import { test } from "node:test";
import { FlowIndex, flowSpec, mayMatter } from "../../src/core/flowIndex";
import { executionSummary } from "../../src/core/flowSummary";
import { buildFrozenSpec, formatFrozenSpec, frozenSpecJson, parseFrozenSpecSection } from "../../src/core/frozenSpec";
import { overlayHost } from "../../src/core/host";
import { resolveConfiguration } from "../../src/core/resolve";
import { memoryHost } from "./helpers";

const FLOWS = `"""Research flows.

Mentions @flow(stack="nope") in prose only.
"""
import os

import kitaru as kt
from kitaru import checkpoint, flow as kflow

IMAGE = kt.ImageSettings(
    requirements=["httpx"],
    environment={"OPENAI_API_KEY": "sk-live-0123456789abcdef", "MODE": "batch"},
)

kt.configure(retries=1)


@checkpoint(cache=True, runtime="isolated")
def search(topic):
    return topic


@kflow(
    retries=3,  # flaky upstream
    image=IMAGE,
)
def research(topic):
    return search(topic)


@kflow(stack=os.environ["REPORT_STACK"])
def report(day):
    return day


if __name__ == "__main__":
    research.run("a", stack="prod-cluster", cache=True)
`;

const RUNNER = `from pipelines import research


def main():
    research.run("x", retries=5)
    research.deploy(image="python:3.13")
    subprocess.run(["ls"])
`;

const files: Record<string, string> = {
  "/ws/pyproject.toml": '[tool.kitaru]\nstack = "staging"\ncache = false\n\n[tool.kitaru.image]\nbase_image = "python:3.12-slim"\n',
  "/ws/src/pipelines/__init__.py": "from .research import research\n",
  "/ws/src/pipelines/research.py": FLOWS,
  "/ws/scripts/run.py": RUNNER,
  "/ws/src/util/strings.py": "def shout(s):\n    return s.upper()\n",
  "/ws/src/util/shell.py": "import subprocess\n\nsubprocess.run(['ls'])\n",
};

function build(): FlowIndex {
  const index = new FlowIndex({ platform: "linux", workspaceOf: (f) => (f.startsWith("/ws/") ? "/ws" : undefined) });
  for (const [file, text] of Object.entries(files)) if (file.endsWith(".py")) index.update(file, text);
  return index;
}

test("pre-filter: only modules that mention kitaru, call .run/.deploy, or re-export from a package", () => {
  assert.equal(mayMatter("/a.py", "import kitaru\n"), true);
  assert.equal(mayMatter("/a.py", "x.run (1)\n"), true);
  assert.equal(mayMatter("/a.py", "import os\n"), false);
  assert.equal(mayMatter("/a.py", "import kitaru_tools\n"), false);
  assert.equal(mayMatter("/p/__init__.py", "from .x import y\n"), true);
  const index = build();
  // strings.py is skipped before parsing; shell.py is parsed (it has .run) but runs nothing of ours.
  assert.deepEqual(index.files(), ["/ws/scripts/run.py", "/ws/src/pipelines/__init__.py", "/ws/src/pipelines/research.py"]);
});

test("flows, checkpoints and call sites across modules, through a package re-export", () => {
  const index = build();
  assert.deepEqual(index.flows().map((f) => `${f.name}@${f.def.nameSpan.start.line}`), ["research@27", "report@32"]);
  const calls = index.calls().map((c) => `${flowSpec("linux", c.workspace, c.file, c.line)} ${c.call.method} -> ${c.flow?.name}`);
  assert.deepEqual(calls, ["scripts/run.py:5 run -> research", "scripts/run.py:6 deploy -> research", "src/pipelines/research.py:37 run -> research"]);
  assert.equal(index.callsOf({ file: "/ws/src/pipelines/research.py", name: "research" }).length, 3);
  assert.equal(index.callsOf({ file: "/ws/src/pipelines/research.py", name: "report" }).length, 0);
});

test("incremental: an edit re-reads one file; unchanged text is a no-op; removing drops its links", () => {
  const index = build();
  const v = index.version;
  assert.equal(index.update("/ws/scripts/run.py", RUNNER), "unchanged");
  assert.equal(index.version, v);
  assert.equal(index.update("/ws/scripts/run.py", RUNNER + "    research.run('z')\n"), "indexed");
  assert.equal(index.calls().length, 4);
  // An argument edit re-links that file alone; other modules' links to its flows stay.
  assert.equal(index.update("/ws/src/pipelines/research.py", FLOWS.replace("retries=3", "retries=8")), "indexed");
  assert.equal(index.callsOf({ file: "/ws/src/pipelines/research.py", name: "research" }).length, 4);
  assert.equal(index.flowsIn("/ws/src/pipelines/research.py")[0]!.def.kwargs.find((k) => k.name === "retries")!.value.text, "8");
  // Renaming the flow changes what other modules can link to: everything is re-linked.
  index.update("/ws/src/pipelines/research.py", FLOWS.replace("def research(", "def research_v2("));
  assert.deepEqual(index.calls().map((c) => c.file), []);
  index.update("/ws/src/pipelines/research.py", FLOWS);
  assert.equal(index.calls().length, 4);
  // Removing the re-export breaks the link from scripts/run.py (the flow module itself still has its own call).
  index.remove("/ws/src/pipelines/__init__.py");
  assert.deepEqual(index.calls().map((c) => c.file), ["/ws/src/pipelines/research.py"]);
  // A file that stops mattering is dropped.
  assert.equal(index.update("/ws/src/pipelines/research.py", "def nothing():\n    pass\n"), "removed");
  assert.deepEqual(index.flows(), []);
  assert.equal(index.removeUnder("/ws/scripts"), 1);
  assert.equal(index.size, 0);
});

test("the index's module reader serves resolution and agrees with a fresh parse", () => {
  const index = build();
  const host = memoryHost(files);
  const viaIndex = resolveConfiguration(host, { workspace: "/ws", call: "scripts/run.py:5", readModule: index.moduleReader(host.readText) });
  const fresh = resolveConfiguration(host, { workspace: "/ws", call: "scripts/run.py:5" });
  assert.deepEqual(viaIndex.settings, fresh.settings);
  assert.equal(viaIndex.settings.retries?.value, 5);
  // Unsaved text: the reader reads through the host, so a stale index entry is not used.
  const edited = overlayHost(host, new Map([["/ws/scripts/run.py", RUNNER.replace("retries=5", "retries=6")]]));
  const r = resolveConfiguration(edited, { workspace: "/ws", call: "scripts/run.py:5", readModule: index.moduleReader(edited.readText) });
  assert.equal(r.settings.retries?.value, 6);
});

test("static problems of an indexed module: wrong types and secrets; unknown keywords and non-flow .run calls left alone", () => {
  const index = build();
  const problems = index.problemsOf("/ws/src/pipelines/research.py");
  assert.deepEqual(problems.map((p) => `${p.severity} ${p.code} ${p.key}`), ["warning secret-in-file image.environment.OPENAI_API_KEY"]);
});

test("summaries: each setting with its layer; dynamic values show their source text", () => {
  const host = memoryHost(files, { REPORT_STACK: "ignored: the reader never runs code" });
  const call = resolveConfiguration(host, { workspace: "/ws", call: "src/pipelines/research.py:37" });
  assert.deepEqual(executionSummary(call.settings).map((s) => s.title), [
    "stack prod-cluster · run()",
    "cache on · run()",
    "retries 3 · @flow",
    "image python:3.12-slim · pyproject, +environment, requirements · @flow",
  ]);
  const flow = resolveConfiguration(host, { workspace: "/ws", flow: "src/pipelines/research.py:report" });
  const titles = executionSummary(flow.settings, "/ws").map((s) => s.title);
  assert.deepEqual(titles, ['stack dynamic: os.environ["REPORT_STACK"] · @flow', "cache off · pyproject", "retries 1 · configure()", "image python:3.12-slim · pyproject"]);
  const detail = executionSummary(call.settings, "/ws")[0]!.detail;
  assert.match(detail, /stack = prod-cluster\nset by run\(\) argument \(src\/pipelines\/research\.py:37\)\noverrides: staging \(pyproject\.toml, pyproject\.toml:2\)/);
  // Nothing set anywhere: defaults.
  const empty = resolveConfiguration(memoryHost({}), { workspace: "/empty" });
  assert.deepEqual(executionSummary(empty.settings).map((s) => s.title), ["stack unset · default", "cache unset · default", "retries 0 · default", "image default"]);
});

test("frozen spec: every layer merged, the @flow's own defaults, secrets redacted, dynamic values listed", () => {
  const host = memoryHost(files);
  const r = resolveConfiguration(host, { workspace: "/ws", call: "src/pipelines/research.py:37" });
  const preview = buildFrozenSpec(r);
  const exec = preview.spec.resolved_execution;
  const image = exec.image as Record<string, unknown>;
  const defaultsImage = preview.spec.flow_defaults.image as Record<string, unknown>;
  assert.equal(exec.stack, "prod-cluster");
  assert.equal(exec.cache, true);
  assert.equal(exec.retries, 3);
  assert.equal(image.base_image, "python:3.12-slim");
  assert.deepEqual(image.requirements, ["httpx"]);
  assert.deepEqual(image.environment, { MODE: "batch", OPENAI_API_KEY: "***" });
  assert.equal(preview.spec.flow_defaults.retries, 3);
  assert.equal(preview.spec.flow_defaults.stack, null);
  assert.deepEqual(defaultsImage.environment, { MODE: "batch", OPENAI_API_KEY: "***" });
  assert.equal(defaultsImage.base_image, null);
  assert.deepEqual(preview.spec.connection, { server_url: null, auth_token: null, project: null });
  assert.deepEqual(preview.checkpoints, { search: { cache: true, source: "invocation" } });
  const text = formatFrozenSpec(preview, { method: "run" });
  assert.ok(!text.includes("sk-live-0123456789abcdef"));
  assert.deepEqual(parseFrozenSpecSection(text), JSON.parse(JSON.stringify(frozenSpecJson(preview))));

  const dyn = buildFrozenSpec(resolveConfiguration(host, { workspace: "/ws", flow: "src/pipelines/research.py:report" }));
  assert.equal(dyn.spec.resolved_execution.stack, '<dynamic: os.environ["REPORT_STACK"]>');
  assert.deepEqual(dyn.dynamic, [{ path: "resolved_execution.stack", text: 'os.environ["REPORT_STACK"]', source: "decorator" }, { path: "flow_defaults.stack", text: 'os.environ["REPORT_STACK"]', source: "decorator" }]);
  // image=<expression>: the layer's image is only known at run time; lower layers' fields still show.
  const dynImage = buildFrozenSpec(
    resolveConfiguration(memoryHost({ ...files, "/ws/d.py": "from kitaru import flow\n\n@flow(image=make_image())\ndef d():\n    pass\n" }), { workspace: "/ws", flow: "d.py:d" }),
  );
  assert.equal((dynImage.spec.resolved_execution.image as Record<string, unknown>).base_image, "python:3.12-slim");
  assert.equal(dynImage.spec.flow_defaults.image, "<dynamic: make_image()>");
  assert.deepEqual(dynImage.dynamic.map((d) => d.path), ["resolved_execution.image", "flow_defaults.image"]);
  // No image anywhere: null, as Kitaru stores it.
  assert.equal(buildFrozenSpec(resolveConfiguration(memoryHost({}), { workspace: "/e" })).spec.resolved_execution.image, null);
});
