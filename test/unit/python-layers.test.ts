import assert from "node:assert/strict";
import { test } from "node:test";
import { moduleProblems } from "../../src/core/pythonLayers";
import { readPythonModule } from "../../src/core/python/reader";
import { resolveConfiguration } from "../../src/core/resolve";
import { memoryHost } from "./helpers";

const FLOWS = `import kitaru
from kitaru import flow


@flow(retries=3, stack="gpu-cluster")
def research(topic: str) -> str:
    return topic
`;

test("a flow re-exported by a package __init__.py is found from a call site (aliases and * too)", () => {
  const files = {
    "/ws/pyproject.toml": "[tool.kitaru]\nretries = 1\n",
    "/ws/src/pipelines/__init__.py": '"""Pipelines."""\nfrom .research import research as research_flow\nfrom .more import *\n',
    "/ws/src/pipelines/research.py": FLOWS,
    "/ws/src/pipelines/more.py": FLOWS.replace("research", "digest").replace("retries=3", "retries=4"),
    "/ws/scripts/run.py": "from pipelines import research_flow, digest\n\nresearch_flow.run('x', stack='prod')\ndigest.run('y')\n",
  };
  const host = memoryHost(files);
  const a = resolveConfiguration(host, { workspace: "/ws", call: "scripts/run.py:3" });
  assert.equal(a.settings.stack?.value, "prod");
  assert.equal(a.settings.stack?.source, "invocation");
  assert.equal(a.settings.retries?.value, 3);
  assert.equal(a.python?.flow?.file, "/ws/src/pipelines/research.py");
  const b = resolveConfiguration(host, { workspace: "/ws", call: "scripts/run.py:4" });
  assert.equal(b.settings.retries?.value, 4);
  assert.equal(b.python?.flow?.file, "/ws/src/pipelines/more.py");
  assert.deepEqual(b.problems.filter((p) => p.severity === "error"), []);
});

test("monorepo: a project's src/ layout is searched from its own scripts", () => {
  const files = {
    "/ws/packages/agent/pyproject.toml": "[tool.kitaru]\nstack = 'prod'\n",
    "/ws/packages/agent/src/agent/flows.py": FLOWS,
    "/ws/packages/agent/scripts/run.py": "from agent.flows import research\n\nresearch.run('x')\n",
  };
  const r = resolveConfiguration(memoryHost(files), { workspace: "/ws", cwd: "/ws/packages/agent", call: "packages/agent/scripts/run.py:3" });
  assert.equal(r.python?.flow?.file, "/ws/packages/agent/src/agent/flows.py");
  assert.equal(r.settings.stack?.value, "gpu-cluster");
  assert.equal(r.settings.stack?.source, "decorator");
});

test("moduleProblems: every decorator, configure() and call checked on its own; unknown keywords left alone", () => {
  const text = `import kitaru
from kitaru import checkpoint, flow

IMAGE = kitaru.ImageSettings(environment={"OPENAI_API_KEY": "sk-live-1234567890abcdef", "MODE": "x"})

@checkpoint(cache="maybe", runtime="isolated")
def step():
    pass

@flow(retries="x", image=IMAGE, future_option=True)
def a():
    pass

@flow(retries=-1, image=IMAGE)
def b():
    pass

def main():
    kitaru.configure(cache="sometimes")
    a.run(retries=2.5)
`;
  const problems = moduleProblems("/ws/m.py", readPythonModule(text));
  const summary = problems.map((p) => `${p.severity} ${p.code} ${p.key} ${p.span?.start.line}`).sort();
  assert.deepEqual(summary, [
    "error python-invalid-value cache 19",
    "error python-invalid-value cache 6",
    "error python-invalid-value retries 10",
    "error python-invalid-value retries 14",
    "error python-invalid-value retries 20",
    // The constant is used twice; its secret is reported once.
    "warning secret-in-file image.environment.OPENAI_API_KEY 4",
  ]);
  assert.ok(!JSON.stringify(problems).includes("sk-live-1234567890abcdef"));
  // Calls narrowed to those known to run a flow.
  assert.equal(moduleProblems("/ws/m.py", readPythonModule(text), { calls: [] }).filter((p) => p.span?.start.line === 20).length, 0);
});
