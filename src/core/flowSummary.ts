/**
 * One-line summaries of a flow's or a call's execution settings, each with the layer that set
 * it: the CodeLens texts (`stack prod-cluster · run()`, `cache on · @flow`), the Flows tree and
 * the CLI share them. Works on a Resolution's settings and on the `resolve --json` settings alike.
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

/** The four summaries, in a fixed order: stack, cache, retries, image. */
export function executionSummary(settings: Readonly<Record<string, SettingLike | undefined>>, base?: string): SummaryItem[] {
  return [scalar("stack", settings, base), scalar("cache", settings, base), scalar("retries", settings, base), image(settings, base)];
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

function scalar(key: "stack" | "cache" | "retries", settings: Readonly<Record<string, SettingLike | undefined>>, base: string | undefined): SummaryItem {
  const s = settings[key] ?? { value: key === "retries" ? 0 : null, source: "default" as const };
  const value = summaryValue(key, s);
  return { key, title: `${key} ${value} · ${SOURCE_SHORT[s.source]}`, value, source: s.source, detail: detailOf(key, s, base) };
}

function rank(source: Source): number {
  return SOURCES.indexOf(source);
}

function fieldOf(key: string): string {
  const rest = key.slice("image.".length);
  return rest.startsWith("environment.") ? "environment" : rest;
}

function image(settings: Readonly<Record<string, SettingLike | undefined>>, base: string | undefined): SummaryItem {
  const fields = Object.entries(settings).filter((e): e is [string, SettingLike] => e[0].startsWith("image.") && e[1] !== undefined && e[1].source !== "default");
  const whole = settings.image; // image=<dynamic expression>
  const lines: string[] = [];
  for (const [k, s] of fields) lines.push(`${k.slice("image.".length)} = ${s.masked ? `${String(s.value)} (masked)` : summaryValue(k, s)}  ·  ${SOURCE_SHORT[s.source]}${s.origin ? ` (${where(s.origin, base)})` : ""}`);
  if (whole?.dynamic !== undefined) lines.unshift(`image = dynamic: ${whole.dynamic}  ·  ${SOURCE_SHORT[whole.source]}${whole.origin ? ` (${where(whole.origin, base)})` : ""}: its fields are only known at run time`);
  const detail = lines.length ? ["image (merged field by field, environment variable by variable):", ...lines].join("\n") : "image: no layer sets one; Kitaru builds its default image";

  const topRank = Math.min(...fields.map(([, s]) => rank(s.source)), whole ? rank(whole.source) : Infinity);
  if (whole?.dynamic !== undefined && rank(whole.source) <= topRank) {
    const value = summaryValue("image", whole);
    return { key: "image", title: `image ${value} · ${SOURCE_SHORT[whole.source]}`, value, source: whole.source, detail };
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
  const fieldsText = highest ? `${highest[1].slice(0, 2).join(", ")}${highest[1].length > 2 ? "…" : ""} · ${SOURCE_SHORT[highest[0]]}${more}` : "";
  const top = highest?.[0] ?? baseImage!.source;
  if (baseImage && baseRank !== Infinity) {
    const value = summaryValue("image.base_image", baseImage);
    const title = `image ${value} · ${SOURCE_SHORT[baseImage.source]}${fieldsText ? `, +${fieldsText}` : ""}`;
    return { key: "image", title, value, source: top, detail };
  }
  return { key: "image", title: `image ${fieldsText}`, value: ordered.map(([, n]) => n.join(", ")).join(", "), source: top, detail };
}

function detailOf(key: string, s: SettingLike, base: string | undefined): string {
  const lines = [`${key} = ${s.masked ? `${String(s.value)} (masked)` : s.dynamic !== undefined ? `dynamic: ${s.dynamic} (known only at run time)` : summaryValue(key, { value: s.value })}`];
  lines.push(`set by ${SOURCE_LABELS[s.source]}${s.origin ? ` (${where(s.origin, base)})` : ""}${s.note ? `: ${s.note}` : ""}`);
  const lower = (s.overridden ?? []).filter((o) => !(o.source === "default" && o.value === null));
  if (lower.length) lines.push(`overrides: ${lower.map((o) => `${summaryValue(key, o)} (${SOURCE_LABELS[o.source]}${o.origin ? `, ${where(o.origin, base)}` : ""})`).join("; ")}`);
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
