// Kitaru's own field validators (strip, refuse empty, None = unset) and the
// edges of its environment parsing, as Kitaru's source has them; and the
// credentials recognised by their value rather than their name.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readKitaruEnv, readZenmlEnv } from "../../src/core/envLayer";
import { analyzeKitaruYaml } from "../../src/core/kitaruYaml";
import { analyzePyproject } from "../../src/core/pyproject";
import { resolveConfiguration } from "../../src/core/resolve";
import { parsePythonInt, pythonStrip } from "../../src/core/pythonText";
import { maskSecretsInText, secretValueKind } from "../../src/core/secrets";
import { memoryHost } from "./helpers";

const PY = "/w/pyproject.toml";
const table = (body: string) => analyzePyproject(PY, `[tool.kitaru]\n${body}\n`);
const errors = (r: { problems: { severity: string; message: string }[] }) => r.problems.filter((p) => p.severity === "error").map((p) => p.message);
const env = (vars: Record<string, string>) => readKitaruEnv(memoryHost({}, vars));

test("Python's strip() and int(): U+0085 and U+001F are whitespace, U+FEFF is not; any Unicode decimal digits", () => {
  assert.equal(pythonStrip("\u0085 x \u001f"), "x");
  assert.equal(pythonStrip("\uFEFFx"), "\uFEFFx");
  assert.equal(parsePythonInt("٣"), 3);
  assert.equal(parsePythonInt("３"), 3);
  assert.equal(parsePythonInt("𝟑"), 3);
  assert.equal(parsePythonInt("٣_٣"), 33);
  assert.equal(parsePythonInt("3\u0085"), 3);
  assert.equal(parsePythonInt("\uFEFF3"), undefined);
  assert.equal(parsePythonInt("3.0"), undefined);
  assert.equal(env({ KITARU_CACHE: "\uFEFFtrue" }).problems[0]?.code, "invalid-env");
});

test("[tool.kitaru] strings are stripped, and an empty one is refused", () => {
  const padded = table('stack = " prod "\nimage = "  py:3  "');
  assert.equal(padded.values.get("stack")?.value, "prod");
  assert.equal(padded.values.get("image.base_image")?.value, "py:3");
  for (const body of ['stack = ""', 'stack = "   "', 'image = ""', 'auth_token = ""', 'project = " "']) {
    const r = table(body);
    assert.equal(errors(r).length, 1, body);
    assert.match(errors(r)[0]!, /cannot be empty/, body);
  }
});

test("pydantic's lax typing: \"2.0\" is 2 retries, a padded \" true \" is not a bool", () => {
  assert.equal(table('retries = "2.0"').values.get("retries")?.value, 2);
  assert.equal(table('retries = " 3 "').values.get("retries")?.value, 3);
  assert.equal(errors(table('cache = " true "')).length, 1);
  assert.equal(table('cache = "TRUE"').values.get("cache")?.value, true);
});

test("ImageSettings: requirements is a list; empty entries and keys are refused; parent_image only without base_image", () => {
  assert.match(errors(table('[tool.kitaru.image]\nrequirements = "httpx"'))[0]!, /list of requirement strings/);
  assert.match(errors(table('[tool.kitaru.image]\nrequirements = ["httpx", " "]'))[0]!, /requirements\[1\] cannot be empty/);
  assert.match(errors(table('[tool.kitaru.image]\nsecret_environment_from = [""]'))[0]!, /cannot be empty/);
  assert.match(errors(table('[tool.kitaru.image.environment]\n" " = "x"'))[0]!, /environment keys cannot be empty/);
  assert.equal(table('[tool.kitaru.image.environment]\n" LOG " = "x"').values.get("image.environment.LOG")?.value, "x");
  assert.equal(table('[tool.kitaru.image]\nparent_image = "p"').values.get("image.base_image")?.value, "p");
  const both = table('[tool.kitaru.image]\nbase_image = "a"\nparent_image = "b"');
  assert.match(errors(both)[0]!, /parent_image is only accepted when base_image is absent/);
});

test("[tool.kitaru].server_url is parsed (and refused) even though it is never used", () => {
  assert.match(errors(table('server_url = "ftp://x"'))[0]!, /http:\/\/ or https:\/\/ URL/);
  assert.deepEqual(errors(table('server_url = "https://x.example.com/"')), []);
});

test("KITARU_IMAGE: null fields are unset; an empty JSON string, NaN and Infinity are refused; broken JSON is a warning", () => {
  assert.deepEqual(env({ KITARU_IMAGE: '{"base_image": null, "environment": null}' }).problems, []);
  assert.equal(env({ KITARU_IMAGE: '{"base_image": null, "environment": null}' }).values.size, 0);
  assert.equal(env({ KITARU_IMAGE: '"  x  "' }).values.get("image.base_image")?.value, "x");
  for (const text of ['""', '" "', "NaN", "-Infinity"]) assert.equal(env({ KITARU_IMAGE: text }).problems[0]?.severity, "error", text);
  const broken = env({ KITARU_IMAGE: '{"environment": {"DB_PASSWORD": "hunter2hunter2"}' });
  assert.equal(broken.problems[0]?.severity, "warning");
  assert.match(broken.problems[0]!.message, /looks like JSON but does not parse/);
  assert.ok(!JSON.stringify([...broken.values.values()]).includes("hunter2hunter2"));
});

test("KITARU_DEBUG / KITARU_ANALYTICS_OPT_IN: blank is unset; ZenML's words only, anything else is ignored (a warning)", () => {
  assert.deepEqual(env({ KITARU_DEBUG: "", KITARU_ANALYTICS_OPT_IN: " " }).problems, []);
  assert.equal(env({ KITARU_DEBUG: "True" }).values.get("debug")?.value, true);
  const on = env({ KITARU_DEBUG: "on" });
  assert.equal(on.values.has("debug"), false);
  assert.equal(on.problems[0]?.severity, "warning");
});

test("ZENML_* connection variables are passed on unstripped: blank is refused unless the KITARU_* name covers it", () => {
  const problems: { code: string }[] = [];
  readZenmlEnv(memoryHost({}, { ZENML_STORE_API_KEY: "" }), problems as never);
  assert.equal(problems.length, 1);
  const covered: { code: string }[] = [];
  readZenmlEnv(memoryHost({}, { ZENML_STORE_API_KEY: "", KITARU_AUTH_TOKEN: "kat_abc" }), covered as never);
  assert.equal(covered.length, 0);
});

test("server URLs lose their trailing slashes, as Kitaru normalizes them", () => {
  assert.equal(env({ KITARU_SERVER_URL: " https://s.example.com// " }).values.get("server_url")?.value, "https://s.example.com");
});

test("kitaru.yaml: null means unset; blank model or api_key is refused; a bad alias name points at the name", () => {
  const nulls = analyzeKitaruYaml("/c/kitaru.yaml", "version: \"1\"\nlog_store: null\nmodel_registry:\n  aliases: null\n");
  assert.deepEqual(errors(nulls), []);
  const nullKey = analyzeKitaruYaml("/c/kitaru.yaml", "log_store:\n  backend: datadog\n  endpoint: https://x.example.com\n  api_key: null\n");
  assert.deepEqual(errors(nullKey), []);
  assert.equal(nullKey.values.has("log_store.api_key"), false);
  assert.match(errors(analyzeKitaruYaml("/c/kitaru.yaml", 'model_registry:\n  aliases:\n    a: {model: "  "}\n'))[0]!, /model cannot be empty/);
  assert.match(errors(analyzeKitaruYaml("/c/kitaru.yaml", 'log_store:\n  backend: datadog\n  endpoint: https://x.example.com\n  api_key: ""\n'))[0]!, /api_key cannot be empty/);
  const bad = analyzeKitaruYaml("/c/kitaru.yaml", "model_registry:\n  aliases:\n    bad alias: {model: x/a}\n");
  assert.match(errors(bad)[0]!, /"bad alias" is not a valid name/);
  assert.deepEqual(bad.problems[0]!.span?.start, { line: 3, column: 5 });
});

test("KITARU_LOG_STORE_*: set to an empty text still counts; an empty API key is refused", () => {
  const r = (vars: Record<string, string>) => resolveConfiguration(memoryHost({}, vars), { workspace: "/w" });
  assert.match(r({ KITARU_LOG_STORE_API_KEY: "" }).problems[0]!.message, /without KITARU_LOG_STORE_BACKEND/);
  const blankKey = r({ KITARU_LOG_STORE_BACKEND: "datadog", KITARU_LOG_STORE_ENDPOINT: "https://x.example.com", KITARU_LOG_STORE_API_KEY: "" });
  assert.match(blankKey.problems[0]!.message, /KITARU_LOG_STORE_API_KEY cannot be empty/);
  const ok = r({ KITARU_LOG_STORE_BACKEND: " DataDog ", KITARU_LOG_STORE_ENDPOINT: "https://x.example.com/" });
  assert.equal(ok.settings["log_store.backend"]?.value, "datadog");
  assert.equal(ok.settings["log_store.endpoint"]?.value, "https://x.example.com");
});

test("credentials are recognised by their value: token shapes, URL passwords, secret-named fields", () => {
  assert.equal(secretValueKind("sk-proj-abcdefghijklmnop1234"), "an OpenAI or Anthropic API key");
  assert.equal(secretValueKind("postgres://admin:pw@db/x"), "a URL with a password");
  for (const harmless of ["python:3.12-slim", "INFO", "my-registry/keyboard:latest", "https://http-intake.logs.datadoghq.com", "30"]) {
    assert.equal(secretValueKind(harmless), undefined, harmless);
    assert.equal(maskSecretsInText(harmless), harmless, harmless);
  }
  assert.equal(maskSecretsInText("https://bob:pw@s.example.com"), "https://bob:****@s.example.com");
  assert.equal(maskSecretsInText("https://x/?api_key=abc123&b=2"), "https://x/?api_key=****&b=2");
});

test("a credential under a harmless name: masked everywhere, with a warning on the file that holds it", () => {
  const files = { [PY]: '[tool.kitaru.image.environment]\nOPENAI = "sk-proj-abcdefghijklmnop1234"\nDB = "postgres://admin:hunter2@db/x"\n' };
  const r = resolveConfiguration(memoryHost(files, { KITARU_SERVER_URL: "https://bob:hunter2hunter2@s.example.com", KITARU_AUTH_TOKEN: "kat_abcdefghijkl", KITARU_PROJECT: "p" }), { workspace: "/w" });
  const text = JSON.stringify(r);
  for (const secret of ["abcdefghijklmnop1234", "hunter2"]) assert.ok(!text.includes(secret), secret);
  assert.equal(r.settings["image.environment.DB"]?.value, "postgres://admin:****@db/x");
  assert.equal(r.settings.server_url?.value, "https://bob:****@s.example.com");
  assert.equal(r.settings.server_url?.masked, true);
  const warnings = r.problems.filter((p) => p.code === "secret-in-file").map((p) => p.message);
  assert.equal(warnings.length, 2);
  assert.match(warnings.join("\n"), /redacts image.environment only by name/);
});

test("any error in [tool.kitaru] refuses all of it: none of its values apply", () => {
  const r = table('stack = "prod"\ncache = true\nretries = -1');
  assert.equal(r.tableRefused, true);
  assert.equal(r.values.size, 0);
  const res = resolveConfiguration(memoryHost({ [PY]: '[tool.kitaru]\nstack = 42\ncache = true\n' }), { workspace: "/w" });
  assert.equal(res.settings.cache?.source, "default");
  assert.match(res.looked.find((l) => l.role === "pyproject")!.note, /refuses all of it/);
});

test("tool = 5 is refused (tomllib gives Kitaru a non-table [tool])", () => {
  const r = analyzePyproject(PY, "tool = 5\n");
  assert.equal(r.refused, true);
  assert.match(r.problems[0]!.message, /tool must be a table/);
  assert.deepEqual(r.problems[0]!.span?.start, { line: 1, column: 1 });
});

test("the nearest pyproject.toml stops the search even when it cannot be read (a directory); a looping link does not", () => {
  const host = memoryHost({ [PY]: '[tool.kitaru]\nstack = "outer"\n' });
  const dirHost = { ...host, readText: (p: string) => (p === "/w/sub/pyproject.toml" ? (() => { throw Object.assign(new Error("EISDIR"), { code: "EISDIR" }); })() : host.readText(p)) };
  const r = resolveConfiguration(dirHost, { workspace: "/w", cwd: "sub" });
  assert.equal(r.settings.stack?.source, "default");
  assert.match(r.problems[0]!.message, /nearest pyproject.toml, but it cannot be read \(it is a directory\)/);
  const loopHost = { ...host, readText: (p: string) => (p === "/w/sub/pyproject.toml" ? (() => { throw Object.assign(new Error("ELOOP"), { code: "ELOOP" }); })() : host.readText(p)) };
  const l = resolveConfiguration(loopHost, { workspace: "/w", cwd: "sub" });
  assert.equal(l.settings.stack?.value, "outer");
  assert.deepEqual(l.problems, []);
});

test("kitaru.yaml: a duplicate key's origin is its last occurrence (PyYAML keeps the last)", () => {
  const r = analyzeKitaruYaml("/c/kitaru.yaml", "log_store:\n  backend: datadog\n  endpoint: https://x.example.com\n  endpoint: https://y.example.com\n");
  const endpoint = r.values.get("log_store.endpoint");
  assert.equal(endpoint?.value, "https://y.example.com");
  assert.equal(endpoint?.origin && "line" in endpoint.origin ? endpoint.origin.line : 0, 4);
});

test("kitaru.yaml: two spellings of one alias collide (a warning); messages say mapping, not table", () => {
  const r = analyzeKitaruYaml("/c/kitaru.yaml", "model_registry:\n  aliases:\n    Fast: {model: a/b}\n    fast: {model: c/d}\n");
  assert.equal(r.problems[0]?.code, "duplicate-alias");
  assert.deepEqual(r.problems[0]?.span?.start, { line: 4, column: 5 });
  assert.equal(r.aliases[0]?.model, "c/d");
  assert.match(errors(analyzeKitaruYaml("/c/kitaru.yaml", "log_store:\n  backend: {a: 1}\n  endpoint: https://x.example.com\n"))[0]!, /not a mapping/);
});

test("KITARU_MODEL_REGISTRY is validated on its own: its default must name one of its own aliases", () => {
  const files = { "/home/alice/.config/kitaru/kitaru.yaml": "model_registry:\n  aliases:\n    a: {model: x/a}\n" };
  const alone = resolveConfiguration(memoryHost(files, { KITARU_MODEL_REGISTRY: '{"default": "a"}' }), { workspace: "/w" });
  assert.match(alone.problems[0]!.message, /KITARU_MODEL_REGISTRY must be valid JSON matching the Kitaru model registry schema/);
  const ok = resolveConfiguration(memoryHost(files, { KITARU_MODEL_REGISTRY: '{"aliases": {" B ": {"model": "y/b"}}, "default": "b"}' }), { workspace: "/w" });
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.settings.default_model?.value, "y/b");
});

test("an unquoted number in image.environment: the message quotes the very value", () => {
  assert.match(errors(table("[tool.kitaru.image.environment]\nWORKERS = 5"))[0]!, /must be a string, not the integer 5: quote it \("5"\)/);
});

test("masks keep only a kind prefix (kat_, sk-, ghp_), never the first characters of the secret itself", async () => {
  const { maskSecret } = await import("../../src/core/secrets");
  assert.equal(maskSecret("kat_abcdefghijklmnop"), "kat_****");
  assert.equal(maskSecret("sk-proj-abcdefghijklmnop"), "sk-****");
  assert.equal(maskSecret("abcdefabcdefabcdef12"), "****");
  assert.equal(maskSecret("kat_short"), "****");
});

test("runner next to stack: the fix removes runner (renaming would duplicate stack)", async () => {
  const { checkDocument } = await import("../../src/core/documentChecks");
  const { quickFixes } = await import("../../src/core/quickFixes");
  const text = '[tool.kitaru]\nstack = "a"\nrunner = "b"\n';
  const check = checkDocument(PY, text);
  const problem = check.problems.find((p) => p.code === "renamed-key")!;
  const fixes = quickFixes(check, text, problem);
  assert.deepEqual(fixes.map((f) => f.title), ["Remove runner (stack is already set)"]);
});

test("KITARU_IMAGE: a token-shaped value under a harmless name is masked and warned about", () => {
  const r = env({ KITARU_IMAGE: '{"environment": {"HF": "hf_abcdefghijklmnopqrstuvwxyz0123456789", "LOG": "INFO"}}' });
  assert.equal(r.values.get("image.environment.HF")?.masked, true);
  assert.equal(r.values.get("image.environment.LOG")?.value, "INFO");
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]!.severity, "warning");
  assert.match(r.problems[0]!.message, /environment\.HF looks like a Hugging Face token/);
  assert.ok(!JSON.stringify(r).includes("abcdefghijklmnopqrstuvwxyz0123456789"));
});

test("a token used as a URL's user name is masked; an ordinary user name is not", () => {
  assert.equal(maskSecretsInText("https://ghx0123456789abcdefXYZ@git.example.com/r.git"), "https://****@git.example.com/r.git");
  assert.equal(secretValueKind("https://ghx0123456789abcdefXYZ@git.example.com"), "a URL with a token");
  assert.equal(maskSecretsInText("ssh://git@github.com/a/b"), "ssh://git@github.com/a/b");
  assert.equal(maskSecretsInText("https://deploy-bot@host.example.com"), "https://deploy-bot@host.example.com");
});
