// A KITARU_* connection variable outranks its ZENML_* compatibility name, but the ZENML_* value
// is still set: it belongs in the overridden chain (source zenml-env), masked when it is a secret.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { resolveConfiguration } from "../../src/core/resolve";
import { resolutionJson } from "../../src/core/serialize";
import { formatResolution } from "../../src/core/format";
import { memoryHost } from "./helpers";

const CONFIG = "/home/alice/.config/kitaru";
const GLOBAL = "active_project_id: 6e23c046-6cc4-411c-8b9f-75f0c8a1a818\nstore:\n  type: rest\n  url: https://login.example.com/\n";
const CREDENTIALS = "https://login.example.com:\n  api_key: kat_PERSISTED_FAKE_abcdef0123\n  url: https://login.example.com\n";
const KITARU_TOKEN = "kat_FAKE_0123456789abcdef";
const ZENML_KEY = "zzFAKE_0123456789";
const ENV = {
  KITARU_PROJECT: "kp",
  ZENML_ACTIVE_PROJECT_ID: "zproj",
  KITARU_SERVER_URL: "https://b.example.com",
  ZENML_STORE_URL: "https://a.example.com/",
  KITARU_AUTH_TOKEN: KITARU_TOKEN,
  ZENML_STORE_API_KEY: ZENML_KEY,
};
const CLI = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../dist/cli.js");

const chain = (s: { overridden: { source: string; value: unknown; origin?: object }[] } | undefined) =>
  s?.overridden.map((c) => [c.source, c.value, c.origin && "env" in c.origin ? c.origin.env : "file"]);

test("both KITARU_* and ZENML_* connection variables set: the ZENML_* values are listed as overridden, above the persisted login", () => {
  const r = resolveConfiguration(memoryHost({ [`${CONFIG}/config.yaml`]: GLOBAL, [`${CONFIG}/credentials.yaml`]: CREDENTIALS }, ENV), { workspace: "/ws" });
  assert.deepEqual([r.settings.project?.value, r.settings.project?.source], ["kp", "env"]);
  assert.deepEqual(chain(r.settings.project), [["zenml-env", "zproj", "ZENML_ACTIVE_PROJECT_ID"], ["global", "6e23c046-6cc4-411c-8b9f-75f0c8a1a818", "file"]]);
  assert.deepEqual(chain(r.settings.server_url), [["zenml-env", "https://a.example.com", "ZENML_STORE_URL"], ["global", "https://login.example.com", "file"]]);
  const token = r.settings.auth_token!;
  assert.deepEqual([token.source, token.masked], ["env", true]);
  assert.deepEqual(token.overridden.map((c) => [c.source, c.masked, c.origin && "env" in c.origin ? c.origin.env : "file"]), [["zenml-env", true, "ZENML_STORE_API_KEY"], ["global", true, "file"]]);
  assert.notEqual(token.overridden[0]!.value, ZENML_KEY);
  // Still no problem: KITARU_* is complete and wins.
  assert.deepEqual(r.problems.filter((p) => p.severity !== "info").map((p) => p.message), []);
  // The ZENML_* key is a secret that is set but not used; listed once.
  assert.deepEqual(r.secrets.filter((s) => s.origin && "env" in s.origin && s.origin.env === "ZENML_STORE_API_KEY").map((s) => [s.name, s.source, s.effective]), [["auth_token", "zenml-env", false]]);
});

test("the same without a persisted login, in the JSON and the text output; no token in clear", () => {
  const r = resolveConfiguration(memoryHost({}, ENV), { workspace: "/ws" });
  assert.deepEqual(chain(r.settings.project), [["zenml-env", "zproj", "ZENML_ACTIVE_PROJECT_ID"]]);
  assert.deepEqual(chain(r.settings.server_url), [["zenml-env", "https://a.example.com", "ZENML_STORE_URL"]]);
  assert.deepEqual(r.settings.auth_token?.overridden.map((c) => c.source), ["zenml-env"]);
  const json = JSON.stringify(resolutionJson(r));
  const text = formatResolution(r, { color: false });
  for (const out of [json, text]) {
    assert.ok(!out.includes(ZENML_KEY) && !out.includes(KITARU_TOKEN), "a token in clear");
    assert.ok(!out.includes("0123456789"), "a part of a token in clear");
  }
  assert.match(text, /overrides "zproj" \(ZenML environment, \$ZENML_ACTIVE_PROJECT_ID\)/);
  assert.match(text, /overrides "https:\/\/a\.example\.com" \(ZenML environment, \$ZENML_STORE_URL\)/);
  assert.match(text, /overrides "[^"]*\*\*\*\*" \(ZenML environment, \$ZENML_STORE_API_KEY\)/);
});

test("a blank ZENML_* covered by its KITARU_* name is neither a problem nor an overridden value", () => {
  const r = resolveConfiguration(memoryHost({}, { ...ENV, ZENML_STORE_API_KEY: " ", ZENML_ACTIVE_PROJECT_ID: "" }), { workspace: "/ws" });
  assert.deepEqual(r.settings.auth_token?.overridden, []);
  assert.deepEqual(r.settings.project?.overridden, []);
  assert.deepEqual(r.problems.filter((p) => p.severity !== "info"), []);
});

test("debug and analytics_opt_in: the ZENML_* value is overridden by the KITARU_* one, as for the connection", () => {
  const r = resolveConfiguration(memoryHost({}, { KITARU_DEBUG: "1", ZENML_DEBUG: "false", KITARU_ANALYTICS_OPT_IN: "0", ZENML_ANALYTICS_OPT_IN: "true" }), { workspace: "/ws" });
  assert.deepEqual([r.settings.debug?.value, r.settings.debug?.source, chain(r.settings.debug)?.[0]], [true, "env", ["zenml-env", false, "ZENML_DEBUG"]]);
  assert.deepEqual([r.settings.analytics_opt_in?.value, chain(r.settings.analytics_opt_in)?.[0]], [false, ["zenml-env", true, "ZENML_ANALYTICS_OPT_IN"]]);
});

test("the built CLI: resolve --json and resolve list the ZENML_* values, never the API key in clear", (t) => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-zenml-"));
  t.after(() => fs.rmSync(ws, { recursive: true, force: true }));
  const cfg = path.join(ws, "cfg");
  fs.mkdirSync(cfg);
  fs.writeFileSync(path.join(cfg, "config.yaml"), GLOBAL);
  const env = { PATH: process.env.PATH ?? "", HOME: ws, KITARU_CONFIG_PATH: cfg, ...ENV };
  const json = spawnSync(process.execPath, [CLI, "resolve", "--json", "--workspace", ws], { encoding: "utf8", env });
  assert.equal(json.status, 0, json.stderr);
  const settings = (JSON.parse(json.stdout) as { settings: Record<string, { overridden: { source: string; value: unknown; origin?: { env?: string } }[] }> }).settings;
  assert.deepEqual(settings.project!.overridden.map((c) => [c.source, c.value]), [["zenml-env", "zproj"], ["global", "6e23c046-6cc4-411c-8b9f-75f0c8a1a818"]]);
  assert.deepEqual(settings.server_url!.overridden.map((c) => [c.source, c.value]), [["zenml-env", "https://a.example.com"], ["global", "https://login.example.com"]]);
  assert.deepEqual(settings.auth_token!.overridden.map((c) => [c.source, c.origin?.env]), [["zenml-env", "ZENML_STORE_API_KEY"]]);
  const text = spawnSync(process.execPath, [CLI, "resolve", "--workspace", ws], { encoding: "utf8", env });
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /\$ZENML_STORE_API_KEY/);
  for (const out of [json.stdout, json.stderr, text.stdout, text.stderr]) assert.ok(!out.includes(ZENML_KEY) && !out.includes(KITARU_TOKEN));
});

test("KITARU_DEBUG=on replaces ZENML_DEBUG for ZenML, which cannot read it: the default, not ZENML_DEBUG's true", () => {
  const r = resolveConfiguration(memoryHost({}, { KITARU_DEBUG: "on", ZENML_DEBUG: "true", KITARU_ANALYTICS_OPT_IN: "maybe", ZENML_ANALYTICS_OPT_IN: "false" }), { workspace: "/ws" });
  assert.notEqual(r.settings.debug?.source, "zenml-env");
  assert.notEqual(r.settings.analytics_opt_in?.source, "zenml-env");
  assert.ok(r.problems.some((p) => p.env === "KITARU_DEBUG" && /keeps the default/.test(p.message)));
});
