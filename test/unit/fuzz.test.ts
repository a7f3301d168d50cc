/**
 * Property and fuzz tests over the resolution core: random and mutated pyproject.toml,
 * kitaru.yaml, ZenML config.yaml / credentials.yaml, environment maps, env files and Python
 * modules. For every input: nothing throws, the resolution returns, every problem's range lies
 * inside its file's text, and no planted secret appears in any returned text except masked.
 *
 * `npm test` runs a fixed seed and few runs; `npm run fuzz` (scripts/fuzz.mjs) many more with a
 * random seed it prints. Replay a failure with FUZZ_SEED=<seed> (and FUZZ_RUNS=<runs>).
 * A failure report never shows a planted secret: see `redacted` and `assertProperty`.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { checkDocument, type DocumentCheck } from "../../src/core/documentChecks";
import { analyzeEnvFile, envFileProblems } from "../../src/core/envFile";
import { MAX_MODULE_BYTES, tooLargeProblemFor } from "../../src/core/flowIndex";
import { formatCheck, formatResolution } from "../../src/core/format";
import { buildFrozenSpec, formatFrozenSpec, frozenSpecJson } from "../../src/core/frozenSpec";
import type { EnvOrigin, Host } from "../../src/core/host";
import { hoverAt } from "../../src/core/hoverInfo";
import { LineIndex } from "../../src/core/positions";
import type { Problem } from "../../src/core/problems";
import { readPythonModule } from "../../src/core/python/reader";
import { cachedModuleReader, memoModuleReader, moduleProblems } from "../../src/core/pythonLayers";
import { resolveConfiguration, type Resolution } from "../../src/core/resolve";
import { maskSecretsInText } from "../../src/core/secrets";
import { plainTextSecretProblems } from "../../src/core/secretStatus";
import { resolutionJson } from "../../src/core/serialize";
import type { Span } from "../../src/core/types";

// ── Runs and seed ────────────────────────────────────────────────────────────

/** FUZZ_RUNS scales every property (npm run fuzz); without it, the bounded runs of the unit step. */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS) || 0;
const SEED = process.env.FUZZ_SEED !== undefined && process.env.FUZZ_SEED !== "" ? Number(process.env.FUZZ_SEED) : 20_260_101;
const runs = (unitRuns: number) => (FUZZ_RUNS > 0 ? FUZZ_RUNS : unitRuns);

const ROOT = path.resolve(__dirname, "..", "..");
const WS = "/ws";
const HOME = "/home/alice";
const CONFIG = `${HOME}/.config/kitaru`;
const PYPROJECT = `${WS}/pyproject.toml`;
const KITARU_YAML = `${CONFIG}/kitaru.yaml`;
const CONFIG_YAML = `${CONFIG}/config.yaml`;
const CREDENTIALS = `${CONFIG}/credentials.yaml`;
const REPO_CONFIG = `${WS}/.kitaru/config.yaml`;
const DOTENV = `${WS}/.env`;
const MODULE = `${WS}/src/app/flows.py`;

// ── Planted secrets ──────────────────────────────────────────────────────────

/**
 * A secret planted in an input. `literal` is what is written (and what makes it recognisable:
 * `https://bob:PW@host`), `body` the part that must never come back in clear.
 */
interface Planted {
  kind: string;
  literal: string;
  body: string;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const alnum = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...ALNUM), minLength: min, maxLength: max });
/** Random bodies always mix letters and digits so they cannot occur by chance in other text. */
const body = (n: number) => alnum(n, n).map((s) => `${s.slice(0, -2)}Q7`);

/** Secrets recognisable by their value, whatever key or variable holds them. */
const shapedSecret: fc.Arbitrary<Planted> = fc.oneof(
  body(24).map((b) => ({ kind: "kat_ key", literal: `kat_${b}`, body: b })),
  body(32).map((b) => ({ kind: "sk- key", literal: `sk-${b}`, body: b })),
  body(32).map((b) => ({ kind: "sk-proj- key", literal: `sk-proj-${b}`, body: b })),
  body(36).map((b) => ({ kind: "ghp_ token", literal: `ghp_${b}`, body: b })),
  fc.tuple(body(18), fc.constantFrom("db.example", "kitaru.acme.dev:8080", "10.0.0.7")).map(([b, host]) => ({ kind: "URL password", literal: `https://bob:${b}@${host}/v1`, body: b })),
);

/** A value that is a secret only because of where it is written (auth_token, api_key, *_PASSWORD). */
const namedSecret: fc.Arbitrary<Planted> = fc.oneof(
  { weight: 3, arbitrary: body(22).map((b) => ({ kind: "named value", literal: b, body: b })) },
  { weight: 1, arbitrary: shapedSecret },
);

/** Where a secret is intact in the input: every occurrence of its body sits in its literal, after a non-word character. */
function intactIn(input: string, s: Planted): boolean {
  const occurrences = (text: string, part: string) => text.split(part).length - 1;
  const n = occurrences(input, s.body);
  if (n === 0 || n !== occurrences(input, s.literal)) return false;
  for (let i = input.indexOf(s.literal); i >= 0; i = input.indexOf(s.literal, i + 1)) {
    if (i > 0 && /[A-Za-z0-9_]/.test(input[i - 1]!)) return false;
  }
  return true;
}

/** A text safe to print: planted secrets replaced by a placeholder, then anything credential-shaped masked. */
function redacted(text: string, secrets: readonly Planted[]): string {
  let out = text;
  for (const [i, s] of secrets.entries()) out = out.split(s.body).join(`<planted secret #${i} (${s.kind})>`);
  return maskSecretsInText(out);
}

// ── Inputs ───────────────────────────────────────────────────────────────────

interface FuzzCase {
  /** Files as bytes: the host decodes them as the real one does (invalid UTF-8 becomes U+FFFD, a BOM is kept). */
  files: Record<string, Uint8Array>;
  env: Record<string, string>;
  secrets: Planted[];
  /** A flow or call of MODULE to resolve, when the case has a module. */
  selection?: { flow?: string; call?: string };
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The Host the CLI uses, over memory: bytes decoded the same way; `.env` variables labelled with their line. */
function hostOf(c: FuzzCase): { host: Host; texts: Map<string, string> } {
  const texts = new Map<string, string>();
  for (const [file, data] of Object.entries(c.files)) texts.set(file, utf8.decode(data));
  const dirs = new Set<string>();
  for (const file of texts.keys()) {
    const parts = file.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/") || "/");
  }
  const env: Record<string, string> = { ...c.env };
  const envOrigins: Record<string, EnvOrigin> = {};
  const dotenv = texts.get(DOTENV);
  if (dotenv !== undefined) {
    for (const e of analyzeEnvFile(dotenv).entries) {
      env[e.name] = e.value;
      envOrigins[e.name] = { label: "env file .env", file: DOTENV, line: e.line };
    }
  }
  const host: Host = {
    env,
    envOrigins,
    platform: "linux",
    homedir: HOME,
    readText: (file) => texts.get(file) ?? null,
    isDirectory: (dir) => dirs.has(dir),
    stackNames: () => ({ names: new Map([["a51bf906a22146d781b8c81f8adc5097", "prod-cluster"]]) }),
  };
  return { host, texts };
}

/** Realistic seeds: the fixtures and the example project, plus small inline ones. */
function fixtureTexts(names: RegExp): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (names.test(entry.name)) out.push(fs.readFileSync(full, "utf8"));
    }
  };
  for (const dir of ["test/fixtures", "examples/research-agent"]) walk(path.join(ROOT, dir));
  return out;
}

const SEEDS = {
  pyproject: fixtureTexts(/^pyproject\.toml$/),
  kitaruYaml: [...fixtureTexts(/^kitaru\.yaml$/), "version: 1\n", "log_store:\n  backend: datadog\n  endpoint: https://http-intake.logs.datadoghq.com\n  api_key: 5c1f0e7a\n"],
  configYaml: [
    fs.readFileSync(path.join(ROOT, "examples/research-agent/.kitaru-home/config.yaml"), "utf8"),
    "active_stack_id: a51bf906-a221-46d7-81b8-c81f8adc5097\nactive_project_id: 6e23c046-6cc4-411c-8b9f-75f0c8a1a818\nstore:\n  type: rest\n  url: https://kitaru.acme.dev/\n",
    "store:\n  type: sql\n  url: sqlite:////home/alice/.config/kitaru/local_stores/default_zen_store/zenml.db\nanalytics_opt_in: true\n",
  ],
  credentials: ["https://kitaru.acme.dev:\n  url: https://kitaru.acme.dev\n  api_token:\n    access_token: eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl\n    expires_at: 2026-01-01\n"],
  dotenv: ["KITARU_STACK=prod\n# comment\nexport KITARU_RETRIES=3\nKITARU_CACHE='yes'\nKITARU_IMAGE={\"base_image\": \"python:3.12\"}\nnot a line\n"],
  python: fixtureTexts(/\.py$/).filter((t) => t.length < 20_000),
};

/** Tokens that matter to each format's parser, for splicing into a seed. */
const TOKENS = {
  toml: ["[", "]", "[[", "]]", "{", "}", "=", '"', "'", '"""', "'''", "\\", "\\u00e9", "#", ".", "\n", "\r\n", "\r", "[tool.kitaru]\n", "[tool.kitaru.image]\n", "tool.kitaru.stack = ", "runner = 1\n", "retries = -1\n", "cache = \"nope\"\n", "1979-05-27T07:32:00Z", "inf", "nan", "0x_1", "99999999999999999999999", "\u0000", "\u2028", "\t"],
  yaml: ["&a ", "*a", "<<: *a\n", "<<: ", "!!python/object:os.system ", "!!binary ", "---\n", "...\n", "? ", ": ", "- ", "[", "]", "{", "}", "|\n", ">-\n", "'", '"', "#", "%YAML 1.1\n", "\t", "0755", "0x1F", "~", "null", "yes", "on", "\n  ", "\r\n", "log_store:\n  backend: ", "model_registry:\n  aliases:\n    fast: {model: a/b}\n  default: ", "store:\n  url: "],
  python: ["@flow(", "@checkpoint(cache=", "kitaru.configure(", ".run(", ".deploy(", ")", "(", "[", "]", "{", "}", ":", "\n    ", '"""', "'''", "f\"{", "\\", "#", "lambda: ", "**opts", "*args", "retries=", "stack=", "image=kitaru.ImageSettings(environment={", "if __name__ == \"__main__\":\n", "from kitaru import flow\n", "import kitaru as k\n", "\t", "\r\n", "\u00a0", "async def f():\n", "match x:\n case 1:\n"],
  dotenv: ["=", "export ", "'", '"', "`", "#", "\n", "\r\n", "\\n", "${KITARU_STACK}", "KITARU_RETRIES=", "KITARU_AUTH_TOKEN=", "KITARU_SERVER_URL=https://k.example\n", " "],
};
type Format = keyof typeof TOKENS;

/** A line that plants a secret where the format keeps one. */
function secretLine(format: Format, s: Planted): string[] {
  switch (format) {
    case "toml":
      return [`auth_token = "${s.literal}"\n`, `stack = "${s.literal}"\n`, `[tool.kitaru.image.environment]\nHARMLESS = "${s.literal}"\nAPI_KEY = "${s.literal}"\n`, `[tool.kitaru.image]\nbase_image = "${s.literal}"\n`, `# ${s.literal}\n`, `"${s.literal}" = 1\n`, `x = '''${s.literal}'''\n`];
    case "yaml":
      return [`log_store:\n  backend: datadog\n  endpoint: https://a.example\n  api_key: ${s.literal}\n`, `api_key: "${s.literal}"\n`, `  endpoint: ${s.literal}\n`, `model_registry:\n  aliases:\n    fast: {model: "${s.literal}"}\n`, `store:\n  url: ${s.literal}\n`, `https://kitaru.acme.dev:\n  api_key: ${s.literal}\n`, `${s.literal}: 1\n`];
    case "python":
      return [`@flow(stack="${s.literal}")\ndef leak():\n    pass\n`, `kitaru.configure(image=kitaru.ImageSettings(environment={"HARMLESS": "${s.literal}", "DB_PASSWORD": "${s.literal}"}))\n`, `leak.run(stack="${s.literal}")\n`, `# ${s.literal}\n`, `@checkpoint(cache="${s.literal}")\ndef step():\n    pass\n`];
    case "dotenv":
      return [`KITARU_AUTH_TOKEN=${s.literal}\n`, `KITARU_SERVER_URL=${s.literal}\n`, `KITARU_STACK="${s.literal}"\n`, `KITARU_IMAGE={"environment": {"HARMLESS": "${s.literal}"}}\n`, `${s.literal}\n`, `KITARU_CACHE=${s.literal}\n`];
  }
}

/** Text so deeply nested that recursive parsers overflow (10,000 levels by default). */
function deepNesting(format: Format, depth: number): string {
  switch (format) {
    case "toml":
      return fc.sample(fc.constantFrom(`x = ${"[".repeat(depth)}${"]".repeat(depth)}\n`, `x = ${"{a=".repeat(depth)}1${"}".repeat(depth)}\n`, `[tool.kitaru.${Array(depth).fill("a").join(".")}]\n`, `${Array(depth).fill("k").join(".")} = 1\n`), 1)[0]!;
    case "yaml":
      return `x: ${"[".repeat(depth)}${"]".repeat(depth)}\ny: ${"{a: ".repeat(depth)}1${"}".repeat(depth)}\n${Array.from({ length: Math.min(depth, 2_000) }, (_, i) => `${" ".repeat(i)}k:`).join("\n")} 1\n`;
    case "python":
      return `x = ${"(".repeat(depth)}1${")".repeat(depth)}\n@flow(retries=${"[".repeat(depth)}${"]".repeat(depth)})\ndef deep():\n    pass\n`;
    case "dotenv":
      return `KITARU_IMAGE=${'{"environment": '.repeat(depth)}1${"}".repeat(depth)}\nKITARU_MODEL_REGISTRY=${"[".repeat(depth)}\n`;
  }
}

/** A billion-laughs alias bomb: 9 levels of 9 aliases. */
const ALIAS_BOMB = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]", ...Array.from({ length: 9 }, (_, i) => {
  const name = String.fromCharCode(98 + i);
  const prev = String.fromCharCode(97 + i);
  return `${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`;
})].join("\n") + "\n";

type Mutation = (data: Uint8Array) => Uint8Array;

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
/** An offset into `data` chosen by a fraction (so shrinking moves it towards the start). */
const at = (data: Uint8Array, f: number) => Math.floor(f * (data.length + 1)) % (data.length + 1);
const insertAt = (data: Uint8Array, f: number, piece: Uint8Array) => concat(data.slice(0, at(data, f)), piece, data.slice(at(data, f)));
const mapText = (data: Uint8Array, f: (text: string) => string) => bytes(f(utf8.decode(data)));

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** One mutation for a format; `secrets` receives the secrets it plants. */
function mutation(format: Format, secrets: fc.Arbitrary<Planted>): fc.Arbitrary<{ apply: Mutation; planted?: Planted }> {
  const plain = (apply: Mutation) => ({ apply });
  return fc.oneof(
    { weight: 4, arbitrary: fraction.map((f) => plain((d) => d.slice(0, at(d, f)))) },
    { weight: 4, arbitrary: fc.tuple(fraction, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([f, b]) => plain((d) => insertAt(d, f, b))) },
    { weight: 3, arbitrary: fc.tuple(fraction, fc.integer({ min: 0, max: 255 })).map(([f, b]) => plain((d) => { const out = d.slice(); if (out.length) out[at(d, f) % out.length] = b; return out; })) },
    { weight: 3, arbitrary: fc.tuple(fraction, fraction).map(([f, g]) => plain((d) => concat(d.slice(0, at(d, Math.min(f, g))), d.slice(at(d, Math.max(f, g)))))) },
    { weight: 3, arbitrary: fc.tuple(fraction, fraction, fraction).map(([f, g, h]) => plain((d) => insertAt(d, h, d.slice(at(d, Math.min(f, g)), at(d, Math.max(f, g)))))) },
    { weight: 6, arbitrary: fc.tuple(fraction, fc.constantFrom(...TOKENS[format])).map(([f, t]) => plain((d) => insertAt(d, f, bytes(t)))) },
    { weight: 1, arbitrary: fc.constant(plain((d) => concat(new Uint8Array([0xef, 0xbb, 0xbf]), d))) },
    { weight: 1, arbitrary: fc.constantFrom<(t: string) => string>((t) => t.replace(/\n/g, "\r\n"), (t) => t.replace(/\n/g, "\r"), (t) => t.replace(/\r?\n/g, "\u2028")).map((f) => plain((d) => mapText(d, f))) },
    { weight: 2, arbitrary: fc.tuple(fraction, fc.constantFrom([0xc3], [0xff], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xc0, 0xaf], [0x00])).map(([f, b]) => plain((d) => insertAt(d, f, new Uint8Array(b)))) },
    { weight: 2, arbitrary: fc.tuple(fraction, fc.constantFrom("9".repeat(400), "-" + "9".repeat(5_000), "1" + "0".repeat(20), "0x" + "f".repeat(64), "1e400", "1_000_000_000_000_000_000")).map(([f, n]) => plain((d) => insertAt(d, f, bytes(n)))) },
    { weight: 6, arbitrary: fc.tuple(fraction, secrets, fc.nat()).map(([f, s, i]) => ({ apply: (d: Uint8Array) => insertAt(d, f, bytes(`\n${secretLine(format, s)[i % secretLine(format, s).length]}`)), planted: s })) },
  );
}

/** Rare, expensive mutations: a 1 MB line, 10,000 levels of nesting, an alias bomb. */
function heavyMutation(format: Format): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.tuple(fraction, fc.constantFrom("x", "\"", "'", "[", "a ")).map(([f, unit]) => (d: Uint8Array) => insertAt(d, f, bytes(`\n${format === "yaml" ? "k: " : format === "dotenv" ? "KITARU_STACK=" : "k = "}${format === "toml" ? '"' : ""}${unit.repeat(Math.floor((1 << 20) / unit.length))}${format === "toml" ? '"' : ""}\n`))),
    fc.tuple(fraction, fc.constantFrom(10_000, 3_000, 200)).map(([f, depth]) => (d: Uint8Array) => insertAt(d, f, bytes(`\n${deepNesting(format, depth)}`))),
    fc.constant((d: Uint8Array) => (format === "yaml" ? concat(bytes(ALIAS_BOMB), d) : d)),
  );
}

/** A seed of the format, mutated 0–4 times (and rarely once more, expensively); the secrets it planted. */
function mutated(format: Format, seeds: readonly string[], secrets: fc.Arbitrary<Planted> = shapedSecret, heavyToo = true): fc.Arbitrary<{ data: Uint8Array; planted: Planted[] }> {
  return fc
    .record({
      seed: fc.constantFrom(...seeds),
      steps: fc.array(mutation(format, secrets), { maxLength: 4 }),
      heavy: heavyToo ? fc.option(heavyMutation(format), { freq: 40 }) : fc.constant(null),
    })
    .map(({ seed, steps, heavy }) => {
      let data = bytes(seed);
      const planted: Planted[] = [];
      for (const step of steps) {
        data = step.apply(data);
        if (step.planted) planted.push(step.planted);
      }
      if (heavy) data = heavy(data);
      return { data, planted };
    });
}

/** Random bytes, or random text, instead of a seed. */
const noise = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 200 }).map(bytes), fc.string({ unit: fc.constantFrom(..."[]{}=:'\"#\n -&*<!|>.,"), maxLength: 200 }).map(bytes));

function fileArb(format: Format, seeds: readonly string[]): fc.Arbitrary<{ data: Uint8Array; planted: Planted[] } | undefined> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: noise.map((data) => ({ data, planted: [] })) },
    { weight: 6, arbitrary: mutated(format, seeds) },
  );
}

/** Environment values: ordinary, odd, secret-looking; and variables from Kitaru's list. */
const envValue = fc.oneof(
  fc.constantFrom("", " ", "prod", " 3 ", "1_0", "-1", "3.0", "yes", "nope", "null", '"img"', "[]", "{}", '{"base_image": "python:3.12", "environment": {"X": "1"}}', '{"aliases": {"fast": {"model": "a/b"}}, "default": "fast"}', "https://k.example", "ftp://x", "~/kitaru", "relative/dir", "\u0000", "9".repeat(5_000)),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);
const ENV_NAMES = ["KITARU_STACK", "KITARU_CACHE", "KITARU_RETRIES", "KITARU_IMAGE", "KITARU_RUNNER", "KITARU_SERVER_URL", "KITARU_AUTH_TOKEN", "KITARU_PROJECT", "KITARU_DEFAULT_MODEL", "KITARU_MODEL_REGISTRY", "KITARU_LOG_STORE_BACKEND", "KITARU_LOG_STORE_ENDPOINT", "KITARU_LOG_STORE_API_KEY", "KITARU_CONFIG_PATH", "KITARU_DEBUG", "KITARU_ANALYTICS_OPT_IN", "ZENML_STORE_URL", "ZENML_STORE_API_KEY", "ZENML_STORE_PASSWORD", "ZENML_ACTIVE_STACK_ID", "ZENML_ACTIVE_PROJECT_ID", "ZENML_CONFIG_PATH", "ZENML_REPOSITORY_PATH", "XDG_CONFIG_HOME", "KITARU_UNKNOWN"];
/** Variables whose value is a secret by name. */
const SECRET_ENV_NAMES = ["KITARU_AUTH_TOKEN", "ZENML_STORE_API_KEY", "KITARU_LOG_STORE_API_KEY", "ZENML_STORE_PASSWORD"];

const envArb: fc.Arbitrary<{ env: Record<string, string>; planted: Planted[] }> = fc
  .record({
    plain: fc.dictionary(fc.constantFrom(...ENV_NAMES), envValue, { maxKeys: 6 }),
    secretNamed: fc.array(fc.tuple(fc.constantFrom(...SECRET_ENV_NAMES), namedSecret), { maxLength: 2 }),
    shaped: fc.array(fc.tuple(fc.constantFrom("KITARU_STACK", "KITARU_SERVER_URL", "ZENML_STORE_URL", "KITARU_PROJECT", "KITARU_DEFAULT_MODEL", "KITARU_LOG_STORE_ENDPOINT", "KITARU_CACHE", "KITARU_RETRIES", "KITARU_IMAGE_JSON", "KITARU_MODEL_REGISTRY"), shapedSecret), { maxLength: 2 }),
  })
  .map(({ plain, secretNamed, shaped }) => {
    const env: Record<string, string> = { ...plain };
    const planted: Planted[] = [];
    for (const [name, s] of secretNamed) {
      env[name] = s.literal;
      planted.push(s);
    }
    for (const [name, s] of shaped) {
      if (name === "KITARU_IMAGE_JSON") env.KITARU_IMAGE = JSON.stringify({ base_image: "python:3.12", environment: { HARMLESS: s.literal, OPENAI_API_KEY: s.literal } });
      else if (name === "KITARU_MODEL_REGISTRY") env[name] = JSON.stringify({ aliases: { fast: { model: s.literal } }, default: "fast" });
      else env[name] = s.literal;
      planted.push(s);
    }
    return { env, planted };
  });

/** A whole workspace: every file optional, mutated or noise; an environment; a flow or call of the module. */
const workspaceArb: fc.Arbitrary<FuzzCase> = fc
  .record({
    pyproject: fileArb("toml", SEEDS.pyproject),
    kitaruYaml: fileArb("yaml", SEEDS.kitaruYaml),
    configYaml: fileArb("yaml", SEEDS.configYaml),
    credentials: fileArb("yaml", SEEDS.credentials),
    repoConfig: fc.option(mutated("yaml", SEEDS.configYaml), { freq: 4 }),
    dotenv: fc.option(mutated("dotenv", SEEDS.dotenv), { freq: 2 }),
    // No 1 MB lines here: the module is resolved as `resolve --flow` reads it (no size limit), which takes seconds; the module property covers them.
    python: fc.option(mutated("python", SEEDS.python, shapedSecret, false), { freq: 2 }),
    env: envArb,
    line: fc.integer({ min: 1, max: 80 }),
    byCall: fc.boolean(),
  })
  .map((r) => {
    const files: Record<string, Uint8Array> = {};
    const secrets: Planted[] = [...r.env.planted];
    const put = (file: string, f: { data: Uint8Array; planted: Planted[] } | null | undefined) => {
      if (!f) return;
      files[file] = f.data;
      secrets.push(...f.planted);
    };
    put(PYPROJECT, r.pyproject);
    put(KITARU_YAML, r.kitaruYaml);
    put(CONFIG_YAML, r.configYaml);
    put(CREDENTIALS, r.credentials);
    put(REPO_CONFIG, r.repoConfig);
    put(DOTENV, r.dotenv);
    put(MODULE, r.python);
    let selection: FuzzCase["selection"];
    if (r.python) {
      // A flow the module really defines (or a name it does not), or a call line.
      const summary = readPythonModule(utf8.decode(r.python.data));
      const flow = summary.flows[r.line % Math.max(1, summary.flows.length)]?.name ?? "missing";
      selection = r.byCall ? { call: `src/app/flows.py:${summary.flowCalls[r.line % Math.max(1, summary.flowCalls.length)]?.span.start.line ?? r.line}` } : { flow: `src/app/flows.py:${flow}` };
    }
    return { files, env: r.env.env, secrets, ...(selection ? { selection } : {}) };
  });

// ── What is checked ──────────────────────────────────────────────────────────

/** Every problem with a range: the range is inside its file's text (editor lines: LF, CRLF or CR), start <= end. */
function assertPositions(problems: readonly Problem[], texts: ReadonlyMap<string, string>, where: string): void {
  for (const p of problems) {
    if (!p.span) continue;
    assert.ok(p.file !== undefined, `${where}: a ${p.code} problem has a range but no file`);
    const text = texts.get(p.file);
    assert.ok(text !== undefined, `${where}: a ${p.code} problem has a range in ${p.file}, which the host does not hold`);
    assertSpan(p.span, text, `${where}: ${p.code} in ${p.file}`);
  }
}

function assertSpan(span: Span, text: string, where: string): void {
  const index = new LineIndex(text);
  const lineLength = (line: number) => {
    const start = index.offset({ line, column: 1 });
    const next = line < index.lineCount ? index.offset({ line: line + 1, column: 1 }) : text.length;
    let end = next;
    if (line < index.lineCount) end -= text.charCodeAt(next - 2) === 13 && text.charCodeAt(next - 1) === 10 ? 2 : 1;
    return end - start;
  };
  for (const [name, pos] of [["start", span.start], ["end", span.end]] as const) {
    assert.ok(Number.isInteger(pos.line) && pos.line >= 1 && pos.line <= index.lineCount, `${where}: ${name} line ${pos.line} is outside the file's ${index.lineCount} lines`);
    assert.ok(Number.isInteger(pos.column) && pos.column >= 1 && pos.column <= lineLength(pos.line) + 1, `${where}: ${name} column ${pos.column} is outside line ${pos.line} (length ${lineLength(pos.line)})`);
  }
  assert.ok(span.start.line < span.end.line || (span.start.line === span.end.line && span.start.column <= span.end.column), `${where}: range starts after it ends (${span.start.line}:${span.start.column} > ${span.end.line}:${span.end.column})`);
}

/** No planted secret, intact in the input, in any output text. Reports where, never what. */
function assertNoLeak(outputs: Record<string, string>, input: string, secrets: readonly Planted[]): void {
  for (const [i, s] of secrets.entries()) {
    if (!intactIn(input, s)) continue;
    for (const [name, text] of Object.entries(outputs)) {
      const hit = text.indexOf(s.body);
      if (hit < 0) continue;
      const context = redacted(text.slice(Math.max(0, hit - 80), hit + s.body.length + 40), secrets);
      throw new Error(`planted secret #${i} (${s.kind}) is in clear in ${name}: …${context}…`);
    }
  }
}

/** The texts a resolution gives the CLI and the editor: the JSON contract, the text output, check, secrets, the frozen spec. */
function resolutionTexts(r: Resolution): Record<string, string> {
  const spec = buildFrozenSpec(r);
  return {
    "resolve --json": JSON.stringify(resolutionJson(r)),
    "resolve (text)": formatResolution(r, { color: false }),
    "check (text)": formatCheck(r, { color: false }),
    "problems": JSON.stringify(r.problems),
    "settings": JSON.stringify(r.settings),
    "secrets": JSON.stringify(r.secrets),
    "secret warnings": JSON.stringify(plainTextSecretProblems(r.secrets, { workspace: r.workspace, ignored: () => false, platform: "linux" })),
    "pyproject values": JSON.stringify([...(r.pyproject?.values ?? [])]),
    "kitaru.yaml values": JSON.stringify([[...(r.kitaruYaml?.values ?? [])], r.kitaruYaml?.aliases, r.kitaruYaml?.plainApiKey]),
    "frozen spec": JSON.stringify(frozenSpecJson(spec)) + formatFrozenSpec(spec, { method: "run" }),
  };
}

/** The editor's texts for one open file: diagnostics, and the hover at every key and value. */
function documentTexts(check: DocumentCheck, text: string): Record<string, string> {
  const hovers: string[] = [];
  const index = new LineIndex(text);
  for (const entry of check.entries.slice(0, 200)) {
    for (const span of [entry.keySpan, entry.valueSpan]) {
      assertSpan(span, text, `entry ${entry.path.join(".")}`);
      const hover = hoverAt(check, span.start);
      if (hover) {
        assertSpan(hover.span, text, "hover");
        hovers.push(hover.markdown);
      }
    }
  }
  for (let line = 1; line <= Math.min(index.lineCount, 60); line++) {
    const hover = hoverAt(check, { line, column: 3 });
    if (hover) hovers.push(hover.markdown);
  }
  return { diagnostics: JSON.stringify(check.problems), hovers: hovers.join("\n") };
}

/** fc.assert with the seed, and a failure report that names the input's files and never shows a planted secret. */
function assertProperty<T extends { secrets: Planted[] }>(arb: fc.Arbitrary<T>, predicate: (value: T) => void, numRuns: number, describe: (value: T) => string): void {
  // Shrinking re-runs expensive inputs (1 MB lines, deep nesting): only on request (FUZZ_SHRINK=1).
  // FUZZ_PROFILE=1: name the inputs that take over half a second (to keep the unit step fast).
  const timed = (value: T) => {
    const start = Date.now();
    predicate(value);
    const ms = Date.now() - start;
    if (process.env.FUZZ_PROFILE === "1" && ms > 500) console.log(`slow (${ms} ms): ${redacted(describe(value), value.secrets).slice(0, 300)}`);
  };
  const details = fc.check(fc.property(arb, timed), { seed: SEED, numRuns, endOnFailure: process.env.FUZZ_SHRINK !== "1" });
  if (!details.failed) return;
  const value = details.counterexample?.[0];
  const error = details.errorInstance as Error | undefined;
  const message = error?.message ?? String(details.errorInstance);
  const secrets = value?.secrets ?? [];
  throw new Error(
    [
      `Property failed after ${details.numRuns} runs (seed ${details.seed}, path "${details.counterexamplePath}"; replay: FUZZ_SEED=${details.seed}).`,
      `Error: ${redacted(message, secrets)}`,
      `Where it was thrown: ${redacted((error?.stack ?? "").split("\n").slice(1, 6).join(" | "), secrets)}`,
      `Input (planted secrets replaced): ${value ? redacted(describe(value), secrets) : "(none)"}`,
    ].join("\n"),
  );
}

const shown = (data: Uint8Array) => {
  const text = utf8.decode(data);
  return text.length > 600 ? `${JSON.stringify(text.slice(0, 300))} … (${text.length} characters) … ${JSON.stringify(text.slice(-200))}` : JSON.stringify(text);
};
const describeCase = (c: FuzzCase) =>
  [...Object.entries(c.files).map(([f, d]) => `${f}: ${shown(d)}`), `env: ${JSON.stringify(c.env).slice(0, 2_000)}`, `selection: ${JSON.stringify(c.selection)}`].join("\n");

// ── Properties ───────────────────────────────────────────────────────────────

test("fuzz: a workspace of mutated files and a random environment resolves, places its problems in its files, leaks no secret", { timeout: FUZZ_RUNS > 0 ? Infinity : 600_000 }, () => {
  assertProperty(
    workspaceArb,
    (c) => {
      const { host, texts } = hostOf(c);
      const input = [...texts.values(), ...Object.values(host.env)].join("\n");
      const r = resolveConfiguration(host, { workspace: WS, ...(c.selection ?? {}) });
      assert.equal(r.version, 1);
      assert.ok(r.settings.retries, "the built-in layer always answers retries");
      assertPositions(r.problems, texts, "resolution");
      const outputs = resolutionTexts(r);
      const dotenv = texts.get(DOTENV);
      if (dotenv !== undefined) {
        const problems = envFileProblems(DOTENV, ".env", { analysis: analyzeEnvFile(dotenv) });
        assertPositions(problems, texts, ".env");
        outputs[".env problems"] = JSON.stringify(problems);
      }
      assertNoLeak(outputs, input, c.secrets);
    },
    runs(120),
    describeCase,
  );
});

test("fuzz: an open pyproject.toml or kitaru.yaml, mutated, gets diagnostics and hovers inside its text, without secrets", { timeout: FUZZ_RUNS > 0 ? Infinity : 600_000 }, () => {
  const arb = fc
    .record({
      yaml: fc.boolean(),
      toml: mutated("toml", SEEDS.pyproject),
      kitaruYaml: mutated("yaml", SEEDS.kitaruYaml),
      bomOnDisk: fc.boolean(),
      env: envArb,
    })
    .map((r) => ({ ...r, secrets: [...(r.yaml ? r.kitaruYaml.planted : r.toml.planted), ...r.env.planted] }));
  assertProperty(
    arb,
    (c) => {
      const file = c.yaml ? KITARU_YAML : PYPROJECT;
      const text = utf8.decode(c.yaml ? c.kitaruYaml.data : c.toml.data);
      const host = hostOf({ files: { [file]: bytes(text) }, env: c.env.env, secrets: [] }).host;
      const resolution = resolveConfiguration(host, { workspace: WS });
      // The editor strips a BOM from the document; bomOnDisk says it is on the disk.
      const shownText = c.bomOnDisk && text.startsWith("\uFEFF") ? text.slice(1) : text;
      const check = checkDocument(file, shownText, { resolution, bomOnDisk: c.bomOnDisk && text.startsWith("\uFEFF") });
      assertPositions(check.problems, new Map([[file, shownText]]), "document check");
      assertNoLeak({ ...documentTexts(check, shownText), ...resolutionTexts(resolution) }, text + JSON.stringify(c.env.env), c.secrets);
    },
    runs(120),
    (c) => `${c.yaml ? "kitaru.yaml" : "pyproject.toml"}: ${shown(c.yaml ? c.kitaruYaml.data : c.toml.data)}\nbomOnDisk: ${c.bomOnDisk}\nenv: ${JSON.stringify(c.env.env).slice(0, 1_000)}`,
  );
});

test("fuzz: a mutated Python module is read, checked and resolved per flow and call, inside its text, without secrets", { timeout: FUZZ_RUNS > 0 ? Infinity : 600_000 }, () => {
  const arb = fc.record({ module: mutated("python", SEEDS.python), line: fc.integer({ min: 1, max: 200 }) }).map((r) => ({ ...r, secrets: r.module.planted }));
  assertProperty(
    arb,
    (c) => {
      const text = utf8.decode(c.module.data);
      const texts = new Map([[MODULE, text]]);
      if (text.length > MAX_MODULE_BYTES) {
        // The editor and `check` do not read such a module (the reader would take seconds): they say so, inside the file.
        assertPositions([tooLargeProblemFor(MODULE, text.length)], texts, "module too large");
        return;
      }
      const summary = readPythonModule(text);
      for (const e of summary.syntaxErrors) assertSpan(e.span, text, "syntax error");
      const problems = moduleProblems(MODULE, summary, { calls: summary.flowCalls });
      assertPositions(problems, texts, "module problems");
      const host = hostOf({ files: { [MODULE]: c.module.data }, env: {}, secrets: [] }).host;
      const outputs: Record<string, string> = { "module problems": JSON.stringify(problems) };
      // One parse of the module for all of its resolutions, as the editor's index does.
      const readModule = memoModuleReader(cachedModuleReader(host));
      const selections = [
        ...summary.flows.slice(0, 3).map((f) => ({ flow: `src/app/flows.py:${f.name}` })),
        ...summary.flowCalls.slice(0, 3).map((call) => ({ call: `src/app/flows.py:${call.span.start.line}` })),
        { call: `src/app/flows.py:${c.line}` },
      ];
      for (const selection of selections) {
        const r = resolveConfiguration(host, { workspace: WS, ...selection, readModule });
        assertPositions(r.problems, texts, `resolution of ${JSON.stringify(selection)}`);
        for (const [name, out] of Object.entries(resolutionTexts(r))) outputs[`${name} of ${JSON.stringify(selection)}`] = out;
      }
      assertNoLeak(outputs, text, c.secrets);
    },
    runs(60),
    (c) => `module: ${shown(c.module.data)}\nline: ${c.line}`,
  );
});

test("fuzz: secrets under secret names (auth_token, api_key, *_PASSWORD, tokens in credentials.yaml) never come back in clear", { timeout: FUZZ_RUNS > 0 ? Infinity : 600_000 }, () => {
  const arb = fc
    .record({
      token: namedSecret,
      apiKey: namedSecret,
      envKey: namedSecret,
      credential: namedSecret,
      envVar: fc.constantFrom(...SECRET_ENV_NAMES),
      imageName: fc.constantFrom("OPENAI_API_KEY", "DB_PASSWORD", "HF_TOKEN", "AWS_SECRET_ACCESS_KEY", "auth"),
      quoted: fc.boolean(),
      broken: fc.boolean(),
      pyFlow: fc.boolean(),
      dotenv: fc.boolean(),
    })
    .map((r) => {
      const q = (s: string) => (r.quoted ? JSON.stringify(s) : s);
      const pyproject = `[project]\nname = "x"\n\n[tool.kitaru]\nstack = "prod"\nauth_token = "${r.token.literal}"\n${r.broken ? "retries = -1\n" : ""}\n[tool.kitaru.image.environment]\n${r.imageName} = "${r.envKey.literal}"\n`;
      const kitaruYaml = `log_store:\n  backend: datadog\n  endpoint: ${r.broken ? "nope" : "https://http-intake.logs.datadoghq.com"}\n  api_key: ${q(r.apiKey.literal)}\n`;
      const config = `store:\n  type: rest\n  url: https://kitaru.acme.dev\n`;
      const credentials = `https://kitaru.acme.dev:\n  url: https://kitaru.acme.dev\n  ${r.broken ? "api_token:\n    access_token" : "api_key"}: ${q(r.credential.literal)}\n`;
      const module = `import kitaru\nfrom kitaru import flow\n\nkitaru.configure(image=kitaru.ImageSettings(environment={"${r.imageName}": "${r.envKey.literal}"}))\n\n@flow(image={"environment": {"${r.imageName}": "${r.token.literal}"}})\ndef f():\n    pass\n\nf.run(stack="x")\n`;
      const files: Record<string, Uint8Array> = { [PYPROJECT]: bytes(pyproject), [KITARU_YAML]: bytes(kitaruYaml), [CONFIG_YAML]: bytes(config), [CREDENTIALS]: bytes(credentials), [MODULE]: bytes(module) };
      const env: Record<string, string> = {};
      if (r.dotenv) files[DOTENV] = bytes(`${r.envVar}=${r.credential.literal}\nKITARU_IMAGE={"environment": {"${r.imageName}": "${r.apiKey.literal}"}}\n`);
      else Object.assign(env, { [r.envVar]: r.credential.literal, KITARU_IMAGE: JSON.stringify({ environment: { [r.imageName]: r.apiKey.literal } }) });
      const c: FuzzCase = { files, env, secrets: [r.token, r.apiKey, r.envKey, r.credential], selection: r.pyFlow ? { flow: "src/app/flows.py:f" } : { call: "src/app/flows.py:11" } };
      return c;
    });
  assertProperty(
    arb,
    (c) => {
      const { host, texts } = hostOf(c);
      const r = resolveConfiguration(host, { workspace: WS, ...c.selection });
      assertPositions(r.problems, texts, "resolution");
      const outputs = resolutionTexts(r);
      for (const file of [PYPROJECT, KITARU_YAML]) {
        const check = checkDocument(file, texts.get(file)!, { resolution: r });
        assertPositions(check.problems, texts, `check of ${file}`);
        for (const [name, out] of Object.entries(documentTexts(check, texts.get(file)!))) outputs[`${name} of ${file}`] = out;
      }
      // Every planted secret is intact here (nothing mutates the files), so every one is checked.
      const input = [...texts.values(), ...Object.values(host.env)].join("\n");
      for (const s of c.secrets) assert.ok(intactIn(input, s), "the generator writes each secret intact");
      assertNoLeak(outputs, input, c.secrets);
    },
    runs(80),
    describeCase,
  );
});

// ── The checks themselves can fail ───────────────────────────────────────────

test("the fuzz checks catch what they look for: a range outside the file, a secret in clear; the report hides the secret", () => {
  const texts = new Map([["/f", "ab\r\ncd\n"]]);
  const problem = (line: number, column: number): Problem => ({ severity: "error", code: "invalid-value", message: "m", file: "/f", span: { start: { line, column }, end: { line, column } } });
  assertPositions([problem(2, 3), problem(3, 1)], texts, "ok");
  assert.throws(() => assertPositions([problem(4, 1)], texts, "t"), /outside the file's 3 lines/);
  assert.throws(() => assertPositions([problem(1, 4)], texts, "t"), /column 4 is outside line 1/);
  assert.throws(() => assertPositions([{ ...problem(2, 1), span: { start: { line: 2, column: 2 }, end: { line: 2, column: 1 } } }], texts, "t"), /starts after it ends/);
  const secret: Planted = { kind: "kat_ key", literal: `kat_${"A1".repeat(12)}`, body: "A1".repeat(12) };
  assert.throws(() => assertNoLeak({ out: `token ${secret.literal} here` }, `x = "${secret.literal}"`, [secret]), (e: Error) => /planted secret #0 \(kat_ key\) is in clear in out/.test(e.message) && !e.message.includes(secret.body));
  assert.doesNotThrow(() => assertNoLeak({ out: "token kat_**** here" }, `x = "${secret.literal}"`, [secret]));
  // A secret the mutations broke (its prefix gone) is no longer one: not checked.
  assert.doesNotThrow(() => assertNoLeak({ out: secret.body }, `x = "kXt_${secret.body}"`, [secret]));
  // A failing property reports seed and path, and the input with the secret replaced.
  const arb = fc.constant({ secrets: [secret] as Planted[], text: secret.literal });
  assert.throws(
    () => assertProperty(arb, (v) => assert.fail(`saw ${v.text}`), 3, (v) => v.text),
    (e: Error) => /seed \d+, path/.test(e.message) && e.message.includes("<planted secret #0 (kat_ key)>") && !e.message.includes(secret.body),
  );
});
