import assert from "node:assert/strict";
import { test } from "node:test";
import { readPythonModule } from "../../src/core/python/reader";
import { settingTargets, targetsAt } from "../../src/core/pythonTargets";
import type { Position } from "../../src/core/types";

const SRC = `import kitaru
from kitaru import checkpoint, flow

IMAGE = kitaru.ImageSettings(
    base_image="python:3.12-slim",
    environment={"LOG_LEVEL": "INFO"},
)

kitaru.configure(retries=1)


@checkpoint(cache=False, runtime="isolated")
def fetch():
    pass


@flow(
    stack="gpu",  # comment
    image=IMAGE,
)
def research():
    pass


@flow(image=IMAGE)
def digest():
    pass


def main():
    kitaru.configure(stack="ci")
    research.run(retries=5, image={"environment": {"API_TOKEN": "x"}})
    digest.run()
`;

function at(needle: string, shift = 0): Position {
  const idx = SRC.indexOf(needle) + shift;
  const before = SRC.slice(0, idx).split("\n");
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

const targets = settingTargets(readPythonModule(SRC));
const keysAt = (needle: string, shift = 0) => targetsAt(targets, at(needle, shift)).map((t) => `${t.key} ${t.layer} ${t.owner} ${JSON.stringify(t.contexts)}`);

test("decorator, call and checkpoint arguments; unknown keywords are not targets", () => {
  assert.deepEqual(keysAt('stack="gpu"', 2), ['stack decorator research [{"flow":"research"}]']);
  assert.deepEqual(keysAt("retries=5", 8), ['retries invocation research.run [{"call":32}]']);
  // No flow of the module calls fetch: the hover says what every run inherits, claiming no flow.
  assert.deepEqual(keysAt("cache=False"), ["checkpoint.fetch.cache checkpoint fetch []"]);
  assert.deepEqual(keysAt('runtime="isolated"'), []);
});

test("a module-level constant's fields answer for every flow that uses it", () => {
  assert.deepEqual(keysAt('base_image="python'), ['image.base_image decorator research [{"flow":"research"}]', 'image.base_image decorator digest [{"flow":"digest"}]']);
  assert.deepEqual(keysAt('"LOG_LEVEL"', 1), ['image.environment.LOG_LEVEL decorator research [{"flow":"research"}]', 'image.environment.LOG_LEVEL decorator digest [{"flow":"digest"}]']);
  assert.deepEqual(keysAt("image=IMAGE"), ['image decorator research [{"flow":"research"}]']);
  assert.deepEqual(keysAt('"API_TOKEN"'), ['image.environment.API_TOKEN invocation research.run [{"call":32}]']);
});

test("configure(): module level answers for the module's flows; inside a function, for the calls after it", () => {
  assert.deepEqual(keysAt("retries=1"), ['retries configure configure() [{"flow":"research"},{"flow":"digest"}]']);
  assert.deepEqual(keysAt('stack="ci"'), ['stack configure configure() [{"call":32},{"call":33}]']);
});

test("a checkpoint's hover answers for the flows whose body calls it by name, and no others", () => {
  const src = SRC.replace("def research():\n    pass", "def research():\n    return [fetch.submit(x) for x in range(2)]").replace("def digest():\n    pass", "def digest():\n    return other()");
  const found = targetsAt(settingTargets(readPythonModule(src)), { line: 12, column: 13 });
  assert.deepEqual(found.map((t) => `${t.key} ${JSON.stringify(t.contexts)}`), ['checkpoint.fetch.cache [{"flow":"research"}]']);
});
