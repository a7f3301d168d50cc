/** Human-readable output, in the spirit of `npm config ls -l` and `git config --show-origin`. */
import * as os from "node:os";
import * as path from "node:path";
import { type Candidate, type Resolution, type Setting } from "./resolve";
import type { Problem } from "./problems";
import { isSpread, layerLabel, type InvocationMethod } from "./flowSummary";
import { SOURCES, type Source } from "./layer";
import { groupOf, SOURCE_LABELS, type Group } from "./settingsInfo";

export interface FormatOptions {
  color: boolean;
}

/** Colour for a terminal (`isTTY`, e.g. tty.isatty(1)), unless NO_COLOR; FORCE_COLOR forces it. */
export function useColor(isTTY: boolean): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.env.FORCE_COLOR) return true;
  return isTTY;
}

const GROUPS: Group[] = ["Execution", "Image", "Connection", "LLM", "Log store", "Housekeeping", "Checkpoints"];

function paint(on: boolean) {
  const wrap = (code: string) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { bold: wrap("1"), dim: wrap("2"), red: wrap("31"), yellow: wrap("33"), cyan: wrap("36"), green: wrap("32"), strike: wrap("9") };
}

export function showValue(c: Pick<Candidate, "value" | "dynamic" | "masked">): string {
  if (c.dynamic !== undefined) return `‹dynamic: ${c.dynamic.length > 50 ? c.dynamic.slice(0, 47) + "…" : c.dynamic}›`;
  if (c.value === null) return "(unset)";
  return JSON.stringify(c.value);
}

function shortPath(file: string, r: Pick<Resolution, "workspace">): string {
  const rel = path.relative(r.workspace, file);
  if (!rel.startsWith("..") && !path.isAbsolute(rel)) return rel;
  const home = os.homedir();
  return file.startsWith(home + path.sep) ? "~" + file.slice(home.length) : file;
}

function where(c: Candidate, r: Resolution): string {
  const o = c.origin;
  if (!o) return c.note ?? "";
  if ("env" in o) return envWhere(o, r);
  return `${shortPath(o.file, r)}:${o.line}`;
}

/** `$KITARU_STACK`, `$KITARU_STACK (env file .env:3)`, `$KITARU_STACK (kitaru.environment setting)`. */
function envWhere(o: { env: string; file?: string; line?: number; via?: string }, r: Pick<Resolution, "workspace">): string {
  if (o.file) {
    const at = `${shortPath(o.file, r)}:${o.line ?? 1}`;
    return `$${o.env} (${o.via?.startsWith("env file") ? `env file ${at}` : o.via ? `${o.via}, ${at}` : at})`;
  }
  return o.via ? `$${o.env} (${o.via})` : `$${o.env}`;
}

/** The invocation layer is the call's: `run() argument` or `deploy() argument`. */
function methodOf(r: Pick<Resolution, "python">): InvocationMethod | undefined {
  return r.python?.call?.method;
}

export function formatResolution(r: Resolution, opts: FormatOptions): string {
  const c = paint(opts.color);
  const lines: string[] = [];
  lines.push(c.bold(`Kitaru configuration for ${r.workspace}`) + (r.cwd !== r.workspace ? c.dim(` (run from ${shortPath(r.cwd, r)})`) : ""));
  lines.push(c.dim(`config directory: ${r.configDir.path}  [${r.configDir.source === "default" ? r.configDir.reason : r.configDir.source}]`));
  if (r.python?.flow) lines.push(c.dim(`flow: ${r.python.flow.name} (${shortPath(r.python.flow.file, r)}:${r.python.flow.span.start.line})${r.python.call ? `, called at ${shortPath(r.python.call.file, r)}:${r.python.call.line}` : ""}`));
  const settings = Object.values(r.settings);
  const cols = {
    key: Math.min(40, Math.max(8, ...settings.map((s) => s.key.length))),
    value: Math.min(36, Math.max(6, ...settings.flatMap((s) => [s, ...s.overridden].map((c) => showValue(c).length)))),
    layer: Math.max(...Object.keys(SOURCE_LABELS).map((k) => layerLabel(k as Source, methodOf(r)).length)),
  };
  for (const group of GROUPS) {
    // image=<expression> / **opts: the whole image first, above the fields it may override.
    const inGroup = settings.filter((s) => groupOf(s.key) === group).sort((a, b) => Number(b.key === "image") - Number(a.key === "image"));
    if (!inGroup.length) continue;
    lines.push("", c.bold(group));
    for (const s of inGroup) lines.push(...settingLines(s, r, cols, c));
  }
  if (r.problems.length) {
    lines.push("", c.bold("Problems"));
    for (const p of r.problems) lines.push("  " + problemLine(p, r, c));
  }
  lines.push("", c.dim(`Layers, highest first: ${layerLabel("invocation", methodOf(r))} > @flow decorator > kitaru.configure() > environment > pyproject.toml > persisted > built-in default`));
  return lines.join("\n") + "\n";
}

type Columns = { key: number; value: number; layer: number };

function pad(text: string, width: number): string {
  return text.length >= width ? text + " " : text.padEnd(width + 1);
}

function settingLines(s: Setting, r: Resolution, cols: Columns, c: ReturnType<typeof paint>): string[] {
  const label = (source: Source) => layerLabel(source, methodOf(r));
  const value = pad(showValue(s), cols.value);
  const origin = where(s, r);
  const head = `  ${s.key.padEnd(cols.key)} = ${s.source === "default" ? c.dim(value) : c.cyan(value)} ${c.green(pad(label(s.source), cols.layer))}${origin ? c.dim(origin) : ""}${s.masked ? c.dim("  (masked)") : ""}`;
  const out = [head.trimEnd()];
  const indent = " ".repeat(cols.key + 5);
  if (s.note && s.origin) out.push(`${indent}${c.dim(s.note)}`);
  const whole = r.settings.image;
  if (s.key.startsWith("image.") && whole?.dynamic !== undefined && SOURCES.indexOf(whole.source) < SOURCES.indexOf(s.source)) {
    out.push(`${indent}${c.dim(`may be overridden at run time by ${whole.dynamic} (${label(whole.source)}${where(whole, r) ? `, ${where(whole, r)}` : ""})`)}`);
  }
  // Below a `**opts` spread, the next layer is what applies when the spread does not set the key.
  const spread = isSpread(s);
  s.overridden.forEach((o, i) => {
    const what = spread && i === 0 ? `otherwise ` : "overrides ";
    const shown = spread && i === 0 ? showValue(o) : c.strike(showValue(o));
    out.push(`${indent}${c.dim(what)}${shown} ${c.dim(`(${label(o.source)}${where(o, r) ? `, ${where(o, r)}` : ""})`)}`);
  });
  return out;
}

function problemLine(p: Problem, r: Pick<Resolution, "workspace">, c: ReturnType<typeof paint>): string {
  const sev = p.severity === "error" ? c.red("error") : p.severity === "warning" ? c.yellow("warning") : c.cyan("info");
  const loc = p.file ? `${shortPath(p.file, r)}${p.span ? `:${p.span.start.line}:${p.span.start.column}` : ""}` : p.env ? `$${p.env}` : "";
  return `${loc ? loc + ": " : ""}${sev}: ${p.message} ${c.dim(`[${p.code}]`)}`;
}

/** `file:line:column: severity: message [code]`, the form editors and CI logs turn into links. */
export function formatCheck(r: Resolution, opts: FormatOptions): string {
  return formatProblems(r.problems, r.workspace, opts);
}

/** The same lines for any problems (`check FILE...`), paths relative to `workspace`. */
export function formatProblems(problems: readonly Problem[], workspace: string, opts: FormatOptions): string {
  const c = paint(opts.color);
  const lines = problems.map((p) => problemLine(p, { workspace }, c));
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.filter((p) => p.severity === "warning").length;
  const infos = problems.length - errors - warnings;
  const notes = infos ? `, ${infos} info` : "";
  lines.push(errors || warnings ? `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}${notes}` : infos ? c.green(`No errors or warnings${notes}.`) : c.green("No problems found."));
  return lines.join("\n") + "\n";
}

