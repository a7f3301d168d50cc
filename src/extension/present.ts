/** How values, layers and origins read in the editor (tree, hovers, status bar). */
import * as path from "node:path";
import * as vscode from "vscode";
import type { Origin, Source } from "../core/layer";
import type { Candidate } from "../core/resolve";
import { mdCode, mdEscape } from "../core/markdown";
import { SOURCE_LABELS } from "../core/settingsInfo";

export const SOURCE_ICONS: Record<Source, string> = {
  invocation: "play",
  decorator: "symbol-method",
  configure: "gear",
  env: "terminal",
  "zenml-env": "terminal",
  pyproject: "file-code",
  global: "home",
  default: "circle-outline",
};

export function sourceLabel(source: Source): string {
  return SOURCE_LABELS[source];
}

/** A value as a person reads it; secrets arrive already masked from the core. */
export function displayValue(c: Pick<Candidate, "value" | "dynamic">): string {
  if (c.dynamic !== undefined) return `dynamic: ${truncate(c.dynamic, 40)}`;
  const v = c.value;
  if (v === null) return "unset";
  if (typeof v === "string") return v === "" ? '""' : v;
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ")}]`;
  return JSON.stringify(v);
}

export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, " ");
  return oneLine.length > max ? oneLine.slice(0, max - 1) + "…" : oneLine;
}

/** `pyproject.toml:12`, `$KITARU_STACK`, `$X (.env:3)`, relative to the workspace folder when inside it. */
export function describeOrigin(origin: Origin | undefined, base?: string): string {
  if (!origin) return "";
  if ("env" in origin) {
    const at = origin.file ? `${shortPath(origin.file, base)}:${origin.line ?? 1}` : "";
    // `.env:3` for an env file; `kitaru.environment setting in .vscode/settings.json:4`; `kitaru.environment setting`.
    const via = at ? (origin.via && !origin.via.startsWith("env file") ? `${origin.via} in ${at}` : at) : origin.via ?? "";
    return `$${origin.env}${via ? ` (${via})` : ""}`;
  }
  return `${shortPath(origin.file, base)}:${origin.line}`;
}

export function shortPath(file: string, base?: string): string {
  if (base) {
    const rel = path.relative(base, file);
    if (!rel.startsWith("..") && !path.isAbsolute(rel)) return rel;
  }
  const home = process.env.HOME ?? process.env.USERPROFILE;
  if (home && file.startsWith(home + path.sep)) return "~" + file.slice(home.length);
  return file;
}

export function originLocation(origin: Origin | undefined): { uri: vscode.Uri; line: number; column: number } | undefined {
  if (!origin) return undefined;
  if ("env" in origin) return origin.file ? { uri: vscode.Uri.file(origin.file), line: origin.line ?? 1, column: 1 } : undefined;
  return { uri: vscode.Uri.file(origin.file), line: origin.line, column: origin.column ?? 1 };
}

/** Escapes the characters that start Markdown inline syntax (values can hold `*`, `_`, backticks). Not for code spans: see `mdCode`. */
export function md(text: string): string {
  return mdEscape(text);
}

/** A code span showing `text` literally (`https://bob:****@host`, not `\*\*\*\*`). */
export { mdCode };

/** The project as a person names it: its folder, or its path inside the folder. */
export function projectLabel(project: { dir: string; folder: { name: string; uri: { fsPath: string } } }): string {
  const rel = path.relative(project.folder.uri.fsPath, project.dir);
  return rel ? `${project.folder.name}/${rel.split(path.sep).join("/")}` : project.folder.name;
}
