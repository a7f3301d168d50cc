/**
 * Reading Kitaru's files as Kitaru reads them, on a real file system: bytes that are not UTF-8
 * are refused where tomllib and PyYAML refuse them (with the line and column of the first one),
 * Python modules still read leniently, huge files are never read into memory (a warning: Kitaru
 * itself reads them), and every read failure is said in words.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { checkFiles } from "../../src/core/checkFiles";
import { checkDocument } from "../../src/core/documentChecks";
import { FileTextCache, firstInvalidUtf8, invalidUtf8InFile, nodeHost, TOO_LARGE, type Host } from "../../src/core/host";
import { readFailure } from "../../src/core/persisted";
import { analyzePyproject, MAX_PYPROJECT_BYTES } from "../../src/core/pyproject";
import { resolveConfiguration } from "../../src/core/resolve";
import { bigPyproject } from "../bench/diagnostics.bench";

const CLI = path.join(__dirname, "..", "..", "dist", "cli.js");

function dirs(t: { after: (fn: () => void) => void }): { ws: string; config: string; home: string; env: Record<string, string> } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-file-reading-"));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const ws = path.join(root, "ws");
  const config = path.join(root, "config");
  const home = path.join(root, "home");
  for (const d of [ws, config, home]) fs.mkdirSync(d);
  return { ws, config, home, env: { KITARU_CONFIG_PATH: config, HOME: home } };
}

const hosts = (env: Record<string, string>, home: string): [string, () => Host][] => [
  ["plain host", () => nodeHost({ env, homedir: home })],
  // The extension's host (each test resolves twice with it: the second read is a cache hit, checked again).
  ["cached host", () => nodeHost({ env, homedir: home, fileCache: new FileTextCache() })],
];

test("firstInvalidUtf8: a real U+FFFD is skipped, the first invalid byte is found with its line, column and offset", () => {
  const bytes = Buffer.concat([Buffer.from("a = \"\uFFFD\"\nb = \"caf"), Buffer.from([0xe9]), Buffer.from("\"\n")]);
  const text = new TextDecoder().decode(bytes);
  assert.deepEqual(firstInvalidUtf8(text, bytes), { position: { line: 2, column: 9 }, offset: 18, byte: 0xe9 });
  const valid = Buffer.from("x = \"\uFFFD ünï\"\n");
  assert.equal(firstInvalidUtf8(new TextDecoder().decode(valid), valid), undefined);
});

test("pyproject.toml with a byte that is not UTF-8: an error at that line and column, Kitaru refuses the file", (t) => {
  const d = dirs(t);
  const file = path.join(d.ws, "pyproject.toml");
  fs.writeFileSync(file, Buffer.concat([Buffer.from('[tool.kitaru]\nstack = "caf'), Buffer.from([0xff]), Buffer.from('"\nretries = 2\n')]));
  for (const [name, make] of hosts(d.env, d.home)) {
    const host = make();
    for (let run = 0; run < 2; run++) {
      const r = resolveConfiguration(host, { workspace: d.ws });
      assert.deepEqual(r.problems.map((p) => [p.severity, p.code, p.file, p.span?.start]), [["error", "file-not-utf8", file, { line: 2, column: 13 }]], name);
      assert.match(r.problems[0]!.message, /not valid UTF-8: byte 0xFF at line 2, column 13 \(position 26\).*tomllib.*refuse the whole file\. Save it as UTF-8/);
      assert.equal(r.settings.stack?.source, "default", `${name}: no value from the refused file`);
      assert.equal(r.settings.retries?.source, "default");
      assert.match(r.looked.find((f) => f.role === "pyproject")!.note, /Kitaru refuses it/);
    }
  }
  // check FILE: the same error first, then the file's own checks on the text as the editor shows it.
  const [checked] = checkFiles(nodeHost({ env: d.env, homedir: d.home }), [file], { workspace: d.ws });
  assert.deepEqual(checked!.problems.map((p) => [p.code, p.span?.start.line]), [["file-not-utf8", 2]]);
  assert.equal(checked!.check?.refused, true);
});

test("a real U+FFFD (EF BF BD) in pyproject.toml is valid UTF-8: no problem", (t) => {
  const d = dirs(t);
  fs.writeFileSync(path.join(d.ws, "pyproject.toml"), '[tool.kitaru]\nstack = "caf\uFFFD"\n');
  const r = resolveConfiguration(nodeHost({ env: d.env, homedir: d.home }), { workspace: d.ws });
  assert.deepEqual(r.problems, []);
  assert.equal(r.settings.stack?.value, "caf\uFFFD");
});

test("kitaru.yaml and config.yaml that are not UTF-8: one error each, at the byte, and the project layer still applies", (t) => {
  const d = dirs(t);
  fs.writeFileSync(path.join(d.ws, "pyproject.toml"), '[tool.kitaru]\nstack = "prod"\n');
  const kitaruYaml = path.join(d.config, "kitaru.yaml");
  const configYaml = path.join(d.config, "config.yaml");
  fs.writeFileSync(kitaruYaml, Buffer.concat([Buffer.from("log_store:\n  backend: datadog # caf"), Buffer.from([0xe9]), Buffer.from("\n")]));
  fs.writeFileSync(configYaml, Buffer.concat([Buffer.from("active_stack_id: "), Buffer.from([0xc3, 0x28]), Buffer.from("\n")]));
  const r = resolveConfiguration(nodeHost({ env: d.env, homedir: d.home }), { workspace: d.ws });
  const problems = r.problems.map((p) => [p.severity, p.code, p.file, p.span?.start]).sort((a, b) => String(a[2]).localeCompare(String(b[2])));
  assert.deepEqual(problems, [
    ["error", "file-not-utf8", configYaml, { line: 1, column: 18 }],
    ["error", "file-not-utf8", kitaruYaml, { line: 2, column: 25 }],
  ]);
  assert.match(r.problems.find((p) => p.file === kitaruYaml)!.message, /PyYAML.*refuses the whole file\. Save it as UTF-8/);
  assert.match(r.problems.find((p) => p.file === configYaml)!.message, /ZenML.*cannot read its persisted state/);
  assert.equal(r.settings.stack?.value, "prod");
  assert.equal(r.settings["log_store.backend"]?.value, "artifact-store");
});

test("Python modules still read leniently (a coding declaration may make them valid); strict reads refuse the same bytes", (t) => {
  const d = dirs(t);
  const file = path.join(d.ws, "flows.py");
  fs.writeFileSync(file, Buffer.concat([Buffer.from("# -*- coding: latin-1 -*-\nNAME = 'caf"), Buffer.from([0xe9]), Buffer.from("'\n")]));
  const host = nodeHost({ env: d.env, homedir: d.home });
  assert.match(host.readText(file)!, /caf\uFFFD/);
  assert.throws(() => host.readText(file, { strictUtf8: true }), { code: "EINVALIDUTF8" });
});

test("the editor's checks: a saved document whose file is not UTF-8 gets the error (positions on the document's text)", (t) => {
  const d = dirs(t);
  const file = path.join(d.ws, "pyproject.toml");
  const bytes = Buffer.concat([Buffer.from('[tool.kitaru]\nstack = "caf'), Buffer.from([0xff]), Buffer.from('"\nstak = "x"\n')]);
  fs.writeFileSync(file, bytes);
  const notUtf8 = invalidUtf8InFile(file, MAX_PYPROJECT_BYTES);
  assert.deepEqual(notUtf8, { position: { line: 2, column: 13 }, offset: 26, byte: 0xff });
  const check = checkDocument(file, new TextDecoder().decode(bytes), { notUtf8 });
  assert.equal(check.refused, true);
  assert.deepEqual(check.problems.map((p) => [p.code, p.span?.start.line]), [["file-not-utf8", 2], ["unknown-key", 3]]);
  fs.writeFileSync(file, '[tool.kitaru]\nstack = "café"\n');
  assert.equal(invalidUtf8InFile(file, MAX_PYPROJECT_BYTES), undefined);
});

test("a pyproject.toml over MAX_PYPROJECT_BYTES is never read: a warning (Kitaru still reads it), at once, even at 3 GB", (t) => {
  const d = dirs(t);
  const file = path.join(d.ws, "pyproject.toml");
  fs.writeFileSync(file, "");
  fs.truncateSync(file, 3 * 1024 ** 3); // sparse: nothing written
  for (const [name, make] of hosts(d.env, d.home)) {
    const start = Date.now();
    const r = resolveConfiguration(make(), { workspace: d.ws });
    assert.ok(Date.now() - start < 2_000, `${name}: took ${Date.now() - start} ms`);
    assert.deepEqual(r.problems.map((p) => [p.severity, p.code, p.file]), [["warning", "file-too-large", file]], name);
    const message = r.problems[0]!.message;
    assert.match(message, /pyproject\.toml is 3,221\.2 MB, over the 2 MB analysed here.*its \[tool\.kitaru\] values are not shown.*Kitaru itself still reads it\. Check that it is the right file/);
    assert.doesNotMatch(message, /refuse|cannot read|ERR_/);
    assert.match(r.looked.find((f) => f.role === "pyproject")!.note, /too large to analyse here/);
  }
  const [checked] = checkFiles(nodeHost({ env: d.env, homedir: d.home }), [file], { workspace: d.ws });
  assert.deepEqual(checked!.problems.map((p) => [p.severity, p.code]), [["warning", "file-too-large"]]);
});

test("the limit is far above real files: the benchmark's 10,000-line pyproject.toml is analysed; unsaved text over it is not", () => {
  const big = bigPyproject(10_000);
  assert.ok(Buffer.byteLength(big) * 4 < MAX_PYPROJECT_BYTES, `${Buffer.byteLength(big)} bytes`);
  assert.equal(analyzePyproject("/ws/pyproject.toml", big).tooLarge, undefined);
  const huge = analyzePyproject("/ws/pyproject.toml", `[tool.kitaru]\nstack = "${"A".repeat(MAX_PYPROJECT_BYTES)}"\n`);
  assert.equal(huge.tooLarge, true);
  assert.equal(huge.refused, false);
  assert.deepEqual(huge.problems.map((p) => [p.severity, p.code]), [["warning", "file-too-large"]]);
});

test("a 3 GB kitaru.yaml and config.yaml are not read (stat first): warnings in words, never 'Kitaru cannot read it'", (t) => {
  const d = dirs(t);
  for (const name of ["kitaru.yaml", "config.yaml"]) {
    fs.writeFileSync(path.join(d.config, name), "");
    fs.truncateSync(path.join(d.config, name), 3 * 1024 ** 3);
  }
  const r = resolveConfiguration(nodeHost({ env: d.env, homedir: d.home }), { workspace: d.ws });
  assert.deepEqual(r.problems.map((p) => [p.severity, p.code]), [["warning", "file-too-large"], ["warning", "file-too-large"]]);
  for (const p of r.problems) {
    assert.match(p.message, /over the 256 KB read for a Kitaru YAML file.*not shown here\. Kitaru itself still reads it\./);
    assert.doesNotMatch(p.message, /ERR_|cannot read it either/);
  }
});

test("a file cache refuses an oversized file by its stat, even when an earlier reader had its text", (t) => {
  const d = dirs(t);
  const file = path.join(d.ws, "pyproject.toml");
  fs.writeFileSync(file, "x".repeat(1000));
  const host = nodeHost({ fileCache: new FileTextCache() });
  assert.equal(host.readText(file)!.length, 1000);
  assert.throws(() => host.readText(file, { maxBytes: 999 }), { code: TOO_LARGE, size: 1000 });
});

test("read failures in words: no bare Node error code", () => {
  const failure = (code: string, message = `${code}: something, read`) => readFailure(Object.assign(new Error(message), { code }));
  assert.equal(failure("ERR_FS_FILE_TOO_LARGE", "File size (3221225472) is greater than 2 GiB"), "it is over 2 GB, more than this tool reads into memory");
  assert.equal(failure("EIO"), "an input/output error from the disk or file system");
  assert.equal(failure("EMFILE"), "too many files are open");
  assert.equal(failure("ESTALE", "ESTALE: stale file handle, open '/x/pyproject.toml'"), "stale file handle (ESTALE)");
  assert.equal(readFailure(Object.assign(new Error("x"), { code: TOO_LARGE, size: 5_000_000 })), "it is 5 MB, too large to read here");
});

test("the built CLI: check on a 3 GB Python module names the failure in words", (t) => {
  if (!fs.existsSync(CLI)) return t.skip("dist/cli.js is missing: run npm run build");
  const d = dirs(t);
  const file = path.join(d.ws, "big.py");
  fs.writeFileSync(file, "");
  fs.truncateSync(file, 3 * 1024 ** 3);
  const run = spawnSync(process.execPath, [CLI, "check", file], { encoding: "utf8", env: { PATH: process.env.PATH, ...d.env, KITARU_CONFIG_NO_CACHE: "1" } });
  assert.match(run.stdout, /big\.py: error: Cannot read .*big\.py: it is over 2 GB, more than this tool reads into memory\./);
  assert.doesNotMatch(run.stdout + run.stderr, /ERR_FS/);
});
