/**
 * `[tool.kitaru]` in pyproject.toml: found however it is written (table,
 * dotted keys, inline table, quoted headers), validated as Kitaru validates it,
 * with the position of every key and value.
 */
import type { AST } from "toml-eslint-parser";
import { kitaruSchemas, smolToml, tomlEslintParser } from "./libraries";
import { LineIndex } from "./positions";
import { kitaruRegions, withLongStringsEmptied } from "./tomlSlice";
import { didYouMean } from "./didYouMean";
import { flattenImage } from "./image";
import { fileOrigin, type LayerValues } from "./layer";
import type { Problem } from "./problems";
import { IMAGE_FIELDS, TOOL_KITARU_KEYS } from "./settingKeys";
import { credentialValueWarning, isSecretName, maskSecretLookingValue, secretValueKind } from "./secrets";
import type { Span } from "./types";
import type { InvalidUtf8 } from "./host";
import { notUtf8Problem } from "./notUtf8";
import { describeIssue, formatPath, issuesOf, valueAt } from "./validation";

/** Where one key of the document sits. Paths are TOML key paths (`["tool", "kitaru", "stack"]`). */
export interface TomlEntry {
  path: string[];
  keySpan: Span;
  /** The last segment of the key (`runner` in `tool.kitaru.runner`): what a rename replaces. */
  nameSpan: Span;
  /** The value, or for a table header the header itself. */
  valueSpan: Span;
  kind: "value" | "table";
}

export interface PyprojectAnalysis {
  file: string;
  /** The file has a `[tool.kitaru]` table (in any form). */
  hasTable: boolean;
  /** Kitaru refuses the whole file (syntax error, byte-order mark, not UTF-8). */
  refused: boolean;
  /** Over MAX_PYPROJECT_BYTES: not analysed here, though Kitaru reads it (its values are unknown, not absent). */
  tooLarge?: boolean;
  /** The file reads, but [tool.kitaru] has errors: Kitaru refuses all of it (no value applies). */
  tableRefused?: boolean;
  values: LayerValues;
  problems: Problem[];
  /** Every key under `tool.kitaru`, keyed by its dotted path below it (`stack`, `image.environment.X`). */
  entries: Map<string, TomlEntry>;
  /** Span of the `[tool.kitaru]` header (or the first key that creates it). */
  tableSpan?: Span;
}

const PREFIX = ["tool", "kitaru"];

/**
 * Real pyproject.toml files are a few KB (a 10,000-line one is about 250 KB); the TOML parsers
 * need seconds and gigabytes for tens of MB, so larger files are not analysed (nor read).
 */
export const MAX_PYPROJECT_BYTES = 2_000_000;

/** The analysis of a pyproject.toml over MAX_PYPROJECT_BYTES: a warning, since Kitaru itself still reads it. */
export function pyprojectTooLarge(file: string, size: number): PyprojectAnalysis {
  const mb = (n: number) => `${(n / 1_000_000).toLocaleString("en-US", { maximumFractionDigits: 1 })} MB`;
  return {
    file,
    hasTable: false,
    refused: false,
    tooLarge: true,
    values: new Map(),
    entries: new Map(),
    problems: [{
      severity: "warning",
      code: "file-too-large",
      file,
      span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
      message: `${baseName(file)} is ${mb(size)}, over the ${mb(MAX_PYPROJECT_BYTES)} analysed here (pyproject.toml files are a few KB), so it is not read: its [tool.kitaru] values are not shown, and settings may come from it that this explanation misses. Kitaru itself still reads it. Check that it is the right file, or move the large content out of pyproject.toml.`,
    }],
  };
}

/** The analysis of a pyproject.toml that is not UTF-8: tomllib fails on it, so Kitaru refuses it. */
export function pyprojectNotUtf8(file: string, invalid: InvalidUtf8): PyprojectAnalysis {
  return { file, hasTable: false, refused: true, values: new Map(), entries: new Map(), problems: [notUtf8Problem(file, invalid, "Python's tomllib, which Kitaru uses,", "Kitaru will refuse the whole file.")] };
}

export function analyzePyproject(file: string, rawText: string): PyprojectAnalysis {
  // Unsaved editor text or a file checked by name: never handed to the parsers whatever its size.
  if (rawText.length > MAX_PYPROJECT_BYTES) return pyprojectTooLarge(file, rawText.length);
  const result: PyprojectAnalysis = { file, hasTable: false, refused: false, values: new Map(), problems: [], entries: new Map() };
  let text = rawText;
  if (text.startsWith("\uFEFF")) {
    result.refused = true;
    result.problems.push({
      severity: "error",
      code: "file-bom",
      file,
      span: { start: { line: 1, column: 1 }, end: { line: 1, column: 2 } },
      message: `${baseName(file)} starts with a UTF-8 byte-order mark. Python's tomllib, which Kitaru uses, refuses it, so Kitaru will refuse the whole file. Save it as UTF-8 without BOM.`,
    });
    // Keep offsets stable for positions; a space is harmless TOML.
    text = " " + text.slice(1);
  }

  let ast: AST.TOMLProgram;
  let smolValue: Record<string, unknown> | undefined;
  try {
    ({ ast, smolValue } = parseWithPositions(text));
  } catch (error) {
    const e = error as { message?: string; lineNumber?: number; column?: number };
    // tomllib's recursive parser fails the same way (RecursionError, or int()'s digit limit).
    if (error instanceof RangeError) e.message = `nested too deeply or a value too long to read (${e.message})`;
    // The parsers may point just past a line's end (or past a truncated file's last line): keep the range in the text.
    const index = new LineIndex(text);
    const start = index.clamp({ line: e.lineNumber ?? 1, column: (e.column ?? 0) + 1 });
    const end = index.clamp({ line: start.line, column: start.column + 1 });
    result.refused = true;
    result.problems.push({
      severity: "error",
      code: "toml-syntax",
      file,
      span: { start, end },
      message: `TOML syntax error: ${e.message ?? "invalid TOML"}. Kitaru (tomllib) will refuse the whole file until it is fixed.`,
    });
    return result;
  }

  collectEntries(ast, result);
  const doc = smolValue ?? (tomlEslintParser().getStaticTOMLValue(ast) as Record<string, unknown>);
  const tool = doc.tool;
  if (tool !== undefined && (typeof tool !== "object" || tool === null || Array.isArray(tool) || tool instanceof Date)) {
    // tomllib gives Kitaru a non-table `tool` (`tool = 5`), which it refuses.
    result.refused = true;
    result.problems.push({ severity: "error", code: "not-a-mapping", file, span: toolSpan(ast), message: "tool must be a table ([tool] or tool.<name> keys). Kitaru refuses the project configuration until it is." });
    return result;
  }
  const table = tool ? (tool as Record<string, unknown>).kitaru : undefined;
  if (table === undefined) return result;
  result.hasTable = true;
  if (typeof table !== "object" || table === null || Array.isArray(table) || table instanceof Date) {
    result.refused = true;
    result.problems.push({
      severity: "error",
      code: "not-a-mapping",
      file,
      span: result.tableSpan,
      message: "tool.kitaru must be a table. Kitaru will refuse the project configuration.",
    });
    return result;
  }
  if (!result.refused) validate(table as Record<string, unknown>, result);
  else validate(table as Record<string, unknown>, { ...result, values: new Map() });
  // The analysis travels with the resolution: a credential-looking value (a URL password in base_image) is masked here already.
  for (const value of result.values.values()) maskSecretLookingValue(value);
  // Kitaru validates [tool.kitaru] as one model: any error and none of it applies (the run stops).
  if (result.problems.some((p) => p.severity === "error")) {
    result.tableRefused = true;
    result.values = new Map();
  }
  result.problems.sort((a, b) => (a.span?.start.line ?? 0) - (b.span?.start.line ?? 0) || (a.span?.start.column ?? 0) - (b.span?.start.column ?? 0));
  return result;
}

function validate(table: Record<string, unknown>, result: PyprojectAnalysis): void {
  const { file, entries, problems } = result;
  const at = (path: string[]) => nearestEntry(entries, path);
  const keySpanOf = (path: string[]) => at(path)?.keySpan;
  // Problems about a key cover its own name, not the whole dotted key (`runner` in `tool.kitaru.runner`).
  const nameSpanOf = (path: string[]) => at(path)?.nameSpan;
  const valueSpanOf = (path: string[]) => at(path)?.valueSpan;

  for (const key of Object.keys(table)) {
    if (TOOL_KITARU_KEYS.includes(key)) continue;
    if (key === "runner") {
      problems.push({
        severity: "error",
        code: "renamed-key",
        file,
        key: "stack",
        span: nameSpanOf([key]),
        fix: { kind: "rename-key", to: "stack" },
        message: "[tool.kitaru].runner was renamed to stack. Kitaru refuses runner: rename it to stack.",
      });
      continue;
    }
    const suggestion = didYouMean(key, TOOL_KITARU_KEYS);
    problems.push({
      severity: "warning",
      code: "unknown-key",
      file,
      span: nameSpanOf([key]),
      ...(suggestion ? { fix: { kind: "rename-key" as const, to: suggestion } } : {}),
      message: `Kitaru ignores unknown key "${key}" in [tool.kitaru]${suggestion ? `. Did you mean "${suggestion}"?` : "."} Known keys: ${TOOL_KITARU_KEYS.filter((k) => !["server_url", "auth_token", "project"].includes(k)).join(", ")}.`,
    });
  }

  // A secret-looking image.environment variable is worth a warning whether or not the rest of the image is valid.
  const environment = valueAt(table, ["image", "environment"]);
  if (environment && typeof environment === "object" && !Array.isArray(environment) && !(environment instanceof Date)) {
    for (const [name, value] of Object.entries(environment)) {
      const kind = !isSecretName(name) && typeof value === "string" ? secretValueKind(value) : undefined;
      if (kind) {
        problems.push({
          severity: "warning",
          code: "secret-in-file",
          file,
          key: `image.environment.${name}`,
          span: valueSpanOf(["image", "environment", name]),
          message: credentialValueWarning(`The value of ${name}`, kind),
        });
        continue;
      }
      if (!isSecretName(name)) continue;
      problems.push({
        severity: "warning",
        code: "secret-in-file",
        file,
        key: `image.environment.${name}`,
        span: nameSpanOf(["image", "environment", name]),
        message: `${name} looks like a secret, and image.environment is stored in plain text in the image and its metadata. Put the credential in a secret and list it in secret_environment_from instead.`,
      });
    }
  }

  // Validate key by key so that one bad value does not hide the others' positions and values.
  const fields = kitaruSchemas().toolKitaruSchema.shape;
  for (const key of TOOL_KITARU_KEYS) {
    if (!(key in table)) continue;
    const raw = table[key];
    const fieldSchema = fields[key as keyof typeof fields];
    const parsed = fieldSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of issuesOf(parsed.error)) {
        const path = [key, ...issue.path.map(String)];
        if (issue.code === "unrecognized_keys") {
          for (const unknown of issue.keys) {
            const full = [...path, unknown];
            const suggestion = didYouMean(unknown, IMAGE_FIELDS);
            problems.push({
              severity: "error",
              code: "forbidden-key",
              file,
              key: "image",
              span: nameSpanOf(full),
              ...(suggestion ? { fix: { kind: "rename-key" as const, to: suggestion } } : {}),
              message: `ImageSettings does not allow "${unknown}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}: Kitaru refuses [tool.kitaru.image] with unknown keys. Allowed: ${IMAGE_FIELDS.join(", ")}.`,
            });
          }
          continue;
        }
        problems.push({
          severity: "error",
          code: "invalid-value",
          file,
          key: contractKey(path),
          span: valueSpanOf(path),
          message: `${describeIssue(`tool.kitaru.${formatPath([key, ...issue.path])}`, path, issue, valueAt(raw, issue.path), isSecretPath(path))} Kitaru refuses [tool.kitaru] until this is fixed.`,
        });
      }
      continue;
    }
    const value = parsed.data;
    const originOf = (path: string[]) => fileOrigin(file, keySpanOf(path));
    if (key === "image") {
      const image = value as Parameters<typeof flattenImage>[0];
      flattenImage(image, (p) => originOf(["image", ...p]), result.values);
      continue;
    }
    if (key === "auth_token") {
      problems.push({
        severity: "warning",
        code: "secret-in-file",
        file,
        key,
        span: nameSpanOf([key]),
        fix: { kind: "remove-key" },
        message: "auth_token is a secret in plain text in pyproject.toml, and Kitaru never uses it for the connection. Remove it and set KITARU_AUTH_TOKEN in the environment instead.",
      });
      continue;
    }
    if (key === "server_url" || key === "project") {
      const variable = key === "server_url" ? "KITARU_SERVER_URL" : "KITARU_PROJECT";
      problems.push({
        severity: "warning",
        code: "unused-connection-key",
        file,
        key,
        span: nameSpanOf([key]),
        fix: { kind: "remove-key" },
        message: `Kitaru reads [tool.kitaru].${key} but never uses it for the connection. Use ${variable}${key === "server_url" ? " or `kitaru login <server>`" : ""} instead.`,
      });
      continue;
    }
    result.values.set(key, { value: value as boolean | number | string, origin: originOf([key]) });
  }
}

/**
 * The document's AST, with positions, for the parts that can hold tool.kitaru
 * (see tomlSlice.ts): the whole text is syntax-checked with the much faster
 * smol-toml first. A syntax error is reported as toml-eslint-parser reports
 * it (message and position), from the whole text.
 */
function parseWithPositions(text: string): { ast: AST.TOMLProgram; smolValue?: Record<string, unknown> } {
  let smolError: { message: string; line: number; column: number } | undefined;
  let smolValue: Record<string, unknown> | undefined;
  try {
    // tomllib takes integers of any size; smol-toml needs to be told.
    smolValue = smolToml().parse(text, { integersAsBigInt: "asNeeded" });
  } catch (error) {
    const e = error as { message?: string; line?: number; column?: number };
    smolError = { message: (e.message ?? "invalid TOML").split("\n")[0]!.replace(/^Invalid TOML document: /, ""), line: e.line ?? 1, column: e.column ?? 1 };
  }
  if (smolError) {
    try {
      tomlEslintParser().parseTOML(text, { tomlVersion: "1.0" });
    } catch (error) {
      // toml-eslint-parser words the error better, but it reports the token it choked on, which
      // can be lines later (`stack =` then blank lines): keep the earlier of the two positions.
      const e = error as { lineNumber?: number; column?: number };
      const eslintLine = e.lineNumber ?? 1;
      const eslintColumn = (e.column ?? 0) + 1;
      if (smolError.line < eslintLine || (smolError.line === eslintLine && smolError.column < eslintColumn)) {
        throw Object.assign(error as object, { lineNumber: smolError.line, column: smolError.column - 1 });
      }
      throw error;
    }
    // The two parsers disagree: report smol-toml's error rather than none.
    throw Object.assign(new Error(smolError.message), { lineNumber: smolError.line, column: smolError.column - 1 });
  }
  try {
    return { ast: positionsOf(text) };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    // Valid TOML (smol-toml read it) with a string too long for toml-eslint-parser: positions
    // from the text with long strings emptied, values from smol-toml (as toml-eslint-parser gives them).
    return { ast: positionsOf(withLongStringsEmptied(text, 10_000)), smolValue: staticValue(smolValue) as Record<string, unknown> };
  }
}

function positionsOf(text: string): AST.TOMLProgram {
  const reduced = kitaruRegions(text);
  if (reduced !== undefined) {
    try {
      return tomlEslintParser().parseTOML(reduced, { tomlVersion: "1.0" });
    } catch {
      // The slicer misread the file: fall back to the whole text.
    }
  }
  return tomlEslintParser().parseTOML(text, { tomlVersion: "1.0" });
}

/** smol-toml's value in getStaticTOMLValue's terms: plain objects, numbers (not bigints), Dates. */
function staticValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return new Date(value.getTime()); // smol-toml's TomlDate is a Date
  if (Array.isArray(value)) return value.map(staticValue);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, staticValue(v)]));
  return value;
}

function isSecretPath(path: string[]): boolean {
  return path[0] === "auth_token" || (path[0] === "image" && path[1] === "environment" && path[2] !== undefined && isSecretName(path[2]));
}

function contractKey(path: string[]): string {
  if (path[0] === "image" && path[1] === "parent_image") return "image.base_image";
  return path.slice(0, path[0] === "image" && path[1] === "environment" ? 3 : 2).join(".");
}

function nearestEntry(entries: Map<string, TomlEntry>, path: string[]): TomlEntry | undefined {
  for (let n = path.length; n > 0; n--) {
    const hit = entries.get(path.slice(0, n).join("\u0000"));
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Keys deeper than this (tool.kitaru.image.environment.NAME is 5) are not recorded: Kitaru reads
 * none, and recording every prefix of a key thousands of levels deep costs the square of its depth.
 */
const DEEPEST_ENTRY = 8;

/** Records every key below `tool.kitaru`, wherever the TOML puts it (down to DEEPEST_ENTRY levels). */
function collectEntries(ast: AST.TOMLProgram, result: PyprojectAnalysis): void {
  const top = ast.body[0];
  const keyNames = (key: AST.TOMLKey) => key.keys.map(keyName);
  const record = (path: string[], keySpan: Span, valueSpan: Span, kind: TomlEntry["kind"], nameSpan: Span) => {
    if (path.length > DEEPEST_ENTRY) return;
    if (path.length < 2 || path[0] !== PREFIX[0] || path[1] !== PREFIX[1]) return;
    if (path.length === 2) {
      result.tableSpan ??= keySpan;
      return;
    }
    const below = path.slice(2);
    const id = below.join("\u0000");
    if (!result.entries.has(id)) result.entries.set(id, { path: below, keySpan, nameSpan, valueSpan, kind });
  };
  const visitKeyValue = (kv: AST.TOMLKeyValue, base: string[]) => {
    const names = keyNames(kv.key);
    const segment = (i: number) => span(kv.key.keys[i] ?? kv.key);
    // Dotted keys create intermediate tables: `tool.kitaru.stack = "x"` creates tool.kitaru.
    for (let i = 1; i < Math.min(names.length, DEEPEST_ENTRY); i++) record([...base, ...names.slice(0, i)], span(kv.key), span(kv.key), "table", segment(i - 1));
    const path = [...base, ...names];
    record(path, span(kv.key), span(kv.value), kv.value.type === "TOMLInlineTable" ? "table" : "value", segment(names.length - 1));
    if (kv.value.type === "TOMLInlineTable") for (const inner of kv.value.body) visitKeyValue(inner, path);
  };
  for (const node of top.body) {
    if (node.type === "TOMLKeyValue") {
      visitKeyValue(node, []);
      continue;
    }
    if (node.kind === "array") continue; // [[array.of.tables]] never holds tool.kitaru settings
    const path = node.resolvedKey.map(String);
    for (let i = 1; i <= Math.min(path.length, DEEPEST_ENTRY); i++) record(path.slice(0, i), span(node.key), span(node.key), "table", span(node.key.keys[i - 1] ?? node.key));
    for (const kv of node.body) visitKeyValue(kv, path);
  }
}

/** Where `tool` is assigned a value (`tool = 5`). */
function toolSpan(ast: AST.TOMLProgram): Span | undefined {
  for (const node of ast.body[0].body) {
    const k = node.type === "TOMLKeyValue" && node.key.keys.length === 1 ? node.key.keys[0] : undefined;
    if (k && keyName(k) === "tool") return span(node);
  }
  return undefined;
}

/** A node's position: 1-based lines, 1-based UTF-16 columns. */
function span(n: AST.HasLocs): Span {
  return { start: { line: n.loc.start.line, column: n.loc.start.column + 1 }, end: { line: n.loc.end.line, column: n.loc.end.column + 1 } };
}

function keyName(k: AST.TOMLKey["keys"][number]): string {
  return k.type === "TOMLBare" ? k.name : k.value;
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

