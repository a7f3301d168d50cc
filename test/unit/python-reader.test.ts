import { test } from "node:test";
import assert from "node:assert/strict";
import { readPythonModule } from "../../src/core/python/reader";
import type { PyCallArgs, PyValue } from "../../src/core/python/types";
import type { Position, Span } from "../../src/core/types";

// ---------------------------------------------------------------------------------------------
// Helpers

/** Position of the `nth` occurrence of `needle` (1-based line, UTF-16 column; CRLF/CR aware). */
function at(src: string, needle: string, nth = 0, shift = 0): Position {
  let idx = -1;
  for (let i = 0; i <= nth; i++) {
    idx = src.indexOf(needle, idx + 1);
    assert.ok(idx >= 0, `fixture does not contain ${JSON.stringify(needle)} #${nth}`);
  }
  idx += shift;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < idx; i++) {
    const c = src[i];
    if (c === "\n" || (c === "\r" && src[i + 1] !== "\n")) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: idx - lineStart + 1 };
}

/** Span of the `nth` occurrence of `needle`. */
function spanOf(src: string, needle: string, nth = 0): Span {
  const start = at(src, needle, nth);
  const end = at(src, needle, nth, needle.length);
  return { start, end };
}

function kw(args: PyCallArgs, name: string): PyValue {
  const k = args.kwargs.find((a) => a.name === name);
  assert.ok(k, `no keyword argument ${name}; have ${args.kwargs.map((a) => a.name).join(", ")}`);
  return k.value;
}

function literal(v: PyValue): string | number | boolean | null {
  assert.equal(v.kind, "literal", `expected a literal, got ${JSON.stringify(v)}`);
  return (v as Extract<PyValue, { kind: "literal" }>).value;
}

function dynamicReason(v: PyValue): string {
  assert.equal(v.kind, "dynamic", `expected dynamic, got ${JSON.stringify(v)}`);
  return (v as Extract<PyValue, { kind: "dynamic" }>).reason;
}

/** Plain JSON view of a value: literals, lists, dicts; dynamic values as `<dynamic: text>`. */
function plain(v: PyValue): unknown {
  switch (v.kind) {
    case "literal":
      return v.value;
    case "list":
      return v.items.map(plain);
    case "dict": {
      const o: Record<string, unknown> = {};
      for (const e of v.entries) o[e.key] = plain(e.value);
      return o;
    }
    case "dynamic":
      return `<dynamic: ${v.text}>`;
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const RESEARCH = `"""Research flows.

Usage, in a docstring (not a flow)::

    @flow(cache=False)
    def fake(): ...
"""
from __future__ import annotations

import os
import subprocess

import kitaru as kt
from kitaru import flow as durable, checkpoint
from kitaru import ImageSettings

IMAGE = ImageSettings(
    base_image="python:3.12-slim",
    apt_packages=["git", "curl"],
    environment={"MODE": "prod", "DEBUG": os.environ.get("DEBUG")},
)
RETRIES = 3
STACK = "prod-stack"
STACK_ALIAS = STACK


@checkpoint(retries=2)
def fetch(url: str) -> str:
    subprocess.run(["curl", url])  # not a flow call
    return url


@durable(
    # where it runs
    stack=STACK_ALIAS,
    image=IMAGE,  # the shared image
    retries=RETRIES,
    cache=False,
)
def research(topic: str) -> str:
    # @flow(stack="nope") in a comment
    return fetch(topic)


@kt.flow
async def summarize(text):
    return text


def main(topic):
    kt.configure(log_level="DEBUG", stack=topic)
    research.run("ai", stack="dev", retries=-1)
    handle = research.deploy(stack=STACK, **extra)
    summarize.run(text="x")
    return handle


if __name__ == "__main__":
    kt.configure(project="demo")
    main("x")
`;

const LOOKALIKES = `from prefect import flow
import kitaru


def checkpoint(fn):
    return fn


@flow(retries=3)
def prefect_flow():
    """Looks like @kitaru.flow(retries=1) but is Prefect's."""


@checkpoint
def not_a_checkpoint():
    pass


@kitaru.flow(retries=1)
def real():
    pass


class Jobs:
    def flow(self):
        pass

    @flow
    def method(self):
        pass
`;

const CALLS = `import asyncio
import subprocess
import flows.research as r
import flows.other
from flows.research import research as res
from .sibling import sib_flow
from .. import pkg
from kitaru import flow


@flow
def local_flow():
    pass


def not_a_flow():
    pass


app = make_app()


class Runner:
    def go(self):
        self.run()
        r.research.run(topic="a")
        flows.other.thing.deploy()


def main():
    res.run()
    sib_flow.run(1, 2, **opts)
    pkg.mod.flow_x.run()
    local_flow.deploy(stack="s")
    local_flow.run(
        stack="a",
    )
    not_a_flow.run()
    app.run()
    asyncio.run(main())
    subprocess.run(["ls"])
    unknown.run()
    res.run_later()
    local_flow().run()
`;

const SCOPES = `import kitaru as kt
from kitaru import configure


class Pipelines:
    @kt.flow(cache=True)
    async def nightly(self):
        pass


def factory():
    @kt.checkpoint
    def step():
        pass

    def helper(stack):
        configure(stack=stack, retries=2)

    return step


configure(stack="outer")
`;

const BROKEN = `from kitaru import flow

def broken(:
    x = = 1
    return )

@flow(retries=1)
def survivor():
    pass
`;

const VALUES = String.raw`from kitaru import configure, ImageSettings as IS
import kitaru

ONE = 1
CHAIN_C = "end"
CHAIN_B = CHAIN_C
CHAIN_A = CHAIN_B
LOOP_A = LOOP_B
LOOP_B = LOOP_A
TWICE = 1
TWICE = 2
AUG = 1
AUG += 1
PAIR = 1, 2
if ONE:
    COND = "x"
for ITEM in range(3):
    pass
LATER_USE = EARLY
EARLY = "e"
IMG = kitaru.ImageSettings(base_image="img", **more)

configure(
    s1='single',
    s2="double",
    s3='''triple
line''',
    s4=r'raw\n',
    s5=b'bytes',
    s6=f"fmt {ONE}",
    s7="a" 'b' """c""",
    s8="tab\tquote\"hex\x41uni\u00e9astral\U0001F600oct\101cont\
inued",
    s9=u"unicode",
    s10="\d stays",
    n1=1_000,
    n2=0xFF,
    n3=0o17,
    n4=0b101,
    n5=1.5e3,
    n6=-1,
    n7=-2.5,
    n8=.5,
    n9=3j,
    b1=True,
    b2=False,
    none=None,
    l1=[1, "two", [3]],
    l2=(1,),
    l3=(),
    l4=[*rest],
    d1={"a": 1, 2: "two", **spread},
    d2=dict(a=1, b=[2]),
    d3=IS(base_image="x", apt=["git"]),
    d4=IMG,
    c1=ONE,
    c2=CHAIN_A,
    c3=LOOP_A,
    c4=TWICE,
    c5=AUG,
    c6=PAIR,
    c7=COND,
    c8=ITEM,
    c9=LATER_USE,
    c10=undefined_name,
    c11=(ONE),
    x1=os.environ["X"],
    x2=get_stack(),
    x3="a" if ONE else "b",
    x4=[i for i in range(3)],
    x5=lambda: 1,
    x6=settings.stack,
    x7=1 + 2,
    x8={1, 2},
)


def inside(param):
    local = "l"
    configure(p=param, l=local, g=ONE)
`;

const CRLF_EMOJI =
  'from kitaru import flow\r\n\r\n@flow(name="🚀 launch", retries=2)\r\ndef go():\r\n    """Doc with é."""\r\n\r\n@flow(\r\n    note="""a\r\nb""",  # ünïcödé\r\n    cache=True,\r\n)\r\ndef two():\r\n    pass\r\n';

const ALL_FIXTURES = [RESEARCH, LOOKALIKES, CALLS, SCOPES, BROKEN, VALUES, CRLF_EMOJI];

// ---------------------------------------------------------------------------------------------
// Tests

test("realistic module: flows, checkpoints, configure calls, flow calls", () => {
  const r = readPythonModule(RESEARCH);
  assert.equal(r.importsKitaru, true);
  assert.deepEqual(r.syntaxErrors, []);
  assert.deepEqual(
    r.flows.map((f) => f.name),
    ["research", "summarize"],
  );
  assert.deepEqual(
    r.checkpoints.map((c) => c.name),
    ["fetch"],
  );

  const research = r.flows[0]!;
  assert.equal(research.bare, false);
  assert.deepEqual(research.scope, []);
  assert.deepEqual(
    research.kwargs.map((k) => k.name),
    ["stack", "image", "retries", "cache"],
  );
  // Exact spans, written out.
  assert.deepEqual(research.nameSpan, { start: { line: 40, column: 5 }, end: { line: 40, column: 13 } });
  assert.deepEqual(research.decoratorSpan, { start: { line: 33, column: 1 }, end: { line: 39, column: 2 } });
  const stackKw = research.kwargs[0]!;
  assert.deepEqual(stackKw.nameSpan, { start: { line: 35, column: 5 }, end: { line: 35, column: 10 } });
  assert.deepEqual(stackKw.span, { start: { line: 35, column: 5 }, end: { line: 35, column: 22 } });

  // A chain of module-level constants: STACK_ALIAS -> STACK -> "prod-stack".
  const stack = stackKw.value;
  assert.equal(literal(stack), "prod-stack");
  assert.deepEqual(stack.via, { name: "STACK_ALIAS", useSpan: spanOf(RESEARCH, "STACK_ALIAS", 1) });
  assert.deepEqual(stack.span, spanOf(RESEARCH, '"prod-stack"'));
  assert.equal(stack.text, '"prod-stack"');

  const image = kw(research, "image");
  assert.equal(image.kind, "dict");
  if (image.kind !== "dict") return;
  assert.equal(image.form, "ImageSettings");
  assert.equal(image.via?.name, "IMAGE");
  assert.deepEqual(image.via?.useSpan, { start: { line: 36, column: 11 }, end: { line: 36, column: 16 } });
  assert.equal(image.span.start.line, 17);
  assert.ok(image.text.startsWith("ImageSettings(\n    base_image="));
  assert.deepEqual(plain(image), {
    base_image: "python:3.12-slim",
    apt_packages: ["git", "curl"],
    environment: { MODE: "prod", DEBUG: '<dynamic: os.environ.get("DEBUG")>' },
  });
  const env = image.entries.find((e) => e.key === "environment")!.value;
  assert.equal(env.kind, "dict");
  if (env.kind === "dict") {
    assert.equal(env.form, "dict");
    assert.equal(dynamicReason(env.entries[1]!.value), "function call");
  }
  assert.deepEqual(image.entries[0]!.keySpan, spanOf(RESEARCH, "base_image"));

  assert.equal(literal(kw(research, "retries")), 3);
  assert.equal(kw(research, "retries").via?.name, "RETRIES");
  assert.equal(literal(kw(research, "cache")), false);

  const summarize = r.flows[1]!;
  assert.equal(summarize.bare, true);
  assert.deepEqual(summarize.kwargs, []);
  assert.deepEqual(summarize.decoratorSpan, spanOf(RESEARCH, "@kt.flow"));
  assert.deepEqual(summarize.nameSpan, spanOf(RESEARCH, "summarize"));

  const fetch = r.checkpoints[0]!;
  assert.equal(literal(kw(fetch, "retries")), 2);

  // configure(): one in main(), one at module level (under `if __name__ == ...`).
  assert.equal(r.configureCalls.length, 2);
  const [inMain, atTop] = r.configureCalls;
  assert.deepEqual(inMain!.enclosingFunction, { name: "main", span: spanOf(RESEARCH, "main", 0) });
  assert.equal(literal(kw(inMain!, "log_level")), "DEBUG");
  assert.equal(dynamicReason(kw(inMain!, "stack")), "name 'topic' is a parameter");
  assert.deepEqual(inMain!.span, spanOf(RESEARCH, 'kt.configure(log_level="DEBUG", stack=topic)'));
  assert.equal(atTop!.enclosingFunction, null);
  assert.equal(literal(kw(atTop!, "project")), "demo");

  // Flow calls: subprocess.run is ignored.
  assert.deepEqual(
    r.flowCalls.map((c) => `${c.receiver}.${c.method}`),
    ["research.run", "research.deploy", "summarize.run"],
  );
  const run = r.flowCalls[0]!;
  assert.deepEqual(run.target, { kind: "local", name: "research" });
  assert.equal(run.positionalCount, 1);
  assert.equal(literal(kw(run, "stack")), "dev");
  assert.equal(literal(kw(run, "retries")), -1);
  assert.deepEqual(run.span, { start: { line: 52, column: 5 }, end: { line: 52, column: 48 } });
  assert.deepEqual(run.methodSpan, { start: { line: 52, column: 14 }, end: { line: 52, column: 17 } });
  assert.deepEqual(run.enclosingFunction, { name: "main", span: spanOf(RESEARCH, "main") });
  const deploy = r.flowCalls[1]!;
  assert.equal(deploy.method, "deploy");
  assert.deepEqual(deploy.starKwargs.map((s) => s.text), ["**extra"]);
  assert.equal(literal(kw(deploy, "stack")), "prod-stack");
  assert.equal(kw(deploy, "stack").via?.name, "STACK");
  assert.deepEqual(r.flowCalls[2]!.target, { kind: "local", name: "summarize" });
  assert.equal(literal(kw(r.flowCalls[2]!, "text")), "x");

  assert.deepEqual(
    r.imports.map((i) => [i.local, i.module, i.name]),
    [
      ["annotations", "__future__", "annotations"],
      ["os", "os", null],
      ["subprocess", "subprocess", null],
      ["kt", "kitaru", null],
      ["durable", "kitaru", "flow"],
      ["checkpoint", "kitaru", "checkpoint"],
      ["ImageSettings", "kitaru", "ImageSettings"],
    ],
  );
  assert.deepEqual(r.imports[4]!.span, spanOf(RESEARCH, "flow as durable"));
});

test("look-alikes are not flows: other packages, local functions, docstrings, shadowing", () => {
  const r = readPythonModule(LOOKALIKES);
  assert.equal(r.importsKitaru, true);
  assert.deepEqual(
    r.flows.map((f) => f.name),
    ["real"],
  );
  assert.deepEqual(r.checkpoints, []);
  assert.equal(literal(kw(r.flows[0]!, "retries")), 1);

  const none = readPythonModule('"""@flow(retries=1)"""\n# @flow\ndef flow(f):\n    return f\n\n@flow\ndef x():\n    pass\n');
  assert.equal(none.importsKitaru, false);
  assert.deepEqual(none.flows, []);

  // Re-binding the imported name at module level hides kitaru's flow from later decorators.
  const shadowed = readPythonModule(
    "from kitaru import flow\n\n@flow\ndef before():\n    pass\n\ndef flow(fn):\n    return fn\n\n@flow\ndef after():\n    pass\n",
  );
  assert.deepEqual(
    shadowed.flows.map((f) => f.name),
    ["before"],
  );

  // An optional import with a fallback: the decorator may be kitaru's, so it counts.
  const optional = readPythonModule(
    "try:\n    from kitaru import flow\nexcept ImportError:  # kitaru is optional\n    def flow(fn):\n        return fn\n\n@flow(retries=2)\ndef optional():\n    pass\n\ntry:\n    from flows.x import x_flow\nexcept ImportError:\n    x_flow = None\n\nx_flow.run()\n",
  );
  assert.deepEqual(
    optional.flows.map((f) => f.name),
    ["optional"],
  );
  assert.deepEqual(optional.flowCalls[0]?.target, { kind: "import", module: "flows.x", name: "x_flow" });

  // Inside a function, a local `flow` hides the module's kitaru import.
  const local = readPythonModule(
    "from kitaru import flow\n\ndef build():\n    def flow(fn):\n        return fn\n\n    @flow\n    def inner():\n        pass\n\n    @checkpoint\n    def other():\n        pass\n",
  );
  assert.deepEqual(local.flows, []);
  assert.deepEqual(local.checkpoints, []);

  // Kitaru imported under other forms.
  const forms = readPythonModule(
    "from kitaru.flows import flow as f1\nfrom kitaru import *\nimport kitaru.config as kc\n\n@f1\ndef a(): pass\n\n@flow(cache=True)\ndef b(): pass\n\n@kc.checkpoint()\ndef c(): pass\n",
  );
  assert.deepEqual(
    forms.flows.map((f) => f.name),
    ["a", "b"],
  );
  assert.deepEqual(
    forms.checkpoints.map((f) => [f.name, f.bare]),
    [["c", false]],
  );
  assert.deepEqual(
    forms.imports.map((i) => [i.local, i.module, i.name]),
    [
      ["f1", "kitaru.flows", "flow"],
      ["*", "kitaru", "*"],
      ["kc", "kitaru.config", null],
    ],
  );
});

test("flow calls resolve to local flows and imported names; everything else is ignored", () => {
  const r = readPythonModule(CALLS);
  const seen = r.flowCalls.map((c) => [c.receiver, c.method, c.target]);
  assert.deepEqual(seen, [
    ["r.research", "run", { kind: "import", module: "flows.research", name: "research" }],
    ["flows.other.thing", "deploy", { kind: "import", module: "flows.other", name: "thing" }],
    ["res", "run", { kind: "import", module: "flows.research", name: "research" }],
    ["sib_flow", "run", { kind: "import", module: ".sibling", name: "sib_flow" }],
    ["pkg.mod.flow_x", "run", { kind: "import", module: "..pkg.mod", name: "flow_x" }],
    ["local_flow", "deploy", { kind: "local", name: "local_flow" }],
    ["local_flow", "run", { kind: "local", name: "local_flow" }],
  ]);
  const sib = r.flowCalls[3]!;
  assert.equal(sib.positionalCount, 2);
  assert.deepEqual(sib.starKwargs.map((s) => s.text), ["**opts"]);
  assert.deepEqual(r.flowCalls[0]!.enclosingFunction, { name: "go", span: spanOf(CALLS, "go") });
  // A multi-line call: span starts at the receiver, methodSpan is `run`.
  const multi = r.flowCalls[6]!;
  assert.deepEqual(multi.span.start, at(CALLS, "local_flow.run("));
  assert.deepEqual(multi.span.end, at(CALLS, ")\n    not_a_flow", 0, 1));
  assert.deepEqual(multi.methodSpan, { start: at(CALLS, "run(\n"), end: at(CALLS, "run(\n", 0, 3) });
  assert.equal(literal(kw(multi, "stack")), "a");

  assert.deepEqual(
    r.imports.map((i) => [i.local, i.module, i.name]),
    [
      ["asyncio", "asyncio", null],
      ["subprocess", "subprocess", null],
      ["r", "flows.research", null],
      ["flows", "flows.other", null],
      ["res", "flows.research", "research"],
      ["sib_flow", ".sibling", "sib_flow"],
      ["pkg", "..", "pkg"],
      ["flow", "kitaru", "flow"],
    ],
  );
  assert.deepEqual(r.imports[2]!.span, spanOf(CALLS, "flows.research as r"));
});

test("imports: every form, with local names", () => {
  const r = readPythonModule(
    "import a.b.c, d as e\nfrom x.y import (p as q,\n    s,)\nfrom . import t\nfrom ...deep.mod import u as v\nfrom .rel import *\n\ndef f():\n    import inner_mod\n",
  );
  assert.deepEqual(
    r.imports.map((i) => [i.local, i.module, i.name]),
    [
      ["a", "a.b.c", null],
      ["e", "d", null],
      ["q", "x.y", "p"],
      ["s", "x.y", "s"],
      ["t", ".", "t"],
      ["v", "...deep.mod", "u"],
      ["*", ".rel", "*"],
      ["inner_mod", "inner_mod", null],
    ],
  );
  assert.equal(r.importsKitaru, false);
  assert.deepEqual(r.imports[0]!.span, { start: { line: 1, column: 8 }, end: { line: 1, column: 13 } });
});

test("scopes: class methods, nested functions, async def, configure inside a function", () => {
  const r = readPythonModule(SCOPES);
  assert.deepEqual(
    r.flows.map((f) => [f.name, f.scope]),
    [["nightly", ["Pipelines"]]],
  );
  assert.equal(literal(kw(r.flows[0]!, "cache")), true);
  assert.deepEqual(
    r.checkpoints.map((f) => [f.name, f.scope, f.bare]),
    [["step", ["factory"], true]],
  );
  assert.equal(r.configureCalls.length, 2);
  const inner = r.configureCalls[0]!;
  assert.deepEqual(inner.enclosingFunction, { name: "helper", span: spanOf(SCOPES, "helper") });
  assert.equal(dynamicReason(kw(inner, "stack")), "name 'stack' is a parameter");
  assert.equal(literal(kw(inner, "retries")), 2);
  assert.equal(r.configureCalls[1]!.enclosingFunction, null);
  assert.equal(literal(kw(r.configureCalls[1]!, "stack")), "outer");
});

test("syntax errors are reported and the rest of the module is still read", () => {
  const r = readPythonModule(BROKEN);
  assert.ok(r.syntaxErrors.length >= 1);
  for (const e of r.syntaxErrors) assert.match(e.message, /^Python syntax error/);
  assert.deepEqual(r.syntaxErrors[0]!.span.start, { line: 3, column: 12 });
  assert.ok(r.syntaxErrors.every((e) => e.span.start.line >= 3 && e.span.start.line <= 5));
  assert.deepEqual(
    r.flows.map((f) => f.name),
    ["survivor"],
  );
  assert.equal(literal(kw(r.flows[0]!, "retries")), 1);

  const unterminated = readPythonModule('from kitaru import flow\n\n@flow(name="x", retries=\ndef f():\n    pass\n');
  assert.ok(unterminated.syntaxErrors.length >= 1);
});

test("CRLF line endings and non-ASCII text: columns are UTF-16 code units", () => {
  const r = readPythonModule(CRLF_EMOJI);
  assert.deepEqual(r.syntaxErrors, []);
  assert.deepEqual(
    r.flows.map((f) => f.name),
    ["go", "two"],
  );
  const go = r.flows[0]!;
  assert.equal(literal(kw(go, "name")), "🚀 launch");
  const retries = go.kwargs[1]!;
  // `@flow(name="🚀 launch", retries=2)`: the emoji is two UTF-16 code units.
  assert.deepEqual(retries.nameSpan, { start: { line: 3, column: 25 }, end: { line: 3, column: 32 } });
  assert.deepEqual(retries.value.span, { start: { line: 3, column: 33 }, end: { line: 3, column: 34 } });
  assert.deepEqual(go.decoratorSpan, { start: { line: 3, column: 1 }, end: { line: 3, column: 35 } });
  assert.deepEqual(go.nameSpan, { start: { line: 4, column: 5 }, end: { line: 4, column: 7 } });

  const two = r.flows[1]!;
  const note = kw(two, "note");
  assert.equal(literal(note), "a\nb", "source CRLF inside a string reads as \\n, as in Python");
  assert.deepEqual(note.span, { start: { line: 8, column: 10 }, end: { line: 9, column: 5 } });
  const cache = two.kwargs[1]!;
  assert.deepEqual(cache.nameSpan, { start: { line: 10, column: 5 }, end: { line: 10, column: 10 } });
  assert.deepEqual(two.decoratorSpan, { start: { line: 7, column: 1 }, end: { line: 11, column: 2 } });

  // A byte order mark does not hide the first import.
  const bom = readPythonModule("\uFEFFfrom kitaru import flow\n@flow\ndef f():\n    pass\n");
  assert.deepEqual(bom.syntaxErrors, []);
  assert.equal(bom.flows.length, 1);
  assert.deepEqual(bom.imports[0]!.span.start, { line: 1, column: 20 });

  // Lone CR line endings.
  const cr = readPythonModule("from kitaru import flow\r@flow(retries=1)\rdef f():\r    pass\r");
  assert.deepEqual(cr.flows[0]!.nameSpan, { start: { line: 3, column: 5 }, end: { line: 3, column: 6 } });
});

test("keyword values: literals, containers, constants and dynamic values", () => {
  const r = readPythonModule(VALUES);
  assert.deepEqual(r.syntaxErrors, []);
  assert.equal(r.configureCalls.length, 2);
  const c = r.configureCalls[0]!;
  const v = (name: string) => kw(c, name);

  // Strings.
  assert.equal(literal(v("s1")), "single");
  assert.equal(literal(v("s2")), "double");
  assert.equal(literal(v("s3")), "triple\nline");
  assert.equal(literal(v("s4")), "raw\\n");
  assert.equal(dynamicReason(v("s5")), "byte string");
  assert.equal(dynamicReason(v("s6")), "f-string");
  assert.equal(literal(v("s7")), "abc");
  assert.equal(v("s7").text, `"a" 'b' """c"""`);
  assert.equal(literal(v("s8")), 'tab\tquote"hexAuniéastral😀octAcontinued');
  assert.equal(literal(v("s9")), "unicode");
  assert.equal(literal(v("s10")), "\\d stays");

  // Numbers.
  assert.equal(literal(v("n1")), 1000);
  assert.equal(literal(v("n2")), 255);
  assert.equal(literal(v("n3")), 15);
  assert.equal(literal(v("n4")), 5);
  assert.equal(literal(v("n5")), 1500);
  assert.equal(literal(v("n6")), -1);
  assert.equal(v("n6").text, "-1");
  assert.equal(literal(v("n7")), -2.5);
  assert.equal(literal(v("n8")), 0.5);
  assert.equal(dynamicReason(v("n9")), "complex number");
  assert.equal(literal(v("b1")), true);
  assert.equal(literal(v("b2")), false);
  assert.equal(literal(v("none")), null);

  // Containers.
  assert.deepEqual(plain(v("l1")), [1, "two", [3]]);
  assert.deepEqual(plain(v("l2")), [1]);
  assert.deepEqual(plain(v("l3")), []);
  assert.equal(dynamicReason(v("l4")), "list with * unpacking");
  const d1 = v("d1");
  assert.equal(d1.kind, "dict");
  if (d1.kind === "dict") {
    assert.equal(d1.form, "dict");
    assert.deepEqual(plain(d1), { a: 1 });
    assert.deepEqual(d1.dynamicEntries, ['2: "two"', "**spread"]);
  }
  assert.deepEqual(plain(v("d2")), { a: 1, b: [2] });
  const d3 = v("d3");
  assert.equal(d3.kind === "dict" && d3.form, "ImageSettings");
  assert.deepEqual(plain(d3), { base_image: "x", apt: ["git"] });
  const d4 = v("d4");
  assert.equal(d4.kind === "dict" && d4.form, "ImageSettings");
  assert.equal(d4.kind === "dict" && d4.dynamicEntries.join(), "**more");
  assert.equal(d4.via?.name, "IMG");

  // Module-level constants.
  assert.equal(literal(v("c1")), 1);
  assert.deepEqual(v("c1").via, { name: "ONE", useSpan: { start: at(VALUES, "c1=ONE", 0, 3), end: at(VALUES, "c1=ONE", 0, 6) } });
  assert.deepEqual(v("c1").span, { start: { line: 4, column: 7 }, end: { line: 4, column: 8 } });
  assert.equal(literal(v("c2")), "end");
  assert.equal(v("c2").via?.name, "CHAIN_A");
  assert.equal(dynamicReason(v("c3")), "name 'LOOP_B' is used before it is assigned");
  assert.equal(dynamicReason(v("c4")), "name 'TWICE' is assigned more than once");
  assert.equal(dynamicReason(v("c5")), "name 'AUG' is assigned more than once");
  assert.deepEqual(plain(v("c6")), [1, 2]);
  assert.equal(dynamicReason(v("c7")), "name 'COND' is assigned inside a block");
  assert.equal(dynamicReason(v("c8")), "name 'ITEM' is not a module-level constant");
  const c9 = v("c9");
  assert.equal(c9.via?.name, "LATER_USE");
  assert.equal(dynamicReason(c9), "name 'EARLY' is used before it is assigned");
  assert.equal(dynamicReason(v("c10")), "name 'undefined_name' is not defined in this module");
  assert.equal(literal(v("c11")), 1);

  // Dynamic expressions keep their exact text.
  assert.equal(dynamicReason(v("x1")), "subscript");
  assert.equal(v("x1").text, 'os.environ["X"]');
  assert.deepEqual(v("x1").span, spanOf(VALUES, 'os.environ["X"]'));
  assert.equal(dynamicReason(v("x2")), "function call");
  assert.equal(dynamicReason(v("x3")), "conditional expression");
  assert.equal(dynamicReason(v("x4")), "comprehension");
  assert.equal(dynamicReason(v("x5")), "lambda");
  assert.equal(dynamicReason(v("x6")), "attribute access");
  assert.equal(dynamicReason(v("x7")), "operator expression");
  assert.equal(dynamicReason(v("x8")), "set");

  // Inside a function: parameters and locals are not constants; module constants are.
  const inside = r.configureCalls[1]!;
  assert.equal(dynamicReason(kw(inside, "p")), "name 'param' is a parameter");
  assert.equal(dynamicReason(kw(inside, "l")), "name 'local' is not a module-level constant");
  assert.equal(literal(kw(inside, "g")), 1);
});

test("positional and star arguments are counted", () => {
  const r = readPythonModule(
    "import kitaru as kt\n\n@kt.flow('name', *more, cache=True, **opts)\ndef f():\n    pass\n\nkt.configure(**base)\n",
  );
  const f = r.flows[0]!;
  assert.equal(f.positionalCount, 2);
  assert.deepEqual(f.starKwargs.map((s) => s.text), ["**opts"]);
  assert.deepEqual(
    f.kwargs.map((k) => k.name),
    ["cache"],
  );
  assert.deepEqual(r.configureCalls[0]!.starKwargs.map((s) => s.text), ["**base"]);
  assert.equal(r.configureCalls[0]!.positionalCount, 0);
});

test("a 2,000-line module is read quickly", () => {
  const chunk = RESEARCH.replace(/\bresearch\b/g, "research_N").replace(/\bmain\b/g, "main_N");
  let big = "";
  for (let i = 0; big.split("\n").length < 2000; i++) big += chunk.replace(/_N\b/g, `_${i}`) + "\n";
  readPythonModule(big); // warm up
  const t = performance.now();
  const r = readPythonModule(big);
  const ms = performance.now() - t;
  assert.ok(r.flows.length > 50);
  assert.deepEqual(r.syntaxErrors, []);
  assert.ok(ms < 500, `took ${ms.toFixed(1)} ms`);
});

test("never throws: random slices and mutations of the fixtures", () => {
  let seed = 0x5eed;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const alphabet = ["(", ")", "[", "]", "{", "}", ":", ",", ".", "=", "@", '"', "'", "\\", "\n", "\r\n", "\t", " ", "#", "*", "**", "-", "f", "b", "r", "0x", "_", "\uD83D\uDE80", "\uD83D", "é", '"""', "def ", "async ", "kitaru", "flow", ".run(", "import ", "\uFEFF"];
  for (let i = 0; i < 3000; i++) {
    const src = ALL_FIXTURES[Math.floor(rnd() * ALL_FIXTURES.length)]!;
    const from = Math.floor(rnd() * src.length);
    const to = from + Math.floor(rnd() * (src.length - from + 1));
    let s = src.slice(from, to);
    const mutations = Math.floor(rnd() * 5);
    for (let m = 0; m < mutations; m++) {
      const p = Math.floor(rnd() * (s.length + 1));
      const k = rnd();
      if (k < 0.5) s = s.slice(0, p) + alphabet[Math.floor(rnd() * alphabet.length)] + s.slice(p);
      else if (k < 0.8) s = s.slice(0, p) + s.slice(p + 1 + Math.floor(rnd() * 8));
      else s = s.slice(0, p) + src.slice(Math.floor(rnd() * src.length), Math.floor(rnd() * src.length)) + s.slice(p);
    }
    let r;
    try {
      r = readPythonModule(s);
    } catch (e) {
      assert.fail(`threw on ${JSON.stringify(s)}: ${String(e)}`);
    }
    assert.ok(Array.isArray(r.flows) && Array.isArray(r.syntaxErrors));
    for (const e of r.syntaxErrors) assert.ok(!e.message.startsWith("Python reader failed"), JSON.stringify(s));
    JSON.stringify(r);
  }
  // Pathological inputs.
  for (const s of ["", "\uFEFF", "\r", "\\", "'''", "(".repeat(5000), "x = " + "-".repeat(5000) + "1", "@flow(x=" + "[".repeat(2000) + ")\ndef f(): pass\n", "a." .repeat(3000) + "run()"]) {
    assert.doesNotThrow(() => readPythonModule(s));
  }
});
