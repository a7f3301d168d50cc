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

test("--call/--flow on a file that cannot be read: the reason in words, the path it names from the workspace, and what to give (problem code kept)", () => {
  const base = memoryHost({ "/ws/flows.py": FLOWS, "/ws/pyproject.toml": '[tool.kitaru]\nstack = "prod"\n' });
  const failing: Record<string, string> = { "/etc": "EISDIR", "/ws/secret.py": "EACCES", "/ws/pkg": "EISDIR" };
  const host = {
    ...base,
    readText: (path: string) => {
      const code = failing[path];
      if (code) throw Object.assign(new Error(`${code}: failed, open '${path}'`), { code });
      return base.readText(path);
    },
  };
  const problemOf = (selection: { call?: string; flow?: string }) => {
    const r = resolveConfiguration(host, { workspace: "/ws", ...selection });
    const found = r.problems.filter((p) => p.code === "call-not-found" || p.code === "flow-not-found");
    assert.equal(found.length, 1);
    assert.equal(r.settings.stack?.value, "prod"); // the rest still resolves
    return found[0]!;
  };

  const missing = problemOf({ call: "nofile.py:3" });
  assert.deepEqual([missing.code, missing.severity, missing.file], ["call-not-found", "error", "/ws/nofile.py"]);
  assert.equal(
    missing.message,
    "Cannot read nofile.py: no such file. The path is relative to the workspace, /ws (set with --workspace), so it names /ws/nofile.py. Give the Python file that makes the call and the line of the call: --call path/to/module.py:LINE.",
  );

  const dir = problemOf({ call: "/etc:5" });
  assert.equal(dir.code, "call-not-found");
  assert.equal(dir.message, "Cannot read /etc: it is a directory, not a file. Give the Python file that makes the call and the line of the call: --call path/to/module.py:LINE (relative to the workspace, /ws, or absolute).");

  const denied = problemOf({ flow: "secret.py:train" });
  assert.deepEqual([denied.code, denied.file], ["flow-not-found", "/ws/secret.py"]);
  assert.match(denied.message, /^Cannot read secret\.py: permission denied\. The path is relative to the workspace, \/ws \(set with --workspace\), so it names \/ws\/secret\.py\. Give the Python file that defines the flow and the flow's name: --flow path\/to\/module\.py:NAME\.$/);

  const outside = problemOf({ flow: "../../etc/passwd:x" });
  assert.deepEqual([outside.code, outside.file], ["flow-not-found", "/etc/passwd"]);
  assert.match(outside.message, /^Cannot read \.\.\/\.\.\/etc\/passwd: no such file\. The path is relative to the workspace, \/ws \(set with --workspace\), so it names \/etc\/passwd\./);

  assert.match(problemOf({ flow: "pkg:x" }).message, /^Cannot read pkg: it is a directory, not a file\. .* so it names \/ws\/pkg\./);
  // A file that reads but has no such flow keeps its own message.
  assert.equal(problemOf({ flow: "flows.py:nope" }).message, "No @flow named nope in flows.py.");
});
