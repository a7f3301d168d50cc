import assert from "node:assert/strict";
import { test } from "node:test";
import { analyzePyproject } from "../../src/core/pyproject";
import { PROJECT_HEADER } from "./helpers";

const F = "/ws/pyproject.toml";
const analyze = (text: string) => analyzePyproject(F, text);
const errors = (text: string) => analyze(text).problems.filter((p) => p.severity === "error");

test("values and their lines", () => {
  const a = analyze(`${PROJECT_HEADER}[tool.kitaru]\nstack = "prod"\ncache = false\nretries = 2\n`);
  assert.equal(a.hasTable, true);
  assert.deepEqual([...a.values].map(([k, v]) => [k, v.value, v.origin && "line" in v.origin ? v.origin.line : 0]), [
    ["stack", "prod", 6],
    ["cache", false, 7],
    ["retries", 2, 8],
  ]);
  assert.equal(a.problems.length, 0);
});

test("lenient values Kitaru accepts are not problems", () => {
  const a = analyze('[tool.kitaru]\ncache = "false"\nretries = "2"\n');
  assert.equal(a.problems.length, 0);
  assert.equal(a.values.get("cache")?.value, false);
  assert.equal(a.values.get("retries")?.value, 2);
  assert.equal(analyze("[tool.kitaru]\ncache = 1\nretries = 2.0\n").problems.length, 0);
});

test("invalid values are errors at the value", () => {
  const e = errors('[tool.kitaru]\ncache = "nope"\nretries = -1\nstack = 5\n');
  assert.deepEqual(e.map((p) => [p.key, p.span?.start.line, p.span?.start.column]), [
    ["cache", 2, 9],
    ["retries", 3, 11],
    ["stack", 4, 9],
  ]);
  assert.match(e[1]!.message, /0 or more/);
  assert.equal(errors("[tool.kitaru]\nretries = 2.5\n").length, 1);
});

test("runner is renamed, unknown keys warn with a suggestion, forbidden image keys are errors", () => {
  const a = analyze('[tool.kitaru]\nrunner = "k8s"\nstak = "x"\n\n[tool.kitaru.image]\nbase_imag = "python"\n');
  const byCode = Object.fromEntries(a.problems.map((p) => [p.code, p]));
  assert.equal(byCode["renamed-key"]?.severity, "error");
  assert.deepEqual(byCode["renamed-key"]?.fix, { kind: "rename-key", to: "stack" });
  assert.equal(byCode["unknown-key"]?.severity, "warning");
  assert.deepEqual(byCode["unknown-key"]?.fix, { kind: "rename-key", to: "stack" });
  assert.equal(byCode["forbidden-key"]?.severity, "error");
  assert.deepEqual(byCode["forbidden-key"]?.fix, { kind: "rename-key", to: "base_image" });
  assert.equal(byCode["forbidden-key"]?.span?.start.line, 6);
});

test("image: string, parent_image alias, environment values must be strings", () => {
  assert.equal(analyze('[tool.kitaru]\nimage = "python:3.12"\n').values.get("image.base_image")?.value, "python:3.12");
  assert.equal(analyze('[tool.kitaru.image]\nparent_image = "python:3.11"\n').values.get("image.base_image")?.value, "python:3.11");
  const e = errors("[tool.kitaru.image.environment]\nWORKERS = 4\n");
  assert.equal(e.length, 1);
  assert.equal(e[0]!.span?.start.line, 2);
  assert.match(e[0]!.message, /quote/i);
});

test("secrets in the file are warnings that name the replacement", () => {
  const a = analyze('[tool.kitaru]\nauth_token = "kat_live_7Hq2pX9vLm4R8sTnW3yZ"\n\n[tool.kitaru.image.environment]\nOPENAI_API_KEY = "sk-live-abcdefghijklmnop"\n');
  const warnings = a.problems.filter((p) => p.code === "secret-in-file");
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!.message + warnings[1]!.message, /KITARU_AUTH_TOKEN/);
  assert.match(warnings[0]!.message + warnings[1]!.message, /secret_environment_from/);
  assert.ok(!JSON.stringify(a).includes("kat_live_7Hq2pX9vLm4R8sTnW3yZ"));
  assert.ok(!JSON.stringify([...a.values]).includes("sk-live-abcdefghijklmnop"));
});

test("every way of writing [tool.kitaru] gives the same result", () => {
  const forms = {
    table: '[tool.kitaru]\nstack = "prod"\nretries = 2\n\n[tool.kitaru.image]\nbase_image = "python:3.12"\n',
    dotted: 'tool.kitaru.stack = "prod"\ntool.kitaru.retries = 2\ntool.kitaru.image.base_image = "python:3.12"\n',
    inline: '[tool]\nkitaru = { stack = "prod", retries = 2, image = { base_image = "python:3.12" } }\n',
    quoted: '[ "tool" . \'kitaru\' ]\nstack = "prod"\nretries = 2\n[tool."kitaru".image]\nbase_image = "python:3.12"\n',
    dottedUnderTool: '[tool]\nkitaru.stack = "prod"\nkitaru.retries = 2\nkitaru.image.base_image = "python:3.12"\n',
  };
  for (const [form, text] of Object.entries(forms)) {
    const a = analyze(text);
    assert.deepEqual(Object.fromEntries([...a.values].map(([k, v]) => [k, v.value])), { stack: "prod", retries: 2, "image.base_image": "python:3.12" }, form);
    assert.equal(a.problems.length, 0, form);
    const stackLine = (a.values.get("stack")?.origin as { line: number }).line;
    assert.equal(text.split("\n")[stackLine - 1]!.includes("stack"), true, form);
  }
});

test("text that only looks like a table is not one", () => {
  const a = analyze('[project]\ndescription = """\n[tool.kitaru]\nstack = "prod"\n"""\n# [tool.kitaru]\n');
  assert.equal(a.hasTable, false);
  assert.equal(a.values.size, 0);
});

test("a byte-order mark makes Kitaru refuse the file", () => {
  const a = analyze('\uFEFF[tool.kitaru]\nstack = "prod"\n');
  assert.equal(a.refused, true);
  assert.equal(a.problems[0]?.code, "file-bom");
  assert.match(a.problems[0]!.message, /refuse/);
});

test("a syntax error is one problem at the parser's position", () => {
  const a = analyze('[tool.kitaru]\nstack = "prod\nretries = 2\n');
  assert.equal(a.problems.length, 1);
  assert.equal(a.problems[0]?.code, "toml-syntax");
  assert.equal(a.problems[0]?.span?.start.line, 2);
  assert.equal(errors("[tool.kitaru]\nstack = 1\nstack = 2\n").length, 1);
});

test("columns count UTF-16 units and CRLF line ends", () => {
  const a = analyze('[project]\r\ndescription = "Agent für 🚀"\r\n[tool.kitaru]\r\ncache = "nope" # é\r\n');
  const p = a.problems[0]!;
  assert.deepEqual(p.span, { start: { line: 4, column: 9 }, end: { line: 4, column: 15 } });
  const b = analyze('[tool.kitaru]\r\nimage = { base_image = "🚀", bad = 1 }\r\n');
  const forbidden = b.problems.find((x) => x.code === "forbidden-key")!;
  // `bad` sits after an astral character, which counts as two UTF-16 units.
  assert.equal(forbidden.span?.start.column, '  image = { base_image = "🚀", '.length - 1);
});

test("server_url and project in pyproject are read but unused: warnings", () => {
  const a = analyze('[tool.kitaru]\nserver_url = "https://x"\nproject = "p"\n');
  assert.deepEqual(a.problems.map((p) => [p.code, p.severity]), [["unused-connection-key", "warning"], ["unused-connection-key", "warning"]]);
  assert.equal(a.values.size, 0);
});

test("a TOML date or time is refused wherever Kitaru expects a table, string, number or bool, at the value", () => {
  // zod's object schemas take a JS Date for an object with no keys; pydantic refuses a date as ImageSettings.
  for (const value of ["1979-05-27T07:32:00", "1979-05-27T07:32:00Z", "1979-05-27", "07:32:00"]) {
    const a = analyze(`[tool.kitaru]\nstack = "prod"\nimage = ${value}\n`);
    assert.equal(a.tableRefused, true, value);
    assert.equal(a.values.size, 0, value);
    const [e, ...rest] = a.problems;
    assert.equal(rest.length, 0, value);
    assert.equal(e!.code, "invalid-value");
    assert.equal(e!.key, "image");
    assert.deepEqual(e!.span, { start: { line: 3, column: 9 }, end: { line: 3, column: 9 + value.length } });
    assert.match(e!.message, /^tool\.kitaru\.image must be a base image string or an ImageSettings table, not a date\. Kitaru refuses \[tool\.kitaru\]/);
  }
  // Every other setting already refused one; kept so that none slips through.
  for (const [line, key] of [
    ["stack = 1979-05-27", "stack"],
    ["cache = 1979-05-27", "cache"],
    ["retries = 07:32:00", "retries"],
    ["image.base_image = 1979-05-27", "image.base_image"],
    ["image.environment = 1979-05-27", "image.environment"],
    ["image.environment.A = 1979-05-27", "image.environment.A"],
    ["image.requirements = [1979-05-27]", "image.requirements"],
    ["image.requirements = 1979-05-27", "image.requirements"],
    ["image.replicate_local_python_environment = 1979-05-27", "image.replicate_local_python_environment"],
    ["image.secret_environment_from = [1979-05-27]", "image.secret_environment_from"],
  ] as const) {
    const a = analyze(`[tool.kitaru]\n${line}\n`);
    assert.equal(a.tableRefused, true, line);
    assert.deepEqual(a.problems.map((p) => [p.code, p.key, p.span?.start.line, p.span?.start.column]), [["invalid-value", key, 2, line.indexOf("=") + 3]], line);
    assert.match(a.problems[0]!.message, /not a date\. Kitaru refuses \[tool\.kitaru\]/, line);
  }
});
