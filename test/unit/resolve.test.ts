import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveConfiguration } from "../../src/core/resolve";
import { resolutionJson } from "../../src/core/serialize";
import { memoryHost } from "./helpers";

const CONFIG = "/home/alice/.config/kitaru";
const GLOBAL = `active_stack_id: a51bf906-a221-46d7-81b8-c81f8adc5097\nactive_project_id: 6e23c046-6cc4-411c-8b9f-75f0c8a1a818\nstore:\n  type: rest\n  url: https://kitaru.acme.dev/\n`;
const CREDENTIALS = `https://kitaru.acme.dev:\n  api_key: kat_live_7Hq2pX9vLm4R8sTnW3yZ\n  url: https://kitaru.acme.dev\n`;

test("persisted stack: ZENML_ACTIVE_STACK_ID, then the repository .kitaru/, then the global config.yaml", () => {
  const files = {
    "/ws/pyproject.toml": "[tool.ruff]\n",
    "/ws/.kitaru/config.yaml": "active_stack_id: 11111111-1111-1111-1111-111111111111\n",
    [`${CONFIG}/config.yaml`]: GLOBAL,
  };
  const r = resolveConfiguration(memoryHost(files), { workspace: "/ws" });
  assert.equal(r.settings.stack?.value, "11111111-1111-1111-1111-111111111111");
  assert.equal(r.settings.stack?.source, "global");
  assert.deepEqual(r.settings.stack?.overridden.map((c) => c.value), ["a51bf906-a221-46d7-81b8-c81f8adc5097"]);
  const withEnv = resolveConfiguration(memoryHost(files, { ZENML_ACTIVE_STACK_ID: "22222222" }), { workspace: "/ws" });
  assert.equal(withEnv.settings.stack?.source, "zenml-env");
  // pyproject still outranks all of them.
  const withPyproject = resolveConfiguration(memoryHost({ ...files, "/ws/pyproject.toml": '[tool.kitaru]\nstack = "prod"\n' }, { ZENML_ACTIVE_STACK_ID: "22222222" }), { workspace: "/ws" });
  assert.equal(withPyproject.settings.stack?.source, "pyproject");
  assert.deepEqual(withPyproject.settings.stack?.overridden.map((c) => c.source), ["zenml-env", "global", "global"]);
});

test("persisted login: server URL from config.yaml, token from credentials.yaml, masked everywhere", () => {
  const r = resolveConfiguration(memoryHost({ [`${CONFIG}/config.yaml`]: GLOBAL, [`${CONFIG}/credentials.yaml`]: CREDENTIALS }), { workspace: "/ws" });
  assert.equal(r.settings.server_url?.value, "https://kitaru.acme.dev");
  assert.equal(r.settings.auth_token?.source, "global");
  assert.equal(r.settings.auth_token?.masked, true);
  assert.equal(r.problems.filter((p) => p.severity !== "info").length, 0);
  assert.ok(!JSON.stringify(resolutionJson(r)).includes("kat_live_7Hq2pX9vLm4R8sTnW3yZ"));
  assert.deepEqual(r.secrets.map((s) => [s.name, s.location, s.plainTextInWorkspace]), [["auth_token", "config-dir", false]]);
});

test("remote server from the environment without a project: error; the persisted project does not count", () => {
  const r = resolveConfiguration(memoryHost({ [`${CONFIG}/config.yaml`]: GLOBAL }, { KITARU_SERVER_URL: "https://k.example", KITARU_AUTH_TOKEN: "kat_live_abcdefghijklmnop" }), { workspace: "/ws" });
  const p = r.problems.find((x) => x.code === "project-required");
  assert.equal(p?.severity, "error");
  assert.equal(r.settings.project?.value, null);
  assert.equal(r.settings.project?.overridden[0]?.source, "global");
});

test("a token in pyproject is listed as a plain-text secret in the workspace", () => {
  const r = resolveConfiguration(memoryHost({ "/ws/pyproject.toml": '[tool.kitaru]\nauth_token = "kat_live_7Hq2pX9vLm4R8sTnW3yZ"\n' }), { workspace: "/ws" });
  const s = r.secrets.find((x) => x.name === "auth_token");
  assert.equal(s?.plainTextInWorkspace, true);
  assert.equal(s?.location, "workspace-file");
  assert.ok(!JSON.stringify(resolutionJson(r)).includes("kat_live_7Hq2pX9vLm4R8sTnW3yZ"));
});

test("KITARU_LOG_STORE_* replaces kitaru.yaml's log_store; the file's key is shown as overridden, masked", () => {
  const r = resolveConfiguration(
    memoryHost({ [`${CONFIG}/kitaru.yaml`]: "log_store:\n  backend: datadog\n  endpoint: https://a.example\n  api_key: 5c1f0e7a9b3d4c8e8f2a6b1d0c9e7f3a\n" }, { KITARU_LOG_STORE_BACKEND: "honeycomb", KITARU_LOG_STORE_ENDPOINT: "https://api.honeycomb.io/" }),
    { workspace: "/ws" },
  );
  assert.equal(r.settings["log_store.endpoint"]?.value, "https://api.honeycomb.io");
  assert.equal(r.settings["log_store.api_key"]?.value, null);
  assert.equal(r.settings["log_store.api_key"]?.source, "env");
  assert.equal(r.settings["log_store.api_key"]?.overridden[0]?.masked, true);
  assert.ok(!JSON.stringify(resolutionJson(r)).includes("5c1f0e7a9b3d4c8e8f2a6b1d0c9e7f3a"));
});

test("KITARU_MODEL_REGISTRY is merged over kitaru.yaml (env wins per alias)", () => {
  const yaml = "model_registry:\n  aliases:\n    fast: {model: openai/gpt-4o-mini}\n    smart: {model: anthropic/claude}\n  default: smart\n";
  const r = resolveConfiguration(memoryHost({ [`${CONFIG}/kitaru.yaml`]: yaml }, { KITARU_MODEL_REGISTRY: '{"aliases": {"fast": {"model": "openai/gpt-5-nano"}}}', KITARU_DEFAULT_MODEL: "fast" }), { workspace: "/ws" });
  assert.equal(r.settings.default_model?.value, "openai/gpt-5-nano");
  assert.equal(r.settings.default_model?.overridden[0]?.value, "anthropic/claude");
});

test("the Files list says which pyproject.toml was used and which were skipped", () => {
  const r = resolveConfiguration(memoryHost({ "/ws/pyproject.toml": '[tool.kitaru]\nstack = "prod"\n', "/ws/svc/api/pyproject.toml": "[tool.ruff]\n" }), { workspace: "/ws", cwd: "/ws/svc/api" });
  const py = r.looked.filter((l) => l.role === "pyproject");
  assert.deepEqual(py.map((l) => [l.path, l.used]), [["/ws/svc/api/pyproject.toml", true], ["/ws/pyproject.toml", false]]);
  assert.match(py[0]!.note, /no \[tool.kitaru\]/);
  assert.match(py[1]!.note, /only the nearest/);
  assert.equal(r.settings.stack?.value ?? null, null);
});

test("a broken file never stops the others", () => {
  const r = resolveConfiguration(
    memoryHost({ "/ws/pyproject.toml": '[tool.kitaru\nstack = "prod"\n', [`${CONFIG}/kitaru.yaml`]: "log_store: [\n", [`${CONFIG}/config.yaml`]: GLOBAL }, { KITARU_RETRIES: "4" }),
    { workspace: "/ws" },
  );
  assert.equal(r.settings.retries?.value, 4);
  assert.equal(r.settings.stack?.source, "global");
  assert.deepEqual(r.problems.filter((p) => p.severity === "error").map((p) => p.code).sort(), ["toml-syntax", "yaml-syntax"]);
});

test("flow selection: checkpoint cache replaced by an execution-level cache gives an info naming the winner", () => {
  const module = 'from kitaru import checkpoint, flow\n\n@checkpoint(cache=True)\ndef embed(x):\n    return x\n\n@flow\ndef index(x):\n    return embed(x)\n';
  const r = resolveConfiguration(memoryHost({ "/ws/flows.py": module, "/ws/pyproject.toml": "[tool.kitaru]\ncache = false\n" }), { workspace: "/ws", flow: "flows.py:index" });
  assert.equal(r.settings["checkpoint.embed.cache"]?.value, false);
  assert.equal(r.settings["checkpoint.embed.cache"]?.source, "pyproject");
  const info = r.problems.find((p) => p.code === "checkpoint-cache-replaced");
  assert.equal(info?.severity, "info");
  assert.match(info!.message, /pyproject\.toml:2/);
  assert.equal(info?.span?.start.line, 3);
});

test("a missing flow is a clear problem, and the rest still resolves", () => {
  const r = resolveConfiguration(memoryHost({ "/ws/flows.py": "import kitaru\n", "/ws/pyproject.toml": '[tool.kitaru]\nstack = "prod"\n' }), { workspace: "/ws", flow: "flows.py:nope" });
  assert.equal(r.problems[0]?.code, "flow-not-found");
  assert.equal(r.settings.stack?.value, "prod");
});

test("KITARU_LOG_STORE_BACKEND without an endpoint still replaces kitaru.yaml's log_store: the environment's values win, the file's are overridden", () => {
  const yaml = "version: 1\nlog_store:\n  backend: datadog\n  endpoint: https://http-intake.logs.datadoghq.com\n  api_key: 5c1f0e7a9b3d4c8e8f2a6b1d0c9e7f3a\n";
  const r = resolveConfiguration(memoryHost({ [`${CONFIG}/kitaru.yaml`]: yaml }, { KITARU_LOG_STORE_BACKEND: "DataDog " }), { workspace: "/ws" });
  const backend = r.settings["log_store.backend"]!;
  assert.deepEqual([backend.value, backend.source, backend.origin], ["datadog", "env", { env: "KITARU_LOG_STORE_BACKEND" }]);
  assert.match(backend.note ?? "", /refuses/);
  assert.deepEqual(backend.overridden.map((c) => [c.source, c.value]), [["global", "datadog"], ["default", "artifact-store"]]);
  const endpoint = r.settings["log_store.endpoint"]!;
  assert.deepEqual([endpoint.value, endpoint.source], [null, "env"]);
  assert.deepEqual(endpoint.overridden.map((c) => [c.source, c.value, c.origin && "line" in c.origin ? c.origin.line : undefined]), [["global", "https://http-intake.logs.datadoghq.com", 4]]);
  // kitaru.yaml's key is not used either (masked where it is listed).
  assert.deepEqual([r.settings["log_store.api_key"]?.value, r.settings["log_store.api_key"]?.source, r.settings["log_store.api_key"]?.overridden[0]?.masked], [null, "env", true]);
  assert.ok(r.problems.some((p) => p.severity === "error" && p.env === "KITARU_LOG_STORE_ENDPOINT"));
  assert.ok(!JSON.stringify(resolutionJson(r)).includes("5c1f0e7a9b3d4c8e8f2a6b1d0c9e7f3a"));
  // Only an endpoint (no backend): refused too, and still not kitaru.yaml's backend.
  const noBackend = resolveConfiguration(memoryHost({ [`${CONFIG}/kitaru.yaml`]: yaml }, { KITARU_LOG_STORE_ENDPOINT: "https://api.honeycomb.io" }), { workspace: "/ws" });
  assert.deepEqual([noBackend.settings["log_store.backend"]?.value, noBackend.settings["log_store.backend"]?.source], [null, "env"]);
  assert.deepEqual([noBackend.settings["log_store.endpoint"]?.value, noBackend.settings["log_store.endpoint"]?.origin], ["https://api.honeycomb.io", { env: "KITARU_LOG_STORE_ENDPOINT" }]);
});

test("KITARU_MODEL_REGISTRY redefining kitaru.yaml's default alias: default_model comes from the variable, kitaru.yaml's model is overridden", () => {
  const yaml = "version: 1\nmodel_registry:\n  default: fast\n  aliases:\n    fast:\n      model: openai/gpt-5-nano\n";
  const r = resolveConfiguration(memoryHost({ [`${CONFIG}/kitaru.yaml`]: yaml }, { KITARU_MODEL_REGISTRY: '{"aliases":{"fast":{"model":"anthropic/x"}}}' }), { workspace: "/ws" });
  const s = r.settings.default_model!;
  assert.deepEqual([s.value, s.source, s.origin], ["anthropic/x", "env", { env: "KITARU_MODEL_REGISTRY" }]);
  assert.match(s.note ?? "", /default alias "fast" \(kitaru\.yaml:3\)/);
  assert.deepEqual(s.overridden.map((c) => [c.source, c.value, c.origin && "line" in c.origin ? c.origin.line : undefined]), [["global", "openai/gpt-5-nano", 3]]);
  // An alias the file's default does not use changes nothing: still kitaru.yaml's.
  const other = resolveConfiguration(memoryHost({ [`${CONFIG}/kitaru.yaml`]: yaml }, { KITARU_MODEL_REGISTRY: '{"aliases":{"slow":{"model":"anthropic/y"}}}' }), { workspace: "/ws" });
  assert.deepEqual([other.settings.default_model?.value, other.settings.default_model?.source, other.settings.default_model?.overridden.length], ["openai/gpt-5-nano", "global", 0]);
  // The variable's own default wins over the file's.
  const envDefault = resolveConfiguration(memoryHost({ [`${CONFIG}/kitaru.yaml`]: yaml }, { KITARU_MODEL_REGISTRY: '{"aliases":{"slow":{"model":"anthropic/y"}},"default":"slow"}' }), { workspace: "/ws" });
  assert.deepEqual([envDefault.settings.default_model?.value, envDefault.settings.default_model?.source], ["anthropic/y", "env"]);
});

test("a config.yaml Kitaru cannot read is not listed as used, and its problem has a position", () => {
  for (const text of ["\x00\x01\x02binary", "- a\n- b\n"]) {
    const r = resolveConfiguration(memoryHost({ [`${CONFIG}/config.yaml`]: text }), { workspace: "/ws" });
    const looked = r.looked.find((l) => l.role === "config.yaml")!;
    assert.deepEqual([looked.exists, looked.used], [true, false], JSON.stringify(text));
    assert.match(looked.note, /cannot be used/);
    const problem = r.problems.find((p) => p.file === `${CONFIG}/config.yaml`);
    assert.equal(problem?.severity, "error");
    assert.equal(problem?.span?.start.line, 1);
  }
});
