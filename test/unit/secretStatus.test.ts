import assert from "node:assert/strict";
import { test } from "node:test";
import type { Host } from "../../src/core/host";
import { resolveConfiguration } from "../../src/core/resolve";
import { secretUse } from "../../src/core/secretStatus";
import { memoryHost } from "./helpers";

const TOKEN = "kat_envfile_9Zq4wX2vLm7R8sTn";
const API_KEY = "dd_logstore_key_5Hq2Wz8Kd3Xv7Lm1";
const files = { "/ws/pyproject.toml": '[tool.kitaru]\nstack = "prod"\n' };

function withOrigins(host: Host, origins: NonNullable<Host["envOrigins"]>): Host {
  return { ...host, envOrigins: origins };
}

const rows = (host: Host) =>
  resolveConfiguration(host, { workspace: "/ws" }).secrets.map((s) => ({ name: s.name, location: s.location, plain: s.plainTextInWorkspace, use: secretUse(s), origin: s.origin, display: s.display }));

test("a token from an env file inside the workspace is a plain-text secret in a workspace file, with its line", () => {
  const host = withOrigins(memoryHost(files, { KITARU_SERVER_URL: "https://k.example.com", KITARU_AUTH_TOKEN: TOKEN, KITARU_PROJECT: "p" }), {
    KITARU_AUTH_TOKEN: { label: "env file .env", file: "/ws/.env", line: 3 },
  });
  const [token] = rows(host);
  assert.deepEqual(
    { ...token, display: undefined },
    { name: "auth_token", location: "workspace-file", plain: true, use: "", origin: { env: "KITARU_AUTH_TOKEN", via: "env file .env", file: "/ws/.env", line: 3 }, display: undefined },
  );
  assert.ok(!token!.display.includes(TOKEN.slice(8)), token!.display);
});

test("kitaru.environment in a workspace .vscode/settings.json is a workspace file; in user settings it is a setting; VS Code's own environment is not a file", () => {
  const env = { KITARU_SERVER_URL: "https://k.example.com", KITARU_AUTH_TOKEN: TOKEN, KITARU_PROJECT: "p" };
  const inSettings = rows(withOrigins(memoryHost(files, env), { KITARU_AUTH_TOKEN: { label: "kitaru.environment setting", file: "/ws/.vscode/settings.json", line: 4 } }))[0]!;
  assert.deepEqual([inSettings.location, inSettings.plain, inSettings.origin], ["workspace-file", true, { env: "KITARU_AUTH_TOKEN", via: "kitaru.environment setting", file: "/ws/.vscode/settings.json", line: 4 }]);
  const inUser = rows(withOrigins(memoryHost(files, env), { KITARU_AUTH_TOKEN: { label: "kitaru.environment setting" } }))[0]!;
  assert.deepEqual([inUser.location, inUser.plain], ["setting", false]);
  const fromProcess = rows(memoryHost(files, env))[0]!;
  assert.deepEqual([fromProcess.location, fromProcess.plain], ["environment", false]);
  const outside = rows(withOrigins(memoryHost(files, env), { KITARU_AUTH_TOKEN: { label: "env file ci.env", file: "/etc/ci.env", line: 1 } }))[0]!;
  assert.deepEqual([outside.location, outside.plain], ["file", false]);
});

test("KITARU_LOG_STORE_API_KEY that Kitaru refuses (no backend) is still listed, masked, with why it is not used", () => {
  const host = withOrigins(memoryHost(files, { KITARU_LOG_STORE_API_KEY: `multi\n${API_KEY}` }), { KITARU_LOG_STORE_API_KEY: { label: "env file .env", file: "/ws/.env", line: 8 } });
  const r = resolveConfiguration(host, { workspace: "/ws" });
  const key = r.secrets.find((s) => s.name === "log_store.api_key");
  assert.ok(key, JSON.stringify(r.secrets));
  assert.deepEqual([key.location, key.plainTextInWorkspace, key.effective, key.source], ["workspace-file", true, false, "env"]);
  assert.equal(secretUse(key), " (not used: Kitaru refuses the KITARU_LOG_STORE_* variables as set (see Problems))");
  assert.ok(!JSON.stringify(r.secrets).includes(API_KEY), "the key never leaves the core in clear");
  // Once valid, it is the log store's api_key (listed once).
  const valid = resolveConfiguration({ ...host, env: { KITARU_LOG_STORE_BACKEND: "datadog", KITARU_LOG_STORE_ENDPOINT: "https://http-intake.logs.datadoghq.com", KITARU_LOG_STORE_API_KEY: API_KEY } }, { workspace: "/ws" });
  assert.deepEqual(valid.secrets.map((s) => [s.name, s.location, secretUse(s)]), [["log_store.api_key", "workspace-file", ""]]);
});

test("a token in pyproject is not 'overridden': Kitaru never uses it", () => {
  const r = resolveConfiguration(memoryHost({ "/ws/pyproject.toml": `[tool.kitaru]\nauth_token = "${TOKEN}"\n` }), { workspace: "/ws" });
  const s = r.secrets.find((x) => x.name === "auth_token")!;
  assert.equal(secretUse(s), " (not used: Kitaru never reads auth_token from pyproject.toml)");
  assert.equal(s.plainTextInWorkspace, true);
  // A real override still reads as one.
  assert.equal(secretUse({ effective: false }), " (overridden)");
  assert.equal(secretUse({ effective: true }), "");
});

test("ZENML_STORE_API_KEY that KITARU_AUTH_TOKEN replaces is listed as an overridden auth_token", () => {
  const env = { KITARU_SERVER_URL: "https://k.example.com", KITARU_AUTH_TOKEN: TOKEN, KITARU_PROJECT: "p", ZENML_STORE_API_KEY: API_KEY };
  const r = resolveConfiguration(withOrigins(memoryHost(files, env), { ZENML_STORE_API_KEY: { label: "kitaru.environment setting", file: "/ws/.vscode/settings.json", line: 5 } }), { workspace: "/ws" });
  assert.deepEqual(r.secrets.map((s) => [s.name, s.location, secretUse(s), s.origin && "env" in s.origin ? s.origin.env : ""]), [
    ["auth_token", "environment", "", "KITARU_AUTH_TOKEN"],
    ["auth_token", "workspace-file", " (overridden)", "ZENML_STORE_API_KEY"],
  ]);
});

test("secret-looking variables that are not Kitaru's are not listed", () => {
  const r = resolveConfiguration(withOrigins(memoryHost(files, { OPENAI_API_KEY: "sk-proj-abcdefghijklmnopqrstu" }), { OPENAI_API_KEY: { label: "env file .env", file: "/ws/.env", line: 1 } }), { workspace: "/ws" });
  assert.deepEqual(r.secrets, []);
});
