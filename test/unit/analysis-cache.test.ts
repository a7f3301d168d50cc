// kitaru-config keeps its analyses of pyproject.toml, kitaru.yaml and config.yaml
// between runs (src/core/analysisCache.ts). A warm run must answer exactly as a
// cold one and as one without the cache, and the file must never hold a secret.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { AnalysisCache, cachesDisabled, decode, encode, hash64 } from "../../src/core/analysisCache";
import { userCacheFile } from "../../src/core/userCache";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const CLI = path.join(ROOT, "dist", "cli.js");
const CASES = path.join(ROOT, "test", "conformance", "cases");

function tempDir(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-analysis-cache-")));
}

/** Values as analyses hold them, and what user data can put in them (objects with a "$" key). */
const analysisValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.double(), fc.constantFrom(-0, Number.NaN, Infinity, -Infinity), fc.integer(), fc.bigInt(), fc.date()),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("$", "v", "__proto__")), tie("value"), { maxKeys: 4, noNullPrototype: true }),
    fc.array(fc.tuple(fc.string(), tie("value")), { maxLength: 3 }).map((entries) => new Map(entries)),
  ),
})).value;

test("encode/decode: Maps, Dates, BigInts, NaN, ±Infinity, -0 and objects with a \"$\" key come back as they were", () => {
  fc.assert(
    fc.property(analysisValue, (value) => {
      assert.deepStrictEqual(decode(encode(value)), value);
    }),
    { seed: 20261204, numRuns: 500 },
  );
});

test("hash64: 16 hex digits; one changed character or a longer text changes it", () => {
  assert.match(hash64("stack = \"prod\"\n"), /^[0-9a-f]{16}$/);
  assert.notEqual(hash64("stack = \"prod\"\n"), hash64("stack = \"prd\"\n"));
  assert.notEqual(hash64("a"), hash64("a\0"));
  assert.equal(hash64("ünïcode ✓"), hash64("ünïcode ✓"));
});

test("a stored analysis is found by the next process for the same file, text, arguments and build, and only then", () => {
  const dir = tempDir();
  const file = path.join(dir, "cache", "analyses.json");
  const result = { file: "/p/pyproject.toml", values: new Map([["retries", { value: 2 }]]), problems: [] };
  const first = new AnalysisCache(file, "build-1");
  assert.equal(first.get("pyproject.toml", "/p/pyproject.toml", "retries = 2", ""), undefined);
  first.set("pyproject.toml", "/p/pyproject.toml", "retries = 2", "", result);
  first.save();
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);

  const next = new AnalysisCache(file, "build-1");
  assert.deepStrictEqual(next.get("pyproject.toml", "/p/pyproject.toml", "retries = 2", ""), result);
  assert.equal(next.get("pyproject.toml", "/p/pyproject.toml", "retries = 3", ""), undefined, "another text");
  assert.equal(next.get("pyproject.toml", "/q/pyproject.toml", "retries = 2", ""), undefined, "another file");
  assert.equal(next.get("pyproject.toml", "/p/pyproject.toml", "retries = 2", '[{"strict":true}]'), undefined, "other arguments");
  assert.equal(next.get("kitaru.yaml", "/p/pyproject.toml", "retries = 2", ""), undefined, "another analysis");
  assert.equal(new AnalysisCache(file, "build-2").get("pyproject.toml", "/p/pyproject.toml", "retries = 2", ""), undefined, "another build");
});

test("an edited file replaces its entry; the file keeps at most 64 entries; nothing is written when nothing was added", () => {
  const dir = tempDir();
  const file = path.join(dir, "analyses.json");
  const cache = new AnalysisCache(file, "b");
  for (let version = 0; version < 5; version++) cache.set("pyproject.toml", "/p/pyproject.toml", `retries = ${version}`, "", { version });
  for (let i = 0; i < 100; i++) cache.set("pyproject.toml", `/p${i}/pyproject.toml`, "x", "", { i });
  cache.save();
  const stored = JSON.parse(fs.readFileSync(file, "utf8").split("\n")[1]!) as { entries: [string, unknown][] };
  assert.equal(stored.entries.length, 64);
  assert.equal(stored.entries.filter(([key]) => key.includes("\0/p/pyproject.toml\0")).length, 0, "the oldest went first");
  assert.deepStrictEqual(stored.entries.at(-1)![1], { i: 99 });

  const before = fs.statSync(file).mtimeMs;
  const reader = new AnalysisCache(file, "b");
  assert.deepStrictEqual(reader.get("pyproject.toml", "/p99/pyproject.toml", "x", ""), { i: 99 });
  fs.utimesSync(file, new Date(1000), new Date(1000));
  reader.save();
  assert.equal(fs.statSync(file).mtimeMs, 1000, "a run that only read did not write");
  assert.notEqual(before, 1000);
});

test("a damaged, foreign or unreadable cache file is a miss, never an error, and a save replaces it", () => {
  const dir = tempDir();
  const good = path.join(dir, "good.json");
  const writer = new AnalysisCache(good, "b");
  writer.set("kitaru.yaml", "/c/kitaru.yaml", "version: 1", "", { refused: false });
  writer.save();
  const text = fs.readFileSync(good, "utf8");
  const variants: Record<string, string | Buffer> = {
    "cut off": text.slice(0, text.length - 10),
    "length line wrong": text.replace(/^\d+/, "7"),
    "not JSON": `5\n{oops`,
    empty: "",
    binary: Buffer.from([0, 255, 1, 254, 10, 0]),
    "unknown tag": (() => {
      const payload = JSON.stringify({ format: 1, build: "b", entries: [["k", { $: "function", v: "x" }]] });
      return `${payload.length}\n${payload}`;
    })(),
  };
  for (const [name, data] of Object.entries(variants)) {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, data);
    const cache = new AnalysisCache(file, "b");
    assert.equal(cache.get("kitaru.yaml", "/c/kitaru.yaml", "version: 1", ""), undefined, name);
    cache.set("kitaru.yaml", "/c/kitaru.yaml", "version: 1", "", { refused: false });
    cache.save();
    assert.deepStrictEqual(new AnalysisCache(file, "b").get("kitaru.yaml", "/c/kitaru.yaml", "version: 1", ""), { refused: false }, `${name}: rewritten`);
  }
  // A directory, a FIFO (reading it would block) and a file in a read-only directory.
  const asDirectory = path.join(dir, "directory");
  fs.mkdirSync(asDirectory);
  const fifo = path.join(dir, "fifo");
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
  const readOnly = path.join(dir, "read-only");
  fs.mkdirSync(readOnly, { mode: 0o500 });
  for (const file of [asDirectory, fifo, path.join(readOnly, "sub", "analyses.json")]) {
    const cache = new AnalysisCache(file, "b");
    assert.equal(cache.get("kitaru.yaml", "/c/kitaru.yaml", "version: 1", ""), undefined);
    cache.set("kitaru.yaml", "/c/kitaru.yaml", "version: 1", "", { refused: false });
    assert.doesNotThrow(() => cache.save());
  }
});

test("KITARU_CONFIG_NO_CACHE: any value but empty or 0 turns the caches off", () => {
  assert.equal(cachesDisabled({}), false);
  assert.equal(cachesDisabled({ KITARU_CONFIG_NO_CACHE: "" }), false);
  assert.equal(cachesDisabled({ KITARU_CONFIG_NO_CACHE: "0" }), false);
  assert.equal(cachesDisabled({ KITARU_CONFIG_NO_CACHE: "1" }), true);
  assert.equal(cachesDisabled({ KITARU_CONFIG_NO_CACHE: "yes" }), true);
});

interface ConformanceCase {
  id?: string;
  files?: Record<string, string>;
  env?: Record<string, string>;
  cwd?: string;
  flow?: string;
  call?: string;
  forbidOutput?: string[];
  platform?: string;
}

test("kitaru-config on every conformance case: the same bytes without the cache, with a cold one and a warm one; the warm run writes nothing; no forbidden text in the cache", () => {
  assert.ok(fs.existsSync(CLI), "dist/cli.js is missing: run npm run build");
  let warmHits = 0;
  for (const name of fs.readdirSync(CASES).filter((f) => f.endsWith(".json")).sort()) {
    const c = JSON.parse(fs.readFileSync(path.join(CASES, name), "utf8")) as ConformanceCase;
    if (c.platform && c.platform !== process.platform) continue;
    const tmp = tempDir();
    const vars: Record<string, string> = { TMP: tmp, WORKSPACE: path.join(tmp, "ws"), HOME: path.join(tmp, "home") };
    const expand = (text: string) => text.replace(/\$\{(WORKSPACE|HOME|TMP)\}/g, (_, k: string) => vars[k]!);
    try {
      fs.mkdirSync(vars.WORKSPACE!, { recursive: true });
      fs.mkdirSync(vars.HOME!, { recursive: true });
      for (const [raw, text] of Object.entries(c.files ?? {})) {
        const file = expand(raw);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text.startsWith("base64:") ? Buffer.from(text.slice(7), "base64") : Buffer.from(text, "utf8"));
      }
      const cacheHome = path.join(tmp, "cache-home");
      const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: vars.HOME!, LANG: "C.UTF-8" };
      for (const [k, v] of Object.entries(c.env ?? {})) env[k] = expand(v);
      const cwd = path.join(vars.WORKSPACE!, c.cwd ?? "");
      fs.mkdirSync(cwd, { recursive: true });
      const args = [CLI, "resolve", "--workspace", vars.WORKSPACE!, "--cwd", cwd, ...(c.flow ? ["--flow", c.flow] : []), ...(c.call ? ["--call", c.call] : []), "--json"];
      const run = (extra: Record<string, string>) => {
        const r = spawnSync(process.execPath, args, { cwd, env: { ...env, ...extra }, encoding: "utf8" });
        return `exit ${r.status}\n${r.stdout}\n${r.stderr}`;
      };
      const uncached = run({ KITARU_CONFIG_NO_CACHE: "1", XDG_CACHE_HOME: cacheHome });
      assert.equal(fs.existsSync(cacheHome), false, `${name}: KITARU_CONFIG_NO_CACHE wrote ${cacheHome}`);
      const cold = run({ XDG_CACHE_HOME: cacheHome });
      const cacheFile = path.join(cacheHome, "kitaru-config", "analyses.json");
      const written = fs.existsSync(cacheFile) ? fs.statSync(cacheFile).mtimeMs : undefined;
      const warm = run({ XDG_CACHE_HOME: cacheHome });
      assert.equal(cold, uncached, `${name}: cold cache`);
      assert.equal(warm, uncached, `${name}: warm cache`);
      if (written !== undefined) {
        warmHits++;
        assert.equal(fs.statSync(cacheFile).mtimeMs, written, `${name}: the warm run rewrote the cache (a miss)`);
        const stored = fs.readFileSync(cacheFile, "utf8");
        for (const secret of c.forbidOutput ?? []) assert.ok(!stored.includes(expand(secret)), `${name}: a forbidden text is in ${cacheFile}`);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  // Most cases have a pyproject.toml, kitaru.yaml or config.yaml: a cache that never filled would pass the rest.
  assert.ok(warmHits >= 40, `only ${warmHits} cases stored an analysis`);
});

test("secrets written in pyproject.toml, kitaru.yaml and config.yaml are never stored in the analysis cache, and a warm run answers the same", () => {
  const secrets = {
    authToken: "kat_cachesweep_7Qx2Lm9Vr4Tz",
    envKey: "sk-proj-cachesweepA1b2C3d4E5f6G7h8",
    imagePassword: "imgPassw0rd_cachesweep",
    harmlessName: "ghp_cachesweep1234567890abcdefABCDEF12",
    logStoreKey: "dd_cachesweep_9f8e7d6c5b4a",
    storePassword: "storePassw0rd_cachesweep",
  };
  const tmp = tempDir();
  const ws = path.join(tmp, "ws");
  const home = path.join(tmp, "home");
  const configDir = path.join(tmp, "kitaru-home");
  fs.mkdirSync(ws, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(configDir, { recursive: true });
  fs.writeFileSync(
    path.join(ws, "pyproject.toml"),
    [
      "[project]",
      'name = "sweep"',
      "",
      "[tool.kitaru]",
      'stack = "prod"',
      `auth_token = "${secrets.authToken}"`,
      "",
      "[tool.kitaru.image]",
      `base_image = "https://robot:${secrets.imagePassword}@registry.example.com/base:1"`,
      "",
      "[tool.kitaru.image.environment]",
      `OPENAI_API_KEY = "${secrets.envKey}"`,
      `NOTES = "${secrets.harmlessName}"`,
      "",
    ].join("\n"),
  );
  fs.writeFileSync(path.join(configDir, "kitaru.yaml"), `version: 1\nlog_store:\n  backend: datadog\n  endpoint: https://http-intake.logs.example.com\n  api_key: ${secrets.logStoreKey}\n`);
  fs.writeFileSync(path.join(configDir, "config.yaml"), `active_stack_id: a51bf906-a221-46d7-81b8-c81f8adc5097\nstore:\n  url: https://admin:${secrets.storePassword}@zenml.example.com\n`);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8", KITARU_CONFIG_PATH: configDir, XDG_CACHE_HOME: path.join(tmp, "cache") };
  const run = (extra: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [CLI, "resolve", "--json", "--workspace", ws], { env: { ...env, ...extra }, encoding: "utf8" });
    return `exit ${r.status}\n${r.stdout}\n${r.stderr}`;
  };
  try {
    const uncached = run({ KITARU_CONFIG_NO_CACHE: "1" });
    assert.equal(run(), uncached, "cold");
    const stored = fs.readFileSync(path.join(tmp, "cache", "kitaru-config", "analyses.json"), "utf8");
    // Masked secrets are stored (masked); the store URL's password stays in config.yaml's analysis
    // (it finds the token), so that file is not stored at all.
    for (const kind of ["pyproject.toml", "kitaru.yaml"]) assert.ok(stored.includes(`"${kind}\\u0000`), `${kind} analysed and stored`);
    assert.ok(!stored.includes(`"config.yaml\\u0000`), "config.yaml, whose analysis holds the store password, is not stored");
    for (const [name, secret] of Object.entries(secrets)) {
      assert.ok(!stored.includes(secret), `${name} is in the analysis cache`);
      assert.ok(!uncached.includes(secret), `${name} is in the output`);
    }
    assert.equal(run(), uncached, "warm");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("the caches live in an absolute directory or nowhere: a relative XDG_CACHE_HOME is ignored, an empty or relative HOME gives none", () => {
  assert.equal(userCacheFile("analyses.json", { HOME: "/home/ada" }, "linux"), "/home/ada/.cache/kitaru-config/analyses.json");
  assert.equal(userCacheFile("analyses.json", { HOME: "/home/ada", XDG_CACHE_HOME: "/var/cache/ada" }, "linux"), "/var/cache/ada/kitaru-config/analyses.json");
  assert.equal(userCacheFile("analyses.json", { HOME: "/home/ada", XDG_CACHE_HOME: "relcache" }, "linux"), "/home/ada/.cache/kitaru-config/analyses.json");
  assert.equal(userCacheFile("analyses.json", { HOME: "/home/ada", XDG_CACHE_HOME: "" }, "linux"), "/home/ada/.cache/kitaru-config/analyses.json");
  assert.equal(userCacheFile("analyses.json", { HOME: "" }, "linux"), undefined);
  assert.equal(userCacheFile("analyses.json", { HOME: "ada" }, "linux"), undefined);
});

test("kitaru-config never writes a cache into the folder it runs in (relative XDG_CACHE_HOME, empty HOME)", () => {
  const tmp = tempDir();
  const ws = path.join(tmp, "ws");
  const home = path.join(tmp, "home");
  fs.mkdirSync(ws);
  fs.writeFileSync(path.join(ws, "pyproject.toml"), '[tool.kitaru]\nstack = "x"\n');
  try {
    for (const env of [{ HOME: home, XDG_CACHE_HOME: "relcache" }, { HOME: "", XDG_CACHE_HOME: "" }]) {
      const r = spawnSync(process.execPath, [CLI, "resolve", "--json", "--workspace", "."], { cwd: ws, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(fs.readdirSync(ws).sort(), ["pyproject.toml"], JSON.stringify(env));
    }
    // The relative XDG_CACHE_HOME was ignored for $HOME/.cache.
    assert.ok(fs.existsSync(path.join(home, ".cache", "kitaru-config", "analyses.json")));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("a cache directory under /proc (HOME=/proc/self, XDG_CACHE_HOME=/proc): the answer, then a prompt exit", () => {
  const tmp = tempDir();
  fs.writeFileSync(path.join(tmp, "pyproject.toml"), '[tool.kitaru]\nstack = "x"\n');
  try {
    for (const env of [{ HOME: "/proc/self" }, { HOME: path.join(tmp, "home"), XDG_CACHE_HOME: "/proc" }]) {
      const r = spawnSync(process.execPath, [CLI, "resolve", "--json", "--workspace", tmp], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, encoding: "utf8", timeout: 15_000 });
      assert.equal(r.signal, null, `${JSON.stringify(env)}: still running after 15 s`);
      assert.equal(r.status, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { settings: { stack: { value: string } } }).settings.stack.value, "x");
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("an entry edited into another shape (no values, null problems, a number for a file) is analysed again: the same answer as without the cache, and the file rewritten", () => {
  const tmp = tempDir();
  const ws = path.join(tmp, "ws");
  fs.mkdirSync(ws);
  fs.writeFileSync(path.join(ws, "pyproject.toml"), '[tool.kitaru]\nstack = "prod"\nretries = 2\n');
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: path.join(tmp, "home"), XDG_CACHE_HOME: path.join(tmp, "cache") };
  const cacheFile = path.join(tmp, "cache", "kitaru-config", "analyses.json");
  // JSON and text: each run reads the cache, the text one formats paths from the origins.
  const run = (extra: Record<string, string> = {}) =>
    ["--json", "--no-color"]
      .map((flag) => {
        const r = spawnSync(process.execPath, [CLI, "resolve", flag, "--workspace", ws], { env: { ...env, ...extra }, encoding: "utf8" });
        return `exit ${r.status}\n${r.stdout}\n${r.stderr}`;
      })
      .join("\n");
  type Entry = [string, Record<string, unknown>];
  const tamper = (edit: (analysis: Record<string, unknown>) => void) => {
    const payload = JSON.parse(fs.readFileSync(cacheFile, "utf8").split("\n")[1]!) as { entries: Entry[] };
    for (const [key, analysis] of payload.entries) if (key.startsWith("pyproject.toml\u0000")) edit(analysis);
    const text = JSON.stringify(payload);
    fs.writeFileSync(cacheFile, `${text.length}\n${text}`);
  };
  try {
    const uncached = run({ KITARU_CONFIG_NO_CACHE: "1" });
    assert.match(uncached, /^exit 0/);
    const edits: [string, (a: Record<string, unknown>) => void][] = [
      ["no values", (a) => delete a.values],
      ["problems null", (a) => (a.problems = null)],
      ["values an array", (a) => (a.values = [])],
      ["an origin file that is a number", (a) => ((a.values as { v: [string, { origin: { file: unknown } }][] }).v[0]![1].origin.file = 5)],
    ];
    for (const [name, edit] of edits) {
      run();
      tamper(edit);
      assert.equal(run(), uncached, name);
      assert.equal(run(), uncached, `${name}: and the run after it`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
