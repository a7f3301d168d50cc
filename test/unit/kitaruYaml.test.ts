import assert from "node:assert/strict";
import { test } from "node:test";
import { analyzeKitaruYaml } from "../../src/core/kitaruYaml";

const F = "/home/alice/.config/kitaru/kitaru.yaml";
const analyze = (text: string, likelyCommitted = false) => analyzeKitaruYaml(F, text, { likelyCommitted });

test("a valid file: values with lines, no problems", () => {
  const a = analyze("version: 1\nlog_store:\n  backend: Datadog\n  endpoint: https://http-intake.logs.datadoghq.com/\nmodel_registry:\n  aliases:\n    Fast: {model: openai/gpt-5-nano, secret: openai-creds}\n  default: fast\n");
  assert.deepEqual(a.problems, []);
  assert.equal(a.values.get("log_store.backend")?.value, "datadog");
  assert.equal(a.values.get("log_store.endpoint")?.value, "https://http-intake.logs.datadoghq.com");
  assert.deepEqual(a.aliases.map((x) => [x.alias, x.model, x.span?.start.line]), [["fast", "openai/gpt-5-nano", 7]]);
  assert.equal(a.defaultAlias?.alias, "fast");
});

test("empty and comment-only files mean defaults", () => {
  for (const text of ["", "# nothing\n", "---\n"]) {
    const a = analyze(text);
    assert.equal(a.refused, false, JSON.stringify(text));
    assert.equal(a.problems.length, 0);
  }
});

test("not a mapping, or invalid: Kitaru refuses the whole file", () => {
  for (const text of ["- a\n- b\n", "just text\n", "log_store:\n  backend: datadog\n", "log_store:\n  backend: artifact-store\n  endpoint: https://x\n", "log_store:\n  backend: datadog\n  endpoint: ftp://x\n"]) {
    const a = analyze(text);
    assert.equal(a.refused, true, text);
    assert.match(a.problems[0]!.message, /refuses the whole file/, text);
    assert.equal(a.values.size, 0, text);
  }
});

test("a default alias that does not exist refuses the file, with a suggestion", () => {
  const a = analyze("model_registry:\n  aliases:\n    fast: {model: m}\n  default: fats\n");
  assert.equal(a.refused, true);
  assert.equal(a.problems[0]?.code, "unknown-alias");
  assert.equal(a.problems[0]?.span?.start.line, 4);
  assert.deepEqual(a.problems[0]?.fix, { kind: "rename-key", to: "fast" });
});

test("YAML 1.1 as PyYAML reads it: merge keys, octal, leading-zero strings", () => {
  const merged = analyze("base: &b\n  backend: datadog\n  endpoint: https://x.example\nlog_store:\n  <<: *b\n");
  assert.equal(merged.values.get("log_store.backend")?.value, "datadog");
  assert.deepEqual(merged.problems.map((p) => p.code), ["unknown-key"]); // "base" is ignored by Kitaru
  // 0123456789 is a string in YAML 1.1 (not an octal number): a valid api_key.
  const digits = analyze("log_store:\n  backend: datadog\n  endpoint: https://x.example\n  api_key: 0123456789\n");
  assert.equal(digits.refused, false);
  // 0755 is an octal integer: not a string, so Kitaru refuses it; the fix quotes it as written.
  const octal = analyze("log_store:\n  backend: datadog\n  endpoint: https://x.example\n  api_key: 0755\n");
  assert.equal(octal.refused, true);
  assert.deepEqual(octal.problems[0]?.fix, { kind: "quote-value" });
  assert.ok(!octal.problems[0]!.message.includes("493"));
});

test("plain-text api_key: info in the config directory, warning when likely committed; never shown", () => {
  const text = "log_store:\n  backend: datadog\n  endpoint: https://x.example\n  api_key: 5c1f0e7a9b3d4c8e8f2a6b1d0c9e7f3a\n";
  assert.equal(analyze(text).problems[0]?.severity, "info");
  const committed = analyze(text, true);
  assert.equal(committed.problems[0]?.severity, "warning");
  assert.match(committed.problems[0]!.message, /KITARU_LOG_STORE_API_KEY/);
  assert.ok(!JSON.stringify({ ...committed, yaml: undefined }).includes("5c1f0e7a9b3d4c8e8f2a6b1d0c9e7f3a"));
});

test("a syntax error is one problem without the file's text", () => {
  const a = analyze("log_store:\n  backend: datadog\n  api_key: [unclosed secret-value-123\n");
  assert.equal(a.problems.length, 1);
  assert.equal(a.problems[0]?.code, "yaml-syntax");
  assert.ok(!a.problems[0]!.message.includes("secret-value-123"));
});

test("a value taken through a merge key is located where the anchored mapping writes it", () => {
  const file = "/home/alice/.config/kitaru/kitaru.yaml";
  const flow = analyzeKitaruYaml(file, "version: 1\nbase: &b {backend: datadog, endpoint: https://x.example.com}\nlog_store: {<<: *b}\n");
  assert.deepEqual(flow.problems.map((p) => p.severity), ["warning"]); // "base" is not a kitaru.yaml key
  assert.deepEqual([flow.values.get("log_store.backend")?.origin, flow.values.get("log_store.endpoint")?.origin], [
    { file, line: 2, column: 11, span: { start: { line: 2, column: 11 }, end: { line: 2, column: 18 } } },
    { file, line: 2, column: 29, span: { start: { line: 2, column: 29 }, end: { line: 2, column: 37 } } },
  ]);
  // Block style, an own key over the merged one, and an alias as the whole value.
  const block = analyzeKitaruYaml(file, "version: 1\nbase: &b\n  backend: datadog\n  endpoint: https://x.example.com\nlog_store:\n  <<: *b\n  endpoint: https://y.example.com\n");
  assert.deepEqual([block.values.get("log_store.backend")?.origin, block.values.get("log_store.endpoint")?.value], [{ file, line: 3, column: 3, span: { start: { line: 3, column: 3 }, end: { line: 3, column: 10 } } }, "https://y.example.com"]);
  assert.equal((block.values.get("log_store.endpoint")?.origin as { line: number }).line, 7);
  const whole = analyzeKitaruYaml(file, "version: 1\nbase: &b\n  backend: datadog\n  endpoint: https://x.example.com\nlog_store: *b\n");
  assert.equal((whole.values.get("log_store.endpoint")?.origin as { line: number }).line, 4);
  // `<<: [*a, *b]`: the first mapping that has the key gives it (PyYAML).
  const seq = analyzeKitaruYaml(file, "a: &a {backend: datadog}\nb: &b {backend: honeycomb, endpoint: https://x.example.com}\nlog_store:\n  <<: [*a, *b]\n");
  assert.deepEqual([seq.values.get("log_store.backend")?.value, (seq.values.get("log_store.backend")?.origin as { line: number }).line, (seq.values.get("log_store.endpoint")?.origin as { line: number }).line], ["datadog", 1, 2]);
});

test("a YAML timestamp where Kitaru expects a mapping is refused at the value", () => {
  // PyYAML reads 2001-12-14 as a date, which pydantic refuses as a model; zod took a Date for an empty object.
  for (const [text, key, line, column, expected] of [
    ["model_registry: 2001-12-14\n", "model_registry", 1, 17, "model_registry must be a mapping with aliases and/or default, not a date"],
    ["log_store: 2001-12-14\n", "log_store", 1, 12, "log_store must be a mapping with backend and endpoint, not a date"],
    ["model_registry:\n  aliases:\n    fast: 2001-12-14\n", "model_registry.aliases", 3, 11, "model_registry.aliases.fast must be a mapping with model (and optionally secret), not a date"],
  ] as const) {
    const a = analyze(text);
    assert.equal(a.refused, true, text);
    assert.deepEqual(a.problems.map((p) => [p.severity, p.code, p.key, p.span?.start.line, p.span?.start.column]), [["error", "invalid-value", key, line, column]], text);
    assert.ok(a.problems[0]!.message.startsWith(expected), a.problems[0]!.message);
  }
});
