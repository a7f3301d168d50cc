// Robustness and security scenarios, listed in ./scenarios.mjs:
//   secrets-sweep   a workspace with a secret in every place Kitaru reads; every
//                   surface is driven and read back (suites/secrets-sweep.test.ts)
//   host-lifecycle  the built extension activated and deactivated repeatedly inside
//                   the real extension host, counting what stays alive (suites/lifecycle.test.ts)
// The secrets are in ./sweepSecrets.json (the suite imports the same file).
import * as fs from "node:fs";
import * as path from "node:path";
import { isolatedKitaruEnv } from "./isolatedEnv.mjs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FAKE_DIR = path.resolve(HERE, "..", "fake-kitaru");
export const SWEEP_SECRETS = JSON.parse(fs.readFileSync(path.join(HERE, "sweepSecrets.json"), "utf8"));
const S = SWEEP_SECRETS;
const DEFAULT_STACK_ID = "a51bf906-a221-46d7-81b8-c81f8adc5097";
const ZEN_URL = `https://zen:${S.zenmlStorePassword}@zen.example.com`;

function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** The workspace: pyproject, .env, .vscode/settings.json, kitaru.yaml and a Python module, all holding secrets; a git repository that ignores none of them. */
function sweepWorkspace(ctx) {
  const dir = path.join(ctx.tmpDir, "sweep-workspace");
  write(
    path.join(dir, "pyproject.toml"),
    [
      "[project]",
      'name = "sweep-demo"',
      "",
      "[tool.kitaru]",
      'runner = "prod"',
      "retries = 2",
      `api_key = "${S.pyprojectUnknownKey}"`,
      "",
      "[tool.kitaru.image]",
      'base_image = "python:3.12-slim"',
      "",
      "[tool.kitaru.image.environment]",
      `API_TOKEN = "${S.pyprojectEnvToken}"`,
      `OPENAI = "${S.pyprojectOpenai}"`,
      `DATABASE_URL = "postgres://admin:${S.pyprojectDbPassword}@db.example.com/app"`,
      'LOG_LEVEL = "INFO"',
      "",
    ].join("\n"),
  );
  write(path.join(dir, ".env"), [`KITARU_SERVER_URL=https://ci:${S.dotenvServerPassword}@ci.example.com`, `KITARU_AUTH_TOKEN=${S.dotenvAuthToken}`, "KITARU_PROJECT=sweep", ""].join("\n"));
  write(
    path.join(dir, ".vscode", "settings.json"),
    JSON.stringify({ "kitaru.environment": { KITARU_LOG_STORE_API_KEY: S.settingsLogKey, KITARU_IMAGE: JSON.stringify({ environment: { GH: S.settingsImageGh } }) } }, null, 2) + "\n",
  );
  write(path.join(dir, "kitaru.yaml"), ["version: 1", "log_store:", "  backend: datadog", "  endpoint: https://http-intake.logs.datadoghq.com", `  api_key: ${S.workspaceYamlLogKey}`, ""].join("\n"));
  write(path.join(dir, "src", "sweep_app", "__init__.py"), "");
  write(
    path.join(dir, "src", "sweep_app", "flows.py"),
    [
      "import kitaru",
      "from kitaru import checkpoint, flow",
      "",
      "kitaru.configure(",
      "    retries=1,",
      `    image=kitaru.ImageSettings(environment={"OPENAI": "${S.pyConfigureOpenai}", "API_KEY": "${S.pyConfigureSecretNamed}"}),`,
      ")",
      "",
      "",
      "@checkpoint(cache=True)",
      "def fetch(topic: str) -> str:",
      "    return topic",
      "",
      "",
      `@flow(retries="x", image=kitaru.ImageSettings(environment={"GH": "${S.pyFlowGh}"}))`,
      "def sweep(topic: str) -> str:",
      "    return fetch(topic)",
      "",
      "",
      "@flow(retries=-1, cache=True)",
      "def other() -> None:",
      "    pass",
      "",
      "",
      'if __name__ == "__main__":',
      `    sweep.run("x", stack="prod", image=kitaru.ImageSettings(environment={"DSN": "postgres://u:${S.pyRunUrlPassword}@h/db"}))`,
      "    other.deploy(retries=3)",
      "",
    ].join("\n"),
  );
  const git = spawnSync("git", ["init", "-q", dir], { encoding: "utf8" });
  if (git.status !== 0) throw new Error(`git init failed: ${git.stderr}`);
  return dir;
}

/** The config directory outside the workspace: config.yaml (a store URL with a password), kitaru.yaml, credentials.yaml. */
function sweepConfigDir(ctx) {
  const home = path.join(ctx.tmpDir, "kitaru-home");
  write(path.join(home, "config.yaml"), [`active_stack_id: ${DEFAULT_STACK_ID}`, "store:", "  type: rest", `  url: ${ZEN_URL}`, `  api_key: ${S.zenmlStoreApiKey}`, "version: 0.94.2", ""].join("\n"));
  write(
    path.join(home, "kitaru.yaml"),
    ["version: 1", "log_store:", "  backend: datadog", `  endpoint: https://logs:${S.kitaruYamlEndpointPassword}@logs.example.com`, `  api_key: ${S.kitaruYamlLogKey}`, "model_registry:", "  aliases:", "    fast:", "      model: openai/gpt-5-nano", "      secret: openai-creds", "  default: fast", ""].join("\n"),
  );
  write(path.join(home, "credentials.yaml"), [`${ZEN_URL}:`, `  url: ${ZEN_URL}`, `  api_key: ${S.credentialsApiKey}`, ""].join("\n"));
  return home;
}

function sweepEnv(ctx) {
  const home = sweepConfigDir(ctx);
  return {
    ...isolatedKitaruEnv(ctx, home),
    // Secrets of the process environment (the extension host inherits them).
    KITARU_LOG_STORE_API_KEY: S.processLogStoreKey,
    KITARU_IMAGE: JSON.stringify({ environment: { HF: S.processImageHf } }),
    KITARU_SWEEP_TOKEN: S.processUnknownToken,
    ZENML_SWEEP_SECRET: S.zenmlEnvSecret,
    // Every kitaru command fails, echoing every secret it was given in plain words.
    FAKE_KITARU_MODE: "leak",
    FAKE_KITARU_NODE: process.execPath,
    FAKE_KITARU_LOG: path.join(ctx.tmpDir, "fake-kitaru-calls.jsonl"),
    // For the suite: the CLI twin to run on the same workspace.
    KITARU_TEST_CLI: path.join(ctx.root, "dist", "cli.js"),
  };
}

export const sweepScenarios = [
  {
    name: "secrets-sweep",
    workspace: (ctx) => sweepWorkspace(ctx),
    env: (ctx) => sweepEnv(ctx),
    settings: { "kitaru.path": path.join(FAKE_DIR, "kitaru"), "kitaru.envFile": ".env", "files.autoSave": "off" },
    suites: ["secrets-sweep.test.ts"],
    forbiddenOutput: Object.values(SWEEP_SECRETS),
    timeoutMs: 8 * 60_000,
  },
  {
    name: "host-lifecycle",
    workspace: (ctx) => {
      const dir = path.join(ctx.tmpDir, "research-agent");
      fs.cpSync(path.join(ctx.root, "examples", "research-agent"), dir, { recursive: true });
      return dir;
    },
    env: (ctx) => ({
      KITARU_CONFIG_PATH: path.join(ctx.workspace, ".kitaru-home"),
      ZENML_CONFIG_PATH: undefined,
      ZENML_REPOSITORY_PATH: undefined,
      XDG_CONFIG_HOME: path.join(ctx.tmpDir, "xdg-config"),
    }),
    settings: {},
    suites: ["lifecycle.test.ts"],
  },
];
