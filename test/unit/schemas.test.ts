// The shipped JSON Schemas: up to date with the zod definitions, exactly as
// strict as the core (the strict ones), and never failing (the editor ones).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { getStaticTOMLValue, parseTOML } from "toml-eslint-parser";
import { analyzePyproject } from "../../src/core/pyproject";
import { analyzeKitaruYaml } from "../../src/core/kitaruYaml";
import { schemaFiles } from "../../src/core/schemaFiles";
import { parseYaml11, yamlValue } from "../../src/core/yaml11";
import { schemaKeys } from "../../src/core/schema";
import { IMAGE_FIELDS, KITARU_YAML_KEYS, TOOL_KITARU_KEYS } from "../../src/core/settingKeys";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const load = (rel: string) => JSON.parse(fs.readFileSync(path.join(ROOT, rel), "utf8")) as object;
const ajv = () => new Ajv({ strict: false, allErrors: true });

test("the committed schemas are what the zod definitions generate (run `npm run schemas` if not)", () => {
  for (const [rel, text] of Object.entries(schemaFiles())) {
    const file = path.join(ROOT, rel);
    assert.ok(fs.existsSync(file), `${rel} is missing`);
    assert.equal(fs.readFileSync(file, "utf8"), text, `${rel} is stale`);
  }
});

test("package.json contributes the editor schemas to Red Hat YAML and Even Better TOML", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const yaml = pkg.contributes.yamlValidation as { fileMatch: string; url: string }[];
  const toml = pkg.contributes.tomlValidation as { regexMatch: string; url: string }[];
  assert.deepEqual(yaml.map((y) => y.url), ["./schemas/editor/kitaru-yaml.schema.json"]);
  assert.deepEqual(toml.map((t) => t.url), ["./schemas/editor/pyproject-kitaru.schema.json"]);
  for (const { url } of [...yaml, ...toml]) assert.ok(fs.existsSync(path.join(ROOT, url)), url);
  const re = new RegExp(toml[0]!.regexMatch);
  assert.ok(re.test("file:///home/a/proj/pyproject.toml"));
  assert.ok(!re.test("file:///home/a/proj/pyproject.toml.bak"));
  assert.ok(!re.test("file:///home/a/proj/mypyproject.toml"));
  // The package ships them (the .vscodeignore allow-list re-includes schemas/**).
  assert.match(fs.readFileSync(path.join(ROOT, ".vscodeignore"), "utf8"), /^!schemas\/\*\*$/m);
});

/** [tool.kitaru] bodies: the core's verdict (any error) must equal the strict schema's. */
const TABLES = [
  'stack = "prod"',
  "stack = 5",
  "stack = 1979-05-27",
  'cache = "false"',
  'cache = " YES "',
  "cache = 1",
  "cache = 2",
  'cache = "nope"',
  'retries = "2"',
  "retries = 2.0",
  "retries = 2.5",
  "retries = -1",
  "retries = 99999999999999999999",
  'retries = "3.0"',
  "retries = true",
  'image = "python:3.12-slim"',
  "image = 5",
  'unknown_key = "ignored"',
  'runner = "k8s"',
  '[tool.kitaru.image]\nbase_image = "x"\nparent_image = "y"\nsecret_environment_from = ["a"]\nreplicate_local_python_environment = "yes"',
  '[tool.kitaru.image]\nbase_imge = "x"',
  '[tool.kitaru.image]\nrequirements = "requirements.txt"',
  '[tool.kitaru.image]\napt_packages = "git"',
  '[tool.kitaru.image.environment]\nLOG_LEVEL = "INFO"',
  "[tool.kitaru.image.environment]\nWORKERS = 4",
  'server_url = "https://x"\nproject = "p"\nauth_token = "t"',
  'stack = ""',
  'stack = " prod "',
  'auth_token = " "',
  'server_url = "ftp://x"',
  'image = "  "',
  '[tool.kitaru.image]\nrequirements = ["httpx", " "]',
  '[tool.kitaru.image]\nparent_image = "y"',
];

test("the strict [tool.kitaru] schema agrees with the core on every case", () => {
  const validate = ajv().compile(load("schemas/tool-kitaru.schema.json"));
  const editor = ajv().compile(load("schemas/editor/pyproject-kitaru.schema.json"));
  for (const body of TABLES) {
    const text = `[tool.kitaru]\n${body}\n`;
    const core = analyzePyproject("/p/pyproject.toml", text);
    const coreOk = !core.problems.some((p) => p.severity === "error");
    const doc = getStaticTOMLValue(parseTOML(text)) as { tool: { kitaru: unknown } };
    const schemaOk = validate(doc.tool.kitaru);
    assert.equal(schemaOk, coreOk, `${JSON.stringify(body)}: core ${coreOk ? "accepts" : "refuses"}, schema ${schemaOk ? "accepts" : "refuses"} ${JSON.stringify(validate.errors)}`);
    assert.ok(editor(doc), `the editor schema must never fail (${body})`);
  }
});

const YAMLS = [
  "version: 1",
  "",
  "log_store:\n  backend: datadog\n  endpoint: https://http-intake.logs.datadoghq.com/",
  "log_store:\n  backend: DataDog\n  endpoint: https://x.example.com\n  api_key: abc",
  "log_store:\n  backend: artifact-store\n  endpoint: https://x.example.com",
  "log_store:\n  backend: datadog\n  endpoint: ftp://x.example.com",
  "log_store:\n  backend: datadog",
  "log_store:\n  backend: datadog\n  endpoint: https://x.example.com\n  api_key: 12345",
  'log_store:\n  backend: datadog\n  endpoint: https://x.example.com\n  api_key: ""',
  "model_registry:\n  aliases:\n    Fast: {model: openai/gpt-5-nano, secret: openai-creds}\n  default: fast",
  "model_registry:\n  aliases:\n    _bad: {model: a/b}",
  "model_registry:\n  aliases:\n    fast: {secret: s}",
  "model_registry:\n  aliases:\n    base: &b {model: openai/a}\n    slow: {<<: *b, secret: s}",
  "other_tool: {anything: 1}",
  "log_store: null",
  "model_registry:\n  aliases: null",
  "model_registry:\n  aliases:\n    a: {model: '  '}",
  "model_registry:\n  aliases:\n    fast: {model: a/b}\n  default: ' Fast '",
  "version: '1'",
  "version: 1.5",
];

test("the strict kitaru.yaml schema agrees with the core on every case", () => {
  const validate = ajv().compile(load("schemas/kitaru-yaml.schema.json"));
  const editor = ajv().compile(load("schemas/editor/kitaru-yaml.schema.json"));
  for (const text of YAMLS) {
    const core = analyzeKitaruYaml("/c/kitaru.yaml", text + "\n", { likelyCommitted: false });
    const coreOk = !core.problems.some((p) => p.severity === "error");
    const data = yamlValue(parseYaml11(text + "\n")) ?? {};
    const schemaOk = validate(data);
    assert.equal(schemaOk, coreOk, `${JSON.stringify(text)}: core ${coreOk ? "accepts" : "refuses"}, schema ${schemaOk ? "accepts" : "refuses"} ${JSON.stringify(validate.errors)}`);
    assert.ok(editor(data), `the editor schema must never fail (${text})`);
  }
});

test("the editor schemas hold no assertion keyword (so Red Hat YAML / Even Better TOML never add a second diagnostic)", () => {
  const assertions = /"(type|const|enum|pattern|minimum|maximum|minLength|required|propertyNames|not|additionalProperties|anyOf|oneOf|allOf|format)":/;
  for (const rel of ["schemas/editor/pyproject-kitaru.schema.json", "schemas/editor/kitaru-yaml.schema.json"]) {
    assert.doesNotMatch(fs.readFileSync(path.join(ROOT, rel), "utf8"), assertions, rel);
  }
  // They still describe every key (completion and hover).
  const py = load("schemas/editor/pyproject-kitaru.schema.json") as { properties: { tool: { properties: { kitaru: { properties: Record<string, { properties?: object }> } } } } };
  const kitaru = py.properties.tool.properties.kitaru.properties;
  assert.deepEqual(Object.keys(kitaru).sort(), ["auth_token", "cache", "image", "project", "retries", "runner", "server_url", "stack"]);
  assert.ok(Object.keys(kitaru.image!.properties ?? {}).includes("secret_environment_from"));
});

test("the plain key lists of settingKeys.ts are the schemas' keys, in order", () => {
  assert.deepEqual([...IMAGE_FIELDS], schemaKeys.image);
  assert.deepEqual([...TOOL_KITARU_KEYS], schemaKeys.toolKitaru);
  assert.deepEqual([...KITARU_YAML_KEYS], schemaKeys.kitaruYaml);
});
