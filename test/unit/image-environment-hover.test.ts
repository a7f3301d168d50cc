import assert from "node:assert/strict";
import { test } from "node:test";
import { imageEnvironmentLines } from "../../src/core/hoverInfo";
import { readPythonModule } from "../../src/core/python/reader";
import { isMine, settingTargets, targetsAt } from "../../src/core/pythonTargets";
import { resolveConfiguration } from "../../src/core/resolve";
import { memoryHost } from "./helpers";

const APP = `import kitaru
from kitaru import flow


@flow
def research():
    pass


def main():
    kitaru.configure(image=kitaru.ImageSettings(environment={"HF": "x", "API_TOKEN": "y"}))
    research.run()
`;

test("hovering environment= of an ImageSettings in configure() shows the merged environment in effect, secrets masked", () => {
  const files = {
    "/ws/pyproject.toml": '[tool.kitaru.image.environment]\nLOG_LEVEL = "INFO"\nHF = "from-pyproject"\n',
    "/ws/app.py": APP,
  };
  const host = memoryHost(files);
  const r = resolveConfiguration(host, { workspace: "/ws", call: "app.py:12" });
  const module = readPythonModule(APP);
  const line = 11;
  const column = APP.split("\n")[line - 1]!.indexOf("environment=") + 3;
  const [target, ...rest] = targetsAt(settingTargets(module), { line, column });
  assert.equal(target?.key, "image.environment");
  assert.equal(rest.length, 0);
  const text = imageEnvironmentLines(r.settings, { isMine: (c) => isMine(c, target!, "/ws/app.py"), where: (c) => c.source }).join("\n");
  assert.doesNotMatch(text, /unset/);
  assert.match(text, /3 variables, 2 from this argument/);
  assert.match(text, /`HF` = `"x"` from configure: set here, overrides `"from-pyproject"` from pyproject/);
  assert.match(text, /`LOG_LEVEL` = `"INFO"` from pyproject$/m);
  assert.match(text, /`API_TOKEN` = `"\*+"` \*\(masked\)\* from configure: set here/);
  assert.doesNotMatch(text, /"y"/, "the secret-named value is never shown");
});
