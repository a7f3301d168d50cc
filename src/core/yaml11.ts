/** YAML read the way Kitaru reads it (PyYAML: YAML 1.1, merge keys), with positions. */
import type { Document, Node, Pair, Tags } from "yaml";
import { yamlLibrary } from "./libraries";
import { LineIndex } from "./positions";
import type { Span } from "./types";

/**
 * Kitaru's YAML files are a few lines; the yaml package needs seconds for a long line of
 * brackets or quotes (and minutes at 50 MB), so larger files are not parsed at all.
 */
export const MAX_YAML_BYTES = 256_000;

/** The problem text for a YAML file over MAX_YAML_BYTES. */
export function yamlTooLarge(file: string, length: number, consequence: string): string {
  return `${file} is ${Math.round(length / 1000).toLocaleString("en-US")} KB, over the ${MAX_YAML_BYTES / 1000} KB read for a Kitaru YAML file (they are a few lines), so it is not read: ${consequence} Check that it is the right file, or shorten it.`;
}

export interface YamlFile {
  doc: Document.Parsed;
  index: LineIndex;
  /** The first syntax error, already without source excerpts (which could hold secrets). */
  error?: { message: string; span: Span };
}

/**
 * The `yaml` package's 1.1 schema is broader than PyYAML's resolvers: it reads
 * `y`/`n` as booleans, `0123456789` and `08` as integers and `1e3` as a float,
 * all of which PyYAML keeps as strings. Narrow those tests to PyYAML's.
 */
const PYYAML_TESTS: Record<string, RegExp> = {
  "bool:true": /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/,
  "bool:false": /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/,
  "int:": /^[-+]?(?:0|[1-9][0-9_]*)$/,
  "float:EXP": /^[-+]?(?:[0-9][0-9_]*)\.[0-9_]*[eE][-+][0-9]+$/,
  "float:": /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?)$/,
};

/** Each of yaml's tags, narrowed once per process (parses share the tag objects). */
const narrowed = new WeakMap<object, Tags[number]>();

function pyyamlTags(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag !== "object" || !("test" in tag) || !tag.test) return tag;
    const known = narrowed.get(tag);
    if (known) return known;
    // Told apart by their patterns' text: running yaml's patterns would compile them all.
    const source = tag.test.source;
    const name = tag.tag.replace("tag:yaml.org,2002:", "");
    // The .inf/.nan float tag already matches PyYAML.
    const key = source.includes("nan") ? undefined : name === "bool" ? `bool:${source.includes("rue") ? "true" : "false"}` : `${name}:${tag.format ?? ""}`;
    const test = key === undefined ? undefined : PYYAML_TESTS[key];
    const result = test ? { ...tag, test } : tag;
    narrowed.set(tag, result);
    return result;
  });
}

/** PyYAML's Reader refuses these characters anywhere in a document (its NON_PRINTABLE). */
const NON_PRINTABLE = /[^\t\n\r\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function parseYaml11(text: string): YamlFile {
  const index = new LineIndex(text);
  // The yaml package reads control characters (a binary file) as plain text; PyYAML stops at the first.
  const bad = NON_PRINTABLE.exec(text);
  if (bad) {
    const code = bad[0].codePointAt(0)!;
    const message = `unacceptable character #x${code.toString(16).padStart(4, "0")}: special characters are not allowed`;
    return { doc: yamlLibrary().parseDocument(""), index, error: { message, span: index.span(bad.index, bad.index + bad[0].length) } };
  }
  let doc: Document.Parsed;
  try {
    doc = yamlLibrary().parseDocument(text, { version: "1.1", merge: true, prettyErrors: false, uniqueKeys: false, customTags: pyyamlTags });
  } catch (error) {
    // yaml's parser recurses per nesting level: thousands of levels overflow the stack (PyYAML's composer too).
    const message = error instanceof RangeError ? "nested too deeply to read" : "invalid YAML";
    return { doc: yamlLibrary().parseDocument(""), index, error: { message, span: index.span(0, Math.min(1, text.length)) } };
  }
  const first = doc.errors[0];
  if (!first) return { doc, index };
  const [start, end] = first.pos;
  // yaml's messages are "<what> at line L, column C:\n\n<excerpt>"; keep only <what>.
  const message = first.message.split(/ at line \d+/)[0]?.split("\n")[0]?.trim() || "invalid YAML";
  return { doc, index, error: { message, span: index.span(start, Math.max(end, start + 1)) } };
}

/** The whole document's span (line 1 for an empty one). */
export function wholeDocument(yaml: YamlFile): Span {
  const range = yaml.doc.contents?.range;
  return range ? yaml.index.span(range[0], Math.max(range[1], range[0] + 1)) : { start: { line: 1, column: 1 }, end: { line: 1, column: 2 } };
}

/** Plain JavaScript value of the document (merge keys applied); undefined for an empty document. */
export function yamlValue(file: YamlFile): unknown {
  return file.doc.toJS({ maxAliasCount: 1000 }) ?? undefined;
}

export interface YamlLocation {
  keySpan: Span;
  valueSpan: Span;
  /** The scalar's source text (to quote it as written). */
  valueSource?: string;
}

/**
 * Where the key at `path` is written. A key a mapping takes from a merge key (`<<: *base`) is
 * where the anchored mapping writes it; an alias on the way is followed to its anchor.
 */
export function locateYaml(file: YamlFile, path: readonly (string | number)[]): YamlLocation | undefined {
  let node: unknown = file.doc.contents;
  let pair: Pair | undefined;
  for (const part of path) {
    node = resolveAlias(file, node);
    if (yamlLibrary().isMap(node)) {
      pair = findPair(file, node, String(part), 0);
      if (!pair) return undefined;
      node = pair.value;
    } else if (yamlLibrary().isSeq(node) && typeof part === "number") {
      node = node.items[part];
      pair = undefined;
      if (!node) return undefined;
    } else {
      return undefined;
    }
  }
  const spanOf = (n: unknown): Span | undefined => {
    const range = (n as Node | null)?.range;
    return range ? file.index.span(range[0], range[1]) : undefined;
  };
  const valueSpan = spanOf(node) ?? spanOf(pair?.key);
  const keySpan = spanOf(pair?.key) ?? valueSpan;
  if (!keySpan || !valueSpan) return undefined;
  const source = yamlLibrary().isScalar(node) && node.range ? file.index.text.slice(node.range[0], node.range[1]) : undefined;
  return { keySpan, valueSpan, ...(source !== undefined ? { valueSource: source } : {}) };
}

/** Merges nested deeper than this are not followed (a self-referencing alias is refused by the parser anyway). */
const MAX_MERGE_DEPTH = 32;

/**
 * The pair that gives `key` its value in a mapping, as PyYAML's flatten_mapping decides: the
 * mapping's own key (the last of duplicates) wins; else the merge keys, the last `<<` first, and
 * within `<<: [*a, *b]` the first mapping first.
 */
function findPair(file: YamlFile, map: { items: Pair[] }, key: string, depth: number): Pair | undefined {
  const own = [...map.items].reverse().find((p) => !isMergeKey(p.key) && keyText(p.key) === key);
  if (own || depth >= MAX_MERGE_DEPTH) return own;
  for (const merge of [...map.items].reverse().filter((p) => isMergeKey(p.key))) {
    const value = resolveAlias(file, merge.value);
    const sources = yamlLibrary().isSeq(value) ? value.items : [value];
    for (const source of sources) {
      const target = resolveAlias(file, source);
      if (!yamlLibrary().isMap(target)) continue;
      const hit = findPair(file, target as { items: Pair[] }, key, depth + 1);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** `<<` read as a merge key (a quoted "<<" is an ordinary key). */
function isMergeKey(key: unknown): boolean {
  return yamlLibrary().isScalar(key) && typeof key.value === "symbol";
}

/** The anchored node an alias stands for; any other node as it is. */
function resolveAlias(file: YamlFile, node: unknown): unknown {
  if (!yamlLibrary().isAlias(node)) return node;
  try {
    return node.resolve(file.doc) ?? node;
  } catch {
    return node;
  }
}

function keyText(key: unknown): string | undefined {
  if (yamlLibrary().isScalar(key)) return String(key.value);
  return undefined;
}
