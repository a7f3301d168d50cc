// The big-file fast path: only the regions that can hold tool.kitaru are parsed
// with positions; the result must be what parsing the whole file gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { getStaticTOMLValue, parseTOML } from "toml-eslint-parser";
import { analyzePyproject } from "../../src/core/pyproject";
import { kitaruRegions, tableHeaders } from "../../src/core/tomlSlice";
import { bigPyproject } from "../bench/diagnostics.bench";

const TRICKY = [
  // A header-looking line inside multi-line strings (basic, literal, with escaped and extra quotes).
  'doc = """\n[tool.kitaru]\nrunner = 1\n\\""" still inside\n[tool.ruff]\n"""\n[tool.kitaru]\nstack = "a"\n',
  "doc = '''\n[tool.kitaru]\n''''\n[tool.kitaru]\nstack = \"b\"\n",
  // A multi-line array whose items start with `[`.
  'matrix = [\n[1, 2],\n[3, 4],\n]\n[tool.kitaru]\nretries = 1\n[tool.other]\nx = [\n  ["[tool.kitaru]"],\n]\n',
  // Comments and strings holding brackets; quoted, spaced and escaped headers.
  '# [tool.kitaru]\n[ "tool" . \'kitaru\' ] # [x]\nstack = "]"\n["tool"."ki]taru"]\na = 1\n["tool"."kit\\u0061ru".image]\nbase_image = "x"\n',
  // Top-level dotted keys, [tool], arrays of tables, CRLF.
  'tool.kitaru.stack = "s"\r\n[[tool.pkgs]]\r\nname = "a"\r\n[project]\r\nname = "p"\r\n',
  '[tool]\nkitaru.cache = true\n[tool.ruff]\nx = 1\n',
];

test("table headers are found outside strings, comments and arrays", () => {
  const text = TRICKY[0]!;
  assert.deepEqual(tableHeaders(text).map((h) => h.path), [["tool", "kitaru"]]);
  assert.deepEqual(tableHeaders(TRICKY[2]!).map((h) => h.path), [["tool", "kitaru"], ["tool", "other"]]);
  assert.deepEqual(tableHeaders(TRICKY[3]!).map((h) => h.path), [["tool", "kitaru"], ["tool", "ki]taru"], undefined]);
});

test("the sliced text keeps every line (positions) and gives the same tool.kitaru as the whole file", () => {
  for (const text of [...TRICKY, bigPyproject(2_000)]) {
    const reduced = kitaruRegions(text) ?? text;
    assert.equal(reduced.split(/\r\n|\r|\n/).length, text.split(/\r\n|\r|\n/).length);
    const kitaru = (t: string) => (getStaticTOMLValue(parseTOML(t, { tomlVersion: "1.0" })) as { tool?: { kitaru?: unknown } }).tool?.kitaru;
    assert.deepEqual(kitaru(reduced), kitaru(text), JSON.stringify(text.slice(0, 80)));
  }
});

test("a syntax error outside [tool.kitaru] still refuses the file, at the position tomllib reports (5:15)", () => {
  const result = analyzePyproject("/p/pyproject.toml", '[tool.kitaru]\nstack = "a"\n\n[tool.ruff]\nline-length = \n');
  assert.equal(result.refused, true);
  assert.deepEqual(result.problems.map((p) => `${p.span?.start.line}:${p.span?.start.column} ${p.code}`), ["5:15 toml-syntax"]);
  // Integers beyond 64 bits are valid TOML for tomllib.
  assert.deepEqual(analyzePyproject("/p/pyproject.toml", "[tool.other]\nbig = 99999999999999999999\n[tool.kitaru]\nretries = 3\n").problems, []);
});
