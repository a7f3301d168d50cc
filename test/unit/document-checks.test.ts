// What the editor shows on a pyproject.toml / kitaru.yaml (checkDocument):
// each rule with its exact range, severity and code; every way of writing
// [tool.kitaru] giving the same result; overridden hints; a hidden BOM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkDocument, kitaruFileKind, type DocumentCheck } from "../../src/core/documentChecks";
import { LineIndex } from "../../src/core/positions";
import type { Problem } from "../../src/core/problems";
import { applyEdits, quickFixes } from "../../src/core/quickFixes";
import { resolveConfiguration } from "../../src/core/resolve";
import type { Span } from "../../src/core/types";
import { memoryHost, PROJECT_HEADER } from "./helpers";

const PY = "/ws/pyproject.toml";
const YAML = "/home/alice/.config/kitaru/kitaru.yaml";

/** `line:col-line:col severity code`: compact and exact. */
function rows(check: DocumentCheck): string[] {
  return check.problems.map((p) => `${at(p.span)} ${p.severity} ${p.code}`);
}
function at(s: Span | undefined): string {
  return s ? `${s.start.line}:${s.start.column}-${s.end.line}:${s.end.column}` : "-";
}
function textAt(text: string, s: Span | undefined): string {
  if (!s) return "";
  const index = new LineIndex(text);
  return text.slice(index.offset(s.start), index.offset(s.end));
}

test("file kinds go by name, as Kitaru's lookups do", () => {
  assert.equal(kitaruFileKind("/a/pyproject.toml"), "pyproject");
  assert.equal(kitaruFileKind("C:\\a\\kitaru.yaml"), "kitaru-yaml");
  assert.equal(kitaruFileKind("/a/kitaru.yml"), undefined);
  assert.equal(kitaruFileKind("/a/mypyproject.toml"), undefined);
});

test("a valid file shows nothing: lenient values, image table, comments that look like tables", () => {
  const text = `${PROJECT_HEADER}# [tool.kitaru]\n# runner = "x"\ndoc = """\n[tool.kitaru]\nrunner = 1\n"""\n\n[tool.kitaru]\nstack = "prod"\ncache = "false"\nretries = "2"\n\n[tool.kitaru.image]\nparent_image = "python:3.12-slim"\nrequirements = ["httpx"]\nsecret_environment_from = ["openai-creds"]\nreplicate_local_python_environment = "yes"\n\n[tool.kitaru.image.environment]\nLOG_LEVEL = "INFO"\n`;
  assert.deepEqual(rows(checkDocument(PY, text)), []);
  const yaml = "version: 1\nlog_store:\n  backend: DataDog\n  endpoint: https://http-intake.logs.datadoghq.com/\nmodel_registry:\n  aliases:\n    fast: &fast {model: openai/gpt-5-nano, secret: openai-creds}\n    Slow:\n      <<: *fast\n      model: openai/gpt-5\n  default: slow\n";
  assert.deepEqual(rows(checkDocument(YAML, yaml, { likelyCommitted: false })), []);
});

test("pyproject errors: each at its key or value, with its code", () => {
  const text = `${PROJECT_HEADER}[tool.kitaru]\nrunner = "k8s"\nstack = 5\ncache = "nope"\nretries = -1\n\n[tool.kitaru.image]\nbase_imge = "python:3.12"\n\n[tool.kitaru.image.environment]\nWORKERS = 4\n`;
  const check = checkDocument(PY, text);
  assert.deepEqual(rows(check), [
    "6:1-6:7 error renamed-key",
    "7:9-7:10 error invalid-value",
    "8:9-8:15 error invalid-value",
    "9:11-9:13 error invalid-value",
    "12:1-12:10 error forbidden-key",
    "15:11-15:12 error invalid-value",
  ]);
  assert.deepEqual(check.problems.map((p) => textAt(text, p.span)), ["runner", "5", '"nope"', "-1", "base_imge", "4"]);
  const messages = check.problems.map((p) => p.message);
  assert.match(messages[0]!, /runner was renamed to stack/);
  assert.match(messages[1]!, /stack must be a string .* not the integer 5/);
  assert.match(messages[3]!, /retries must be 0 or more, not -1/);
  assert.match(messages[4]!, /does not allow "base_imge" \(did you mean "base_image"\?\)/);
  assert.match(messages[5]!, /WORKERS must be a string, not the integer 4: quote it \("4"\)/);
});

test("files Kitaru refuses as a whole: BOM, syntax error, kitaru.yaml not a mapping, unknown default alias", () => {
  const bom = checkDocument(PY, '\uFEFF[tool.kitaru]\nstack = "prod"\n');
  assert.deepEqual(rows(bom), ["1:1-1:2 error file-bom"]);
  assert.match(bom.problems[0]!.message, /Kitaru will refuse the whole file/);
  const syntax = checkDocument(PY, '[tool.kitaru]\nstack = "a" x\nretries = -1\n');
  assert.deepEqual(rows(syntax), ["2:13-2:14 error toml-syntax"], "one diagnostic, at the parser's position");
  assert.ok(syntax.refused);
  assert.deepEqual(rows(checkDocument(YAML, "- a\n- b\n")), ["1:1-3:1 error not-a-mapping"]);
  const alias = checkDocument(YAML, "model_registry:\n  aliases:\n    fast: {model: a/b}\n  default: fsat\n");
  assert.deepEqual(rows(alias), ["4:12-4:16 error unknown-alias"]);
  assert.match(alias.problems[0]!.message, /did you mean "fast"\?.*Kitaru refuses the whole file/);
  assert.deepEqual(rows(checkDocument(YAML, "a: [1, 2\nb: 3\n")), ["2:1-2:2 error yaml-syntax"]);
});

test("warnings: ignored keys with did-you-mean, unused connection keys, secrets in files", () => {
  const text = `[tool.kitaru]\nstak = "x"\nserver_url = "https://kitaru.example.com"\nproject = "p"\nauth_token = "kat_0123456789abcdef"\n\n[tool.kitaru.image.environment]\nOPENAI_API_KEY = "sk-live-secret"\n`;
  const check = checkDocument(PY, text);
  assert.deepEqual(rows(check), ["2:1-2:5 warning unknown-key", "3:1-3:11 warning unused-connection-key", "4:1-4:8 warning unused-connection-key", "5:1-5:11 warning secret-in-file", "8:1-8:15 warning secret-in-file"]);
  const m = check.problems.map((p) => p.message);
  assert.match(m[0]!, /Did you mean "stack"\?/);
  assert.match(m[1]!, /KITARU_SERVER_URL/);
  assert.match(m[3]!, /KITARU_AUTH_TOKEN/);
  assert.match(m[4]!, /secret_environment_from/);
  for (const p of check.problems) {
    assert.doesNotMatch(p.message, /kat_0123|sk-live/, "no secret in a message");
  }
  const yaml = "log_stor: 1\nlog_store:\n  backend: datadog\n  endpoint: https://x.example.com\n  api_key: abcdefabcdefabcdefab\n";
  const y = checkDocument("/ws/kitaru.yaml", yaml, { likelyCommitted: true });
  assert.deepEqual(rows(y), ["1:1-1:9 warning unknown-key", "5:3-5:10 warning secret-in-file"]);
  assert.match(y.problems[1]!.message, /KITARU_LOG_STORE_API_KEY/);
  // In the config directory Kitaru documents a plain-text key: a note, not a warning.
  assert.deepEqual(rows(checkDocument(YAML, yaml, { likelyCommitted: false })), ["1:1-1:9 warning unknown-key", "5:3-5:10 info secret-in-file"]);
});

test("CRLF line ends and non-ASCII text: UTF-16 columns", () => {
  const text = '[tool]\r\n# Größe 🚀\r\nkitaru = { image = "ü🚀", retries = -1, stak = "é" }\r\n';
  const check = checkDocument(PY, text);
  assert.deepEqual(rows(check), ["3:37-3:39 error invalid-value", "3:41-3:45 warning unknown-key"]);
  assert.deepEqual(check.problems.map((p) => textAt(text, p.span)), ["-1", "stak"]);
  const yaml = 'log_stör: 1\r\nlog_store:\r\n  backend: "🚀x"\r\n  endpoint: https://x.example.com\r\n';
  const y = checkDocument("/ws/kitaru.yaml", yaml);
  assert.deepEqual(rows(y), ["1:1-1:9 warning unknown-key", "3:12-3:17 error invalid-value"]);
});

test("a BOM VS Code hides from the text is still reported, and positions stay on the editor's text", () => {
  const text = '[tool.kitaru]\nrunner = "x"\n';
  const check = checkDocument(PY, text, { bomOnDisk: true });
  assert.deepEqual(rows(check), ["1:1-1:2 error file-bom", "2:1-2:7 error renamed-key"]);
  assert.equal(check.tableSpan?.start.column, 2, "[tool.kitaru] header positions are not shifted by the hidden BOM");
  // A BOM already in the text is not doubled.
  assert.deepEqual(rows(checkDocument(PY, "\uFEFF" + text, { bomOnDisk: true })), ["1:1-1:2 error file-bom", "2:1-2:7 error renamed-key"]);
});

// Every way of writing [tool.kitaru], with the same problems in each.
const FORMS: Record<string, string> = {
  table: `[tool.kitaru]\nrunner = "k8s"\nstak = "x"\nretries = -1\nserver_url = "https://a.example.com"\n\n[tool.kitaru.image]\nbase_imge = "py"\n\n[tool.kitaru.image.environment]\nWORKERS = 4\nAPI_TOKEN = "t"\n`,
  "dotted keys": `tool.kitaru.runner = "k8s"\ntool.kitaru.stak = "x"\ntool.kitaru.retries = -1\ntool.kitaru.server_url = "https://a.example.com"\ntool.kitaru.image.base_imge = "py"\ntool.kitaru.image.environment.WORKERS = 4\ntool.kitaru.image.environment.API_TOKEN = "t"\n`,
  "dotted under [tool]": `[tool]\nkitaru.runner = "k8s"\nkitaru.stak = "x"\nkitaru.retries = -1\nkitaru.server_url = "https://a.example.com"\nkitaru.image.base_imge = "py"\nkitaru.image.environment = { WORKERS = 4, API_TOKEN = "t" }\n`,
  "inline table": `[tool]\nkitaru = { runner = "k8s", stak = "x", retries = -1, server_url = "https://a.example.com", image = { base_imge = "py", environment = { WORKERS = 4, API_TOKEN = "t" } } }\n`,
  "quoted and spaced headers": `[ "tool" . 'kitaru' ]\n"runner" = "k8s"\n'stak' = "x"\nretries = -1\n"server_url" = "https://a.example.com"\n\n[ tool . "kitaru" . image ]\nbase_imge = "py"\n\n["tool".kitaru."image"."environment"]\nWORKERS = 4\n"API_TOKEN" = "t"\n`,
};

/** Top-level dotted keys must come before the first [table] header (after it they would belong to that table). */
function compose(name: string, body: string): string {
  return name === "dotted keys" ? `${body}\n${PROJECT_HEADER}` : PROJECT_HEADER + body;
}

function summary(text: string, check: DocumentCheck) {
  return check.problems.map((p) => ({ severity: p.severity, code: p.code, key: p.key, message: p.message, at: textAt(text, p.span).replace(/^["']|["']$/g, "") }));
}

test("every [tool.kitaru] form gives the same problems, at the same words", () => {
  const results = Object.entries(FORMS).map(([name, body]) => {
    const text = compose(name, body);
    return { name, got: summary(text, checkDocument(PY, text)).sort((a, b) => a.code.localeCompare(b.code) || a.message.localeCompare(b.message)) };
  });
  const [first, ...rest] = results;
  assert.equal(first!.got.length, 7);
  assert.deepEqual(first!.got.map((g) => g.at).sort(), ["-1", "4", "API_TOKEN", "base_imge", "runner", "server_url", "stak"]);
  for (const r of rest) assert.deepEqual(r.got, first!.got, `form "${r.name}" differs from "${first!.name}"`);
});

test("every quick fix, in every form, leaves valid TOML and removes its problem", () => {
  for (const [name, body] of Object.entries(FORMS)) {
    const text = compose(name, body);
    const check = checkDocument(PY, text);
    let fixes = 0;
    for (const problem of check.problems) {
      for (const fix of quickFixes(check, text, problem)) {
        fixes++;
        const after = applyEdits(text, fix.edits);
        const again = checkDocument(PY, after);
        const what = `${name}: "${fix.title}"`;
        assert.ok(!again.refused, `${what} broke the file:\n${after}`);
        assert.ok(!again.problems.some((p) => p.code === problem.code && p.key === problem.key && p.message === problem.message), `${what} did not remove the problem`);
        assert.equal(again.problems.length, check.problems.length - 1, `${what} changed other problems:\n${after}`);
      }
    }
    // rename runner, rename stak, remove stak, remove server_url, rename base_imge, remove base_imge, quote WORKERS
    assert.equal(fixes, 7, name);
  }
});

test("overridden right now: an information hint naming the winner, on the value", () => {
  const files = { [PY]: `${PROJECT_HEADER}[tool.kitaru]\nstack = "prod"\nretries = 2\n[tool.kitaru.image]\nbase_image = "python:3.12"\n` };
  const host = memoryHost(files, { KITARU_STACK: "gpu", KITARU_IMAGE: '{"base_image": "python:3.13"}', KITARU_CONFIG_PATH: "/home/alice/.config/kitaru" });
  const resolution = resolveConfiguration(host, { workspace: "/ws" });
  const check = checkDocument(PY, files[PY]!, { resolution });
  assert.equal(check.readByKitaru, true);
  const hints = check.problems.filter((p) => p.code === "overridden");
  assert.deepEqual(hints.map((h) => `${at(h.span)} ${h.severity} ${h.key}`), ["6:9-6:15 info stack", "9:14-9:27 info image.base_image"]);
  assert.equal(hints[0]!.message, 'stack = "prod" is overridden by KITARU_STACK (environment), which sets "gpu".');
  assert.equal(hints[1]!.message, 'image.base_image = "python:3.12" is overridden by KITARU_IMAGE (environment), which sets "python:3.13".');
  // Not the file Kitaru reads (a nested project's runs read their own): no hints.
  const other = checkDocument("/ws/sub/pyproject.toml", files[PY]!, { resolution });
  assert.equal(other.readByKitaru, false);
  assert.deepEqual(other.problems, []);
});

test("overridden in kitaru.yaml: the log store by KITARU_LOG_STORE_*, the default alias by KITARU_DEFAULT_MODEL", () => {
  const yaml = "log_store:\n  backend: datadog\n  endpoint: https://x.example.com\nmodel_registry:\n  aliases:\n    fast: {model: openai/a}\n  default: fast\n";
  const host = memoryHost({ [YAML]: yaml }, { KITARU_DEFAULT_MODEL: "anthropic/claude", KITARU_LOG_STORE_BACKEND: "artifact-store" });
  const resolution = resolveConfiguration(host, { workspace: "/ws" });
  const check = checkDocument(YAML, yaml, { resolution, likelyCommitted: false });
  assert.deepEqual(
    check.problems.map((p) => `${at(p.span)} ${p.severity} ${p.code}: ${p.message}`),
    [
      '2:12-2:19 info overridden: log_store.backend = "datadog" is overridden by KITARU_LOG_STORE_BACKEND (environment), which sets "artifact-store".',
      "3:13-3:34 info overridden: log_store.endpoint = \"https://x.example.com\" is overridden by KITARU_LOG_STORE_BACKEND (environment).",
      '7:12-7:16 info overridden: model_registry.default = "fast" is overridden by KITARU_DEFAULT_MODEL (environment), which sets "anthropic/claude".',
    ],
  );
});

test("a refused file gets no overridden hints (none of its values apply)", () => {
  const text = '[tool.kitaru]\nstack = "prod"\nstack = "x"\n';
  const host = memoryHost({ [PY]: text }, { KITARU_STACK: "gpu" });
  const check = checkDocument(PY, text, { resolution: resolveConfiguration(host, { workspace: "/ws" }) });
  assert.deepEqual(rows(check), ["3:1-3:2 error toml-syntax"]);
});

test("problems carry no fix text that could hold a secret", () => {
  const check = checkDocument(YAML, "log_store:\n  backend: datadog\n  endpoint: https://x.example.com\n  api_key: 12345678\n");
  const p = check.problems.find((x) => x.code === "invalid-value") as Problem;
  assert.deepEqual(p.fix, { kind: "quote-value" });
  assert.doesNotMatch(JSON.stringify(check.problems), /12345678/);
});
