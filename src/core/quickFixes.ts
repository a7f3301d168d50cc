/**
 * Quick fixes as plain text edits, offered only where the fix is certain to do
 * what its title says: rename `runner` to `stack`, apply a did-you-mean, quote
 * a value YAML/TOML read as a number, remove a key Kitaru ignores. The editor
 * turns them into code actions; tests apply them to text.
 */
import { compare, type DocumentCheck, type DocumentEntry } from "./documentChecks";
import { LineIndex } from "./positions";
import type { Problem } from "./problems";
import type { Span } from "./types";

export interface TextEdit {
  span: Span;
  newText: string;
}

export interface QuickFix {
  title: string;
  edits: TextEdit[];
  /** The fix is certain (VS Code applies a preferred fix with "Auto Fix"). */
  preferred: boolean;
  problem: Problem;
}

/** The fixes for one problem of `check`, which must have been computed from `text`. */
export function quickFixes(check: DocumentCheck, text: string, problem: Problem): QuickFix[] {
  const span = problem.span;
  if (!span || problem.file !== check.file) return [];
  const fixes: QuickFix[] = [];
  const entry = entryAt(check, span);
  const add = (title: string, edits: TextEdit[] | undefined, preferred = false) => {
    if (edits && edits.length) fixes.push({ title, edits, preferred, problem });
  };
  const rename = (to: string) => {
    // Renaming onto a key that is already there would write a duplicate key (a TOML syntax error).
    if (entry && check.entries.some((e) => e !== entry && e.path.length === entry.path.length && e.path.slice(0, -1).join("\0") === entry.path.slice(0, -1).join("\0") && e.path.at(-1) === to)) return undefined;
    return [{ span: entry?.nameSpan ?? span, newText: to }];
  };

  switch (problem.code) {
    case "renamed-key":
      if (problem.fix?.kind === "rename-key") {
        const renamed = rename(problem.fix.to);
        // With the new key already there, renaming would duplicate it: removing the old one is the fix.
        if (renamed) add(`Rename ${nameOf(entry, text, span)} to ${problem.fix.to}`, renamed, true);
        else if (entry) add(`Remove ${nameOf(entry, text, span)} (${problem.fix.to} is already set)`, removeEntry(check, text, entry), true);
      }
      break;
    case "unknown-key":
    case "forbidden-key": {
      const name = nameOf(entry, text, span);
      if (problem.fix?.kind === "rename-key") add(`Rename ${name} to ${problem.fix.to}`, rename(problem.fix.to));
      add(`Remove ${name}${problem.code === "unknown-key" ? " (Kitaru ignores it)" : ""}`, entry ? removeEntry(check, text, entry) : undefined);
      break;
    }
    case "unused-connection-key":
    case "secret-in-file":
      if (problem.fix?.kind === "remove-key" && entry) add(`Remove ${nameOf(entry, text, span)}`, removeEntry(check, text, entry));
      break;
    case "unknown-alias":
      if (problem.fix?.kind === "rename-key") add(`Change the default alias to ${problem.fix.to}`, [{ span, newText: problem.fix.to }]);
      break;
    case "invalid-value": {
      const quoted = quotable(check, text, problem);
      // The title never repeats the value: it may be a secret.
      if (quoted !== undefined) add("Quote the value as a string", [{ span, newText: quoted }], true);
      break;
    }
    default:
      break;
  }
  return fixes;
}

/** Applies edits (which must not overlap) to a text, for tests and the CLI. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const index = new LineIndex(text);
  const ordered = edits.map((e) => ({ start: index.offset(e.span.start), end: index.offset(e.span.end), text: e.newText })).sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of ordered) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The entry a problem's span points at (its name, its whole key, or its value). */
function entryAt(check: DocumentCheck, span: Span): DocumentEntry | undefined {
  const same = (a: Span, b: Span) => compare(a.start, b.start) === 0 && compare(a.end, b.end) === 0;
  const hits = check.entries.filter((e) => same(e.nameSpan, span) || same(e.keySpan, span) || same(e.valueSpan, span));
  return hits.sort((a, b) => b.path.length - a.path.length)[0];
}

function nameOf(entry: DocumentEntry | undefined, text: string, span: Span): string {
  if (entry) return entry.path.at(-1) ?? "key";
  const index = new LineIndex(text);
  return text.slice(index.offset(span.start), index.offset(span.end));
}

/**
 * The value quoted, when the problem is a number or boolean where Kitaru wants a
 * string: kitaru.yaml's `api_key: 12345` (the fix data says so), or a
 * `[tool.kitaru.image.environment]` value like `WORKERS = 4`.
 */
function quotable(check: DocumentCheck, text: string, problem: Problem): string | undefined {
  const span = problem.span!;
  const index = new LineIndex(text);
  const raw = text.slice(index.offset(span.start), index.offset(span.end));
  if (raw.length === 0 || /["'\\\r\n]/.test(raw)) return undefined;
  if (check.kind === "kitaru-yaml") return problem.fix?.kind === "quote-value" ? `"${raw}"` : undefined;
  const envValue = problem.key?.startsWith("image.environment.") === true;
  // TOML numbers and booleans, as written (`4`, `1_000`, `0x1F`, `2.5`, `1e3`, `true`).
  const tomlScalar = /^(?:true|false|[+-]?(?:0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*(?:\.[0-9_]+)?(?:[eE][+-]?[0-9_]+)?|inf|nan))$/;
  return envValue && tomlScalar.test(raw) ? `"${raw}"` : undefined;
}

/**
 * Removes one `key = value` (or `key: value`): the whole line(s) when it stands
 * on its own lines, else (inside an inline table) the entry and one adjacent
 * comma. A `[table]` header or a YAML flow mapping entry is not removed: more
 * than one line would have to go, and which ones is not certain.
 */
function removeEntry(check: DocumentCheck, text: string, entry: DocumentEntry): TextEdit[] | undefined {
  const index = new LineIndex(text);
  const start = index.offset(entry.keySpan.start);
  let end = index.offset(entry.valueSpan.end);
  if (check.kind === "pyproject" && /\[\s*$/.test(text.slice(lineStart(text, start), start))) return undefined; // a [table] header
  const before = text.slice(lineStart(text, start), start);
  // A block value may end after its own line break.
  while (end > start && (text[end - 1] === "\n" || text[end - 1] === "\r")) end--;
  // After the value: nothing, or a comment (a YAML key without a value still has its colon there).
  const rest = text.slice(end, lineEnd(text, end)).trim().replace(check.kind === "kitaru-yaml" ? /^:\s*/ : /^$/, "");
  const standsAlone = before.trim() === "" && (rest === "" || rest.startsWith("#"));
  if (standsAlone) {
    const from = lineStart(text, start);
    let to = lineEnd(text, end);
    if (text[to] === "\r" && text[to + 1] === "\n") to += 2;
    else if (text[to] === "\n" || text[to] === "\r") to += 1;
    return [{ span: index.span(from, to), newText: "" }];
  }
  if (check.kind !== "pyproject") return undefined;
  // Inside an inline table: take the following comma, else the preceding one.
  let after = end;
  while (text[after] === " " || text[after] === "\t") after++;
  if (text[after] === ",") {
    after++;
    while (text[after] === " " || text[after] === "\t") after++;
    return [{ span: index.span(start, after), newText: "" }];
  }
  let prev = start;
  while (prev > 0 && (text[prev - 1] === " " || text[prev - 1] === "\t")) prev--;
  if (text[prev - 1] === ",") return [{ span: index.span(prev - 1, end), newText: "" }];
  return [{ span: index.span(start, end), newText: "" }];
}

function lineStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== "\n" && text[i - 1] !== "\r") i--;
  return i;
}

function lineEnd(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && text[i] !== "\n" && text[i] !== "\r") i++;
  return i;
}
