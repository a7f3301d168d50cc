/**
 * Env files (`.env`), parsed by dotenv, with the line and column that set each
 * variable so a value shown in the tree can say where it came from, and the
 * lines dotenv ignores (no `=`), so they can be reported instead of dropped.
 */
import { dotenv } from "./libraries";
import type { Problem } from "./problems";
import { isSecretName, secretValueKind } from "./secrets";

export interface EnvFileEntry {
  name: string;
  value: string;
  /** 1-based line of the (last) assignment. */
  line: number;
  /** 1-based column where the variable's name starts on that line. */
  column: number;
}

/** A line dotenv skips although it is neither blank nor a comment. */
export interface IgnoredEnvLine {
  line: number;
  /** The line's length (for a range), never its text: it may hold a secret. */
  length: number;
  /** The first word when it looks like a variable name that is not secret-looking; else undefined. */
  word?: string;
  /** The line of an earlier quoted value that is not closed (the likely cause), if any. */
  unclosedQuoteLine?: number;
}

export interface EnvFileAnalysis {
  entries: EnvFileEntry[];
  ignored: IgnoredEnvLine[];
}

/**
 * dotenv 17's own line expression (lib/main.js `LINE`), used only to find where
 * each assignment is and which lines it covers; the values come from dotenv's
 * `parse` itself.
 */
const LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

export function analyzeEnvFile(text: string): EnvFileAnalysis {
  const values = dotenv().parse(text);
  // dotenv normalises line breaks the same way before matching.
  const src = text.replace(/\r\n?/g, "\n");
  const starts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === "\n") starts.push(i + 1);
  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const covered = new Set<number>();
  const where = new Map<string, { line: number; column: number }>();
  const unclosed: number[] = [];
  LINE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = LINE.exec(src)) !== null) {
    if (m[0].length === 0) {
      LINE.lastIndex++;
      continue;
    }
    const name = m[1]!;
    const keyOffset = m.index + m[0].indexOf(name);
    const first = lineOf(keyOffset);
    const last = lineOf(m.index + m[0].length - 1);
    for (let l = first; l <= last; l++) covered.add(l);
    where.set(name, { line: first, column: keyOffset - starts[first - 1]! + 1 });
    const value = (m[2] ?? "").trim();
    if (/^['"`]/.test(value) && (value.length === 1 || value[value.length - 1] !== value[0])) unclosed.push(first);
  }
  const entries: EnvFileEntry[] = Object.entries(values).map(([name, value]) => ({ name, value, ...(where.get(name) ?? { line: 1, column: 1 }) }));
  const lines = src.split("\n");
  const ignored: IgnoredEnvLine[] = [];
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith("#") || covered.has(line)) return;
    const first = /^(?:export\s+)?([A-Za-z_][\w.-]*)/.exec(trimmed)?.[1];
    const quote = [...unclosed].reverse().find((l) => l < line);
    // The word is shown in the problem: never a secret's name, nor a token pasted on its own line.
    ignored.push({ line, length: raw.length, ...(first && !isSecretName(first) && secretValueKind(first) === undefined ? { word: first } : {}), ...(quote !== undefined ? { unclosedQuoteLine: quote } : {}) });
  });
  return { entries, ignored };
}

/** The variables an env file sets, with the line and column of the assignment that wins. */
export function parseEnvFile(text: string): EnvFileEntry[] {
  return analyzeEnvFile(text).entries;
}

/**
 * What is wrong with the env file named by a setting: missing, unreadable, or
 * lines that set nothing. `shown` is how the file is named in messages
 * (relative to the workspace folder); `setting` names the setting.
 */
export function envFileProblems(file: string, shown: string, state: { analysis: EnvFileAnalysis } | { missing: true } | { error: string }, setting = "kitaru.envFile"): Problem[] {
  if ("missing" in state) {
    return [{ severity: "warning", code: "env-file-missing", message: `${setting} names ${shown}, which does not exist, so no variables from it are explained. Create the file, or correct or clear ${setting}.` }];
  }
  if ("error" in state) {
    return [{ severity: "warning", code: "file-unreadable", message: `${setting} names ${shown}, which cannot be read (${state.error}), so no variables from it are explained.` }];
  }
  return state.analysis.ignored.map((l) => ({
    severity: "warning",
    code: "env-file-line",
    file,
    span: { start: { line: l.line, column: 1 }, end: { line: l.line, column: Math.max(1, l.length) + (l.length ? 1 : 0) } },
    message: `${shown}:${l.line}${l.word ? ` (${l.word} …)` : ""} has no "=", so the line sets nothing: dotenv skips it.${l.unclosedQuoteLine !== undefined ? ` The quoted value on line ${l.unclosedQuoteLine} may be missing its closing quote.` : " Write NAME=value, or comment it out with #."}`,
  }));
}
