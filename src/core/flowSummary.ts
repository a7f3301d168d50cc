/**
 * One-line summaries of a flow's or a call's execution settings, each with the layer that set
 * it: the CodeLens texts (`stack prod-cluster · run()`, `cache on · @flow`), the Flows tree and
 * the CLI share them. Works on a Resolution's settings and on the `resolve --json` settings alike.
 * The invocation layer is named after the call: `run()` or `deploy()`.
 */
import * as nodePath from "node:path";
import { SOURCES, type Source } from "./layer";
import { SOURCE_LABELS, SOURCE_SHORT } from "./settingsInfo";
import type { JsonValue } from "./types";

type OriginLike = { file: string; line: number } | { env: string; file?: string; line?: number };

/** What the summaries need of a setting: a Resolution's Setting and a `resolve --json` entry both fit. */
export interface SettingLike {
  value: JsonValue;
  source: Source;
  dynamic?: string;
  masked?: boolean;
  origin?: OriginLike;
  note?: string;
  overridden?: SettingLike[];
}

export type SummaryKey = "stack" | "cache" | "retries" | "image";

export interface SummaryItem {
  key: SummaryKey;
  /** `stack prod-cluster · run()` */
  title: string;
  /** The value as shown (`prod-cluster`, `on`, `dynamic: os.environ["STACK"]`). */
  value: string;
  /** The layer shown: the winner's; for image, the highest layer contributing a field. */
  source: Source;
  /** Several lines of plain text: value, where it is set, what it overrides. */
  detail: string;
}

const MAX_VALUE = 32;

/** The method of the call whose invocation layer is shown; a flow without a call reads as run(). */
export type InvocationMethod = "run" | "deploy";

export interface SummaryOptions {
  method?: InvocationMethod | undefined;
}

/** The short layer name (`run()`, `deploy()`, `@flow`, …). */
export function layerShort(source: Source, method?: InvocationMethod): string {
  return source === "invocation" && method === "deploy" ? "deploy()" : SOURCE_SHORT[source];
}

/** The layer's name in sentences (`run() argument`, `deploy() argument`, `@flow decorator`, …). */
export function layerLabel(source: Source, method?: InvocationMethod): string {
  return source === "invocation" && method === "deploy" ? "deploy() argument" : SOURCE_LABELS[source];
}

/**
 * A value that may come from a `**opts` argument at run time: the layer may set it or not, so the
 * layers below it are what applies otherwise, not overridden for certain.
 */
export function isSpread(s: Pick<SettingLike, "dynamic">): boolean {
  return s.dynamic !== undefined && s.dynamic.startsWith("**");
}

/** The four summaries, in a fixed order: stack, cache, retries, image. */
export function executionSummary(settings: Readonly<Record<string, SettingLike | undefined>>, base?: string, options: SummaryOptions = {}): SummaryItem[] {
  const m = options.method;
  return [scalar("stack", settings, base, m), scalar("cache", settings, base, m), scalar("retries", settings, base, m), image(settings, base, m)];
}

/** A value as one short text: cache reads on/off, unset values `unset`, dynamic values with their source text. */
export function summaryValue(key: string, s: Pick<SettingLike, "value" | "dynamic">): string {
  if (s.dynamic !== undefined) return `dynamic: ${clip(s.dynamic, MAX_VALUE)}`;
  const v = s.value;
  if (v === null || v === undefined) return "unset";
  if (key === "cache" || key.endsWith(".cache")) return v === true ? "on" : v === false ? "off" : String(v);
  if (typeof v === "string") return v === "" ? '""' : clip(v, MAX_VALUE);
  if (Array.isArray(v)) return clip(v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", "), MAX_VALUE);
  return JSON.stringify(v);
}

function scalar(key: "stack" | "cache" | "retries", settings: Readonly<Record<string, SettingLike | undefined>>, base: string | undefined, method: InvocationMethod | undefined): SummaryItem {
  const s = settings[key] ?? { value: key === "retries" ? 0 : null, source: "default" as const };
  const value = summaryValue(key, s);
  return { key, title: `${key} ${value} · ${layerShort(s.source, method)}`, value, source: s.source, detail: detailOf(key, s, base, method) };
}

function rank(source: Source): number {
  return SOURCES.indexOf(source);
}

function fieldOf(key: string): string {
  const rest = key.slice("image.".length);
  return rest.startsWith("environment.") ? "environment" : rest;
}

function image(settings: Readonly<Record<string, SettingLike | undefined>>, base: string | undefined, method: InvocationMethod | undefined): SummaryItem {
  const short = (source: Source) => layerShort(source, method);
  const fields = Object.entries(settings).filter((e): e is [string, SettingLike] => e[0].startsWith("image.") && e[1] !== undefined && e[1].source !== "default");
  const whole = settings.image; // image=<dynamic expression>
  const lines: string[] = [];
  for (const [k, s] of fields) lines.push(`${k.slice("image.".length)} = ${s.masked ? `${String(s.value)} (masked)` : summaryValue(k, s)}  ·  ${short(s.source)}${s.origin ? ` (${where(s.origin, base)})` : ""}`);
  if (whole?.dynamic !== undefined) {
    const why = isSpread(whole) ? `${whole.dynamic} may set image fields at run time, over the ones below` : "its fields are only known at run time";
    lines.unshift(`image = dynamic: ${whole.dynamic}  ·  ${short(whole.source)}${whole.origin ? ` (${where(whole.origin, base)})` : ""}: ${why}`);
  }
  const detail = lines.length ? ["image (merged field by field, environment variable by variable):", ...lines].join("\n") : "image: no layer sets one; Kitaru builds its default image";

  const topRank = Math.min(...fields.map(([, s]) => rank(s.source)), whole ? rank(whole.source) : Infinity);
  if (whole?.dynamic !== undefined && rank(whole.source) <= topRank) {
    const value = summaryValue("image", whole);
    return { key: "image", title: `image ${value} · ${short(whole.source)}`, value, source: whole.source, detail };
  }
  if (!fields.length) return { key: "image", title: "image default", value: "default", source: "default", detail };

  const baseImage = settings["image.base_image"];
  const baseRank = baseImage && baseImage.source !== "default" ? rank(baseImage.source) : Infinity;
  // Fields set above the base image's layer, grouped by layer, highest first.
  const groups = new Map<Source, string[]>();
  for (const [k, s] of fields) {
    if (k === "image.base_image" || rank(s.source) >= baseRank) continue;
    const names = groups.get(s.source) ?? [];
    const f = fieldOf(k);
    if (!names.includes(f)) names.push(f);
    groups.set(s.source, names);
  }
  const ordered = [...groups.entries()].sort((a, b) => rank(a[0]) - rank(b[0]));
  // The highest layer's fields only (a lens is one line); the tooltip lists them all.
  const highest = ordered[0];
  const more = ordered.length > 1 ? ", …" : "";
  const fieldsText = highest ? `${highest[1].slice(0, 2).join(", ")}${highest[1].length > 2 ? "…" : ""} · ${short(highest[0])}${more}` : "";
  const top = highest?.[0] ?? baseImage!.source;
  if (baseImage && baseRank !== Infinity) {
    const value = summaryValue("image.base_image", baseImage);
    const title = `image ${value} · ${short(baseImage.source)}${fieldsText ? `, +${fieldsText}` : ""}`;
    return { key: "image", title, value, source: top, detail };
  }
  return { key: "image", title: `image ${fieldsText}`, value: ordered.map(([, n]) => n.join(", ")).join(", "), source: top, detail };
}

function detailOf(key: string, s: SettingLike, base: string | undefined, method: InvocationMethod | undefined): string {
  const label = (source: Source) => layerLabel(source, method);
  const lines = [`${key} = ${s.masked ? `${String(s.value)} (masked)` : s.dynamic !== undefined ? `dynamic: ${s.dynamic} (known only at run time)` : summaryValue(key, { value: s.value })}`];
  lines.push(`set by ${label(s.source)}${s.origin ? ` (${where(s.origin, base)})` : ""}${s.note ? `: ${s.note}` : ""}`);
  const lower = (s.overridden ?? []).filter((o) => !(o.source === "default" && o.value === null));
  const described = lower.map((o) => `${summaryValue(key, o)} (${label(o.source)}${o.origin ? `, ${where(o.origin, base)}` : ""})`);
  if (isSpread(s)) {
    // Not overridden for certain: the next layer applies unless the spread sets the key.
    lines.push(`if ${s.dynamic} does not set it: ${described[0] ?? `${summaryValue(key, { value: key === "retries" ? 0 : null })} (${label("default")})`}`);
    if (described.length > 1) lines.push(`below that: ${described.slice(1).join("; ")}`);
  } else if (described.length) {
    lines.push(`overrides: ${described.join("; ")}`);
  }
  return lines.join("\n");
}

/** `file:line` relative to `base` when inside it, or `$NAME`. */
export function where(origin: OriginLike, base?: string): string {
  if ("env" in origin) return origin.file ? `$${origin.env} (${rel(origin.file, base)}:${origin.line})` : `$${origin.env}`;
  return `${rel(origin.file, base)}:${origin.line}`;
}

function rel(file: string, base: string | undefined): string {
  if (!base) return file;
  const p = /^[A-Za-z]:[\\/]|\\/.test(file) ? nodePath.win32 : nodePath.posix;
  const r = p.relative(base, file);
  return r && !r.startsWith("..") && !p.isAbsolute(r) ? r.split(p.sep).join("/") : file;
}

function clip(text: string, max: number): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > max ? one.slice(0, max - 1) + "…" : one;
}
