/**
 * What one open `pyproject.toml` or `kitaru.yaml` gets told, from its text as
 * it is now (saved or not): the file's own problems, exactly as strict as
 * Kitaru, plus an information hint for every value a higher layer overrides
 * right now. The editor's diagnostics, hovers and quick fixes and
 * `kitaru-config check FILE...` all start from `checkDocument`.
 */
import { analyzeKitaruYaml, type KitaruYamlAnalysis } from "./kitaruYaml";
import type { Origin, Source } from "./layer";
import type { Problem } from "./problems";
import { analyzePyproject, pyprojectNotUtf8, type PyprojectAnalysis } from "./pyproject";
import type { InvalidUtf8 } from "./host";
import { notUtf8Problem } from "./notUtf8";
import type { Candidate, Resolution } from "./resolve";
import { maskProblemText } from "./secrets";
import { SOURCE_LABELS } from "./settingsInfo";
import type { Position, Span } from "./types";
import { LineIndex } from "./positions";
import { parseYaml11, type YamlFile } from "./yaml11";
import type { Node } from "yaml";
import { yamlLibrary } from "./libraries";

export type KitaruFileKind = "pyproject" | "kitaru-yaml";

/** The kind of Kitaru file, by name: `pyproject.toml` or `kitaru.yaml` (the names Kitaru reads). */
export function kitaruFileKind(file: string): KitaruFileKind | undefined {
  const base = baseName(file);
  if (base === "pyproject.toml") return "pyproject";
  if (base === "kitaru.yaml") return "kitaru-yaml";
  return undefined;
}

/** One key of the file: below `[tool.kitaru]` for pyproject (`image.environment.X`), from the root for kitaru.yaml. */
export interface DocumentEntry {
  path: string[];
  /** The whole key as written (`tool.kitaru.stack` for a dotted key). */
  keySpan: Span;
  /** The key's own name (`stack`). */
  nameSpan: Span;
  /** The value; for a `[table]` header, the header. */
  valueSpan: Span;
  kind: "value" | "table";
}

export interface DocumentCheck {
  kind: KitaruFileKind;
  file: string;
  /** Every problem in this file, in document order; `overridden` hints included when a resolution was given. */
  problems: Problem[];
  /** Kitaru refuses the whole file (syntax error, BOM, not UTF-8, invalid kitaru.yaml): none of its values apply. */
  refused: boolean;
  /** Every key, in document order. */
  entries: DocumentEntry[];
  /** `[tool.kitaru]` (or the first key creating it). */
  tableSpan?: Span;
  pyproject?: PyprojectAnalysis;
  kitaruYaml?: KitaruYamlAnalysis;
  /**
   * Whether this is the file Kitaru reads for the given resolution (the nearest
   * pyproject.toml; kitaru.yaml in the config directory). Undefined without a resolution.
   */
  readByKitaru?: boolean;
  resolution?: Resolution;
}

export interface CheckOptions {
  /** The resolution of the project that owns the file, computed with this text: enables "overridden" hints and tells whether Kitaru reads the file. */
  resolution?: Resolution;
  /** kitaru.yaml only: the file is likely committed (in a workspace), so a plain-text API key is a warning rather than a note. */
  likelyCommitted?: boolean;
  /**
   * The file on disk starts with a UTF-8 byte-order mark that the text does not
   * show (VS Code strips it from the document). Kitaru's tomllib still sees it.
   */
  bomOnDisk?: boolean;
  /**
   * The file on disk is not UTF-8, first invalid byte here (the text shows it decoded, as U+FFFD):
   * Kitaru's readers refuse the whole file.
   */
  notUtf8?: InvalidUtf8;
}

export function checkDocument(file: string, text: string, options: CheckOptions = {}): DocumentCheck {
  const kind = kitaruFileKind(file) ?? (/\.ya?ml$/i.test(file) ? "kitaru-yaml" : "pyproject");
  const hiddenBom = options.bomOnDisk === true && !text.startsWith("\uFEFF");
  const analyzed = hiddenBom ? "\uFEFF" + text : text;
  let check: DocumentCheck;
  if (kind === "pyproject") {
    const analysis = analyzePyproject(file, analyzed);
    const entries = [...analysis.entries.values()].map((e) => ({ path: e.path, keySpan: e.keySpan, nameSpan: e.nameSpan, valueSpan: e.valueSpan, kind: e.kind }));
    check = { kind, file, problems: analysis.problems, refused: analysis.refused, entries, pyproject: analysis, ...(analysis.tableSpan ? { tableSpan: analysis.tableSpan } : {}) };
  } else {
    const analysis = analyzeKitaruYaml(file, analyzed, { likelyCommitted: options.likelyCommitted ?? true });
    const entries = analysis.yaml && !analysis.yaml.error ? yamlEntries(analysis.yaml) : [];
    check = { kind, file, problems: analysis.problems, refused: analysis.refused, entries, kitaruYaml: analysis };
  }
  if (options.notUtf8) {
    const problem = kind === "pyproject" ? pyprojectNotUtf8(file, options.notUtf8).problems[0]! : notUtf8Problem(file, options.notUtf8, "PyYAML, which Kitaru uses,", "Kitaru refuses the whole file.");
    check.problems = [problem, ...check.problems];
    check.refused = true;
    if (check.pyproject) check.pyproject.refused = true;
    if (check.kitaruYaml) check.kitaruYaml.refused = true;
  }
  if (hiddenBom) shiftFirstLine(check, text);
  if (options.resolution) {
    check.resolution = options.resolution;
    check.readByKitaru = readBy(check, options.resolution);
    if (check.readByKitaru && !check.refused) check.problems = [...check.problems, ...overriddenHints(check, options.resolution)];
  }
  check.entries.sort((a, b) => compare(a.keySpan.start, b.keySpan.start));
  check.problems = check.problems.map(maskProblemText).sort((a, b) => compare(a.span?.start ?? { line: 0, column: 0 }, b.span?.start ?? { line: 0, column: 0 }) || rank(a) - rank(b));
  return check;
}

function readBy(check: DocumentCheck, resolution: Resolution): boolean {
  const same = (a: string | undefined) => a !== undefined && samePath(a, check.file);
  return check.kind === "pyproject" ? same(resolution.pyproject?.file) : same(resolution.kitaruYaml?.file);
}

/** The layer a file's values belong to. */
export function layerOf(kind: KitaruFileKind): Source {
  return kind === "pyproject" ? "pyproject" : "global";
}

/**
 * This file's candidate for a setting in the resolution: the winner (`winner: true`)
 * or one of the candidates it overrode. Undefined when the file does not set it.
 */
export function ownCandidate(check: DocumentCheck, key: string): { candidate: Candidate; winner: boolean } | undefined {
  const setting = check.resolution?.settings[key];
  if (!setting) return undefined;
  const layer = layerOf(check.kind);
  const mine = (c: Candidate) => c.source === layer && c.origin !== undefined && !("env" in c.origin) && samePath(c.origin.file, check.file);
  if (mine(setting)) return { candidate: setting, winner: true };
  const lower = setting.overridden.find(mine);
  return lower ? { candidate: lower, winner: false } : undefined;
}

/** "stack = "prod" is overridden by KITARU_STACK (environment)": one information hint per value a higher layer overrides. */
function overriddenHints(check: DocumentCheck, resolution: Resolution): Problem[] {
  const values = check.pyproject?.values ?? check.kitaruYaml?.values ?? new Map();
  const keys = [...values.keys()];
  if (check.kitaruYaml?.defaultAlias) keys.push("default_model");
  const hints: Problem[] = [];
  const seen = new Set<string>();
  for (const key of keys) {
    const own = ownCandidate(check, key);
    if (!own || own.winner) continue;
    const winner = resolution.settings[key]!;
    const span = hintSpan(check, key, own.candidate.origin);
    const id = `${key}@${span?.start.line}:${span?.start.column}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const label = key === "default_model" ? "model_registry.default" : key;
    const shown = key === "default_model" ? JSON.stringify(check.kitaruYaml?.defaultAlias?.alias ?? "") : showValue(own.candidate);
    hints.push({
      severity: "info",
      code: "overridden",
      file: check.file,
      key,
      ...(span ? { span } : {}),
      message: `${label} = ${shown} is overridden by ${describeWinner(winner, resolution.workspace)}${winner.value === null ? "" : `, which sets ${showValue(winner)}`}.`,
    });
  }
  return hints;
}

/** Where an overridden value is written: its value (the part that does not apply). */
function hintSpan(check: DocumentCheck, key: string, origin: Origin | undefined): Span | undefined {
  if (key === "default_model") return check.kitaruYaml?.defaultAlias?.span;
  if (!origin || "env" in origin) return undefined;
  const at = origin.span;
  if (!at) return undefined;
  // A dotted key (`kitaru.image.base_image = …`) also creates the tables on its way, with the same key span: take the deepest.
  const entry = check.entries
    .filter((e) => compare(e.keySpan.start, at.start) === 0 && compare(e.keySpan.end, at.end) === 0)
    .sort((a, b) => b.path.length - a.path.length)[0];
  return entry?.valueSpan ?? at;
}

/** `KITARU_STACK (environment)`, `KITARU_STACK (kitaru.environment setting)`, `@flow decorator (flows.py:12)`. */
export function describeWinner(c: Candidate, base?: string): string {
  const o = c.origin;
  const layer = SOURCE_LABELS[c.source];
  if (!o) return layer;
  if ("env" in o) {
    if (o.file) return `${o.env} (${relativePath(o.file, base)}:${o.line ?? 1})`;
    return `${o.env} (${o.via ?? layer})`;
  }
  return `${layer} (${relativePath(o.file, base)}:${o.line})`;
}

/** A value as the problem texts show it; secrets arrive already masked. */
export function showValue(c: Pick<Candidate, "value" | "dynamic">): string {
  if (c.dynamic !== undefined) return `‹dynamic: ${c.dynamic.length > 40 ? c.dynamic.slice(0, 39) + "…" : c.dynamic}›`;
  if (c.value === null) return "(unset)";
  const text = JSON.stringify(c.value);
  return text.length > 80 ? text.slice(0, 79) + "…" : text;
}

/** Every key of a kitaru.yaml mapping tree, with positions (merge keys `<<` are not keys). */
export function yamlEntries(file: YamlFile): DocumentEntry[] {
  const out: DocumentEntry[] = [];
  const spanOf = (n: Node | null | undefined): Span | undefined => (n?.range ? file.index.span(n.range[0], n.range[1]) : undefined);
  const walk = (node: unknown, base: string[], depth: number) => {
    if (depth > 20 || !yamlLibrary().isMap(node)) return;
    for (const pair of node.items) {
      if (!yamlLibrary().isPair(pair) || !yamlLibrary().isScalar(pair.key)) continue;
      const name = String(pair.key.value);
      if (name === "<<") continue;
      const keySpan = spanOf(pair.key as Node);
      if (!keySpan) continue;
      const value = pair.value as Node | null;
      const valueSpan = spanOf(value) ?? { start: keySpan.end, end: keySpan.end };
      const path = [...base, name];
      out.push({ path, keySpan, nameSpan: keySpan, valueSpan, kind: yamlLibrary().isMap(value) || yamlLibrary().isSeq(value) ? "table" : "value" });
      walk(value, path, depth + 1);
    }
  };
  walk(file.doc.contents, [], 0);
  return out;
}

/** Parses and lists a kitaru.yaml's entries (for callers that have only text). */
export function kitaruYamlEntries(text: string): DocumentEntry[] {
  const yaml = parseYaml11(text);
  return yaml.error ? [] : yamlEntries(yaml);
}

/** The analysis ran on the text with its hidden BOM in front: move line-1 positions back onto the editor's text. */
function shiftFirstLine(check: DocumentCheck, text: string): void {
  const pos = (p: Position): Position => (p.line === 1 ? { line: 1, column: Math.max(1, p.column - 1) } : p);
  const span = (s: Span): Span => ({ start: pos(s.start), end: pos(s.end) });
  // The BOM is not in the editor's text: mark the first character, or nothing when line 1 is empty.
  const bomEnd = new LineIndex(text).clamp({ line: 1, column: 2 });
  check.problems = check.problems.map((p) => {
    if (p.code === "file-bom") return { ...p, span: { start: { line: 1, column: 1 }, end: bomEnd } };
    return p.span ? { ...p, span: span(p.span) } : p;
  });
  check.entries = check.entries.map((e) => ({ ...e, keySpan: span(e.keySpan), nameSpan: span(e.nameSpan), valueSpan: span(e.valueSpan) }));
  if (check.tableSpan) check.tableSpan = span(check.tableSpan);
}

/** True when `pos` is inside `span` (end inclusive, so a cursor just after a word counts). */
export function spanContains(span: Span, pos: Position): boolean {
  return compare(span.start, pos) <= 0 && compare(pos, span.end) <= 0;
}

export function compare(a: Position, b: Position): number {
  return a.line - b.line || a.column - b.column;
}

function rank(p: Problem): number {
  return p.severity === "error" ? 0 : p.severity === "warning" ? 1 : 2;
}

export function relativePath(file: string, base: string | undefined): string {
  if (!base) return file;
  const norm = (s: string) => s.replace(/\\/g, "/").replace(/\/+$/, "");
  const f = norm(file);
  const b = norm(base);
  return f.startsWith(b + "/") ? f.slice(b.length + 1) : file;
}

function samePath(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/\\/g, "/");
  return norm(a) === norm(b) || norm(a).toLowerCase() === norm(b).toLowerCase() && /^[a-z]:/i.test(a);
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
