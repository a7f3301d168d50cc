// Scenario for the diagnostics, hovers and quick fixes on pyproject.toml and
// kitaru.yaml (issue 3), listed in ./scenarios.mjs. The workspace is a temp
// copy of test/fixtures/diagnostics plus files whose exact bytes git would not
// keep (CRLF with non-ASCII text, a UTF-8 byte-order mark); the Kitaru config
// directory, with its own kitaru.yaml, sits outside the workspace.
import * as fs from "node:fs";
import * as path from "node:path";
import { isolatedKitaruEnv } from "./isolatedEnv.mjs";

/** Fake secrets in the fixtures: they must not appear in any log, output channel or result. */
export const FILE_CHECK_SECRETS = ["kat_fixture_Q7w9Zr2Lx5Vb8Nm3", "sk-fixture-4Jd8Kq2Wz6Xv", "dd-fixture-8Hq3Kz5Wm2Tx", "dd-home-7Rt2Yp9Qs4Lw6"];

function workspace(ctx) {
  const dir = path.join(ctx.tmpDir, "diagnostics");
  fs.cpSync(path.join(ctx.root, "test", "fixtures", "diagnostics"), dir, { recursive: true });
  const write = (rel, text) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  write("crlf/pyproject.toml", '[project]\r\nname = "crlf"\r\n\r\n[tool]\r\n# Größe 🚀 ünïcödé\r\nkitaru = { image = "ü🚀", retries = -1, stak = "é" }\r\n');
  write("bom/pyproject.toml", '\uFEFF[tool.kitaru]\nretries = 1\n');
  write("syntax/pyproject.toml", '[tool.kitaru]\nstack = "a" x\n');
  return dir;
}

function env(ctx) {
  const home = path.join(ctx.tmpDir, "kitaru-home");
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(
    path.join(home, "kitaru.yaml"),
    "log_store:\n  backend: datadog\n  endpoint: https://http-intake.logs.datadoghq.com\n  api_key: dd-home-7Rt2Yp9Qs4Lw6\nmodel_registry:\n  aliases:\n    fast: {model: openai/gpt-5-nano}\n  default: fast\n",
  );
  return {
    ...isolatedKitaruEnv(ctx, home),
    // Higher layers that override values in the files right now.
    KITARU_STACK: "from-env",
    KITARU_DEFAULT_MODEL: "openai/gpt-5",
    KITARU_CACHE: undefined,
    KITARU_RETRIES: undefined,
    KITARU_IMAGE: undefined,
    KITARU_LOG_STORE_BACKEND: undefined,
    KITARU_LOG_STORE_ENDPOINT: undefined,
    KITARU_LOG_STORE_API_KEY: undefined,
    KITARU_MODEL_REGISTRY: undefined,
  };
}

export const fileCheckScenarios = [
  {
    name: "file-checks",
    workspace,
    env,
    settings: {},
    suites: ["file-checks.test.ts"],
    forbiddenOutput: FILE_CHECK_SECRETS,
  },
];
