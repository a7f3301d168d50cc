/**
 * The CLI's analyses of pyproject.toml, kitaru.yaml and ZenML's config.yaml,
 * kept between runs. Most runs see the same files as the run before: their
 * parsing (TOML, YAML) and validation (zod) are most of what a run costs beyond
 * Node's start-up, and are skipped when the text is the same.
 *
 * An entry is keyed by the analysis, the file's path, a 64-bit hash and the
 * length of its text, its other arguments and the build that made it: a changed
 * file, or another version of the CLI, is analysed again (no time stamps,
 * nothing to go stale). The hash is not cryptographic, and need not be: whoever
 * can write the file can change the answer anyway. (node:crypto and node:v8 cost
 * a run 2–4 ms each to load: the format is JSON, the hash a few lines below.)
 * What is stored is what the analyses return, in which secret values are
 * already masked; an analysis that still holds anything credential-like (a
 * config.yaml store URL with its password) is not stored, and credentials.yaml
 * is never analysed through here. One entry
 * per file: an edit replaces its entry, so the file stays small.
 *
 * The file sits beside stack-names.json in the user's cache directory (see
 * defaultAnalysisCacheFile), written atomically with mode 0600, and only when
 * a run added to it. A damaged file (cut off, not JSON, another format) is
 * ignored and replaced. KITARU_CONFIG_NO_CACHE turns every cache off.
 */
import { readCacheFile, userCacheFile, writeCacheFile } from "./userCache";
import type { PersistentMemo } from "./memo";
import { secretValueKind } from "./secrets";

/** The cache holds a few small analyses; a larger file is not ours, or not worth reading. */
const MAX_CACHE_BYTES = 2 * 1024 * 1024;
/** Files remembered, most recent last. */
const MAX_ENTRIES = 64;
const FORMAT = 1;

interface Payload {
  format: number;
  build: string;
  entries: [key: string, result: unknown][];
}

export class AnalysisCache implements PersistentMemo {
  private entries: Map<string, unknown> | undefined;
  private changed = false;

  /**
   * @param file where the analyses are kept
   * @param build identifies the code that made them (entries of another build are not used)
   */
  constructor(
    private readonly file: string,
    private readonly build: string,
  ) {}

  get(kind: string, file: string, text: string, rest: string): unknown {
    return this.load().get(entryKey(kind, file, text, rest));
  }

  set(kind: string, file: string, text: string, rest: string, result: unknown): void {
    const entries = this.load();
    const slot = `${kind}\0${file}\0`;
    for (const key of entries.keys()) if (key.startsWith(slot)) entries.delete(key);
    this.changed = true;
    // Nothing credential-shaped goes to disk, even where an analysis needs it in clear (a
    // store URL's password, to find its token): such a file is analysed every run. Values
    // secret by name are already masked by the analyses; masks (`****`, `kat_****`,
    // `https://user:****@host`) are not credentials.
    if (secretValueKind(encode(result).replaceAll("****", "")) !== undefined) return;
    entries.set(entryKey(kind, file, text, rest), result);
    while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  }

  /** Drops every entry: the file is rewritten with what this run analyses (a stored entry broke a resolution). */
  discard(): void {
    this.entries = new Map();
    this.changed = true;
  }

  /** Writes the file when this run added to it. Best effort: a cache that cannot be written only costs the next run its analyses. */
  save(): void {
    if (!this.changed || !this.entries) return;
    this.changed = false;
    try {
      const payload = encode({ format: FORMAT, build: this.build, entries: [...this.entries] } satisfies Payload);
      // The payload's length on the first line: a cut-off file is detected rather than read
      // (the rename below makes one unlikely; hashing the payload would cost more than the parse).
      const data = `${payload.length}\n${payload}`;
      if (data.length > MAX_CACHE_BYTES) return;
      writeCacheFile(this.file, data);
    } catch {
      // Read-only home, full disk: nothing to do.
    }
  }

  private load(): Map<string, unknown> {
    this.entries ??= this.read();
    return this.entries;
  }

  private read(): Map<string, unknown> {
    try {
      const data = readCacheFile(this.file, MAX_CACHE_BYTES);
      if (data === undefined) return new Map();
      const lineEnd = data.indexOf("\n");
      const payload = data.slice(lineEnd + 1);
      if (lineEnd < 0 || data.slice(0, lineEnd) !== String(payload.length)) return new Map();
      const parsed = decode(payload) as Partial<Payload> | null;
      if (parsed?.format !== FORMAT || parsed.build !== this.build || !Array.isArray(parsed.entries)) return new Map();
      return new Map(parsed.entries.filter((e) => Array.isArray(e) && typeof e[0] === "string" && e[1] !== null && typeof e[1] === "object"));
    } catch {
      // Missing or damaged: every file is analysed again, and the file rewritten.
      return new Map();
    }
  }
}

/** ~/.cache/kitaru-config/analyses.json on Linux (the platform's cache directory elsewhere). */
export function defaultAnalysisCacheFile(): string | undefined {
  return userCacheFile("analyses.json");
}

/** KITARU_CONFIG_NO_CACHE (any value but empty or 0): no cache is read or written. */
export function cachesDisabled(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.KITARU_CONFIG_NO_CACHE;
  return value !== undefined && value !== "" && value !== "0";
}

function entryKey(kind: string, file: string, text: string, rest: string): string {
  return `${kind}\0${file}\0${hash64(text)}:${text.length}\0${rest}`;
}

/**
 * 64 bits of a string (two 32-bit multiply-xor lanes, mixed at the end, as in
 * the public-domain cyrb53): enough to tell one version of a file from another.
 */
export function hash64(text: string): string {
  let h1 = 0xdeadbeef ^ text.length;
  let h2 = 0x41c6ce57 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, "0") + (h1 >>> 0).toString(16).padStart(8, "0");
}

/**
 * JSON that keeps what analyses hold and JSON lacks: Maps, Dates, BigInts,
 * non-finite numbers and -0 become {"$": kind, "v": ...}; a plain object that has a "$"
 * key of its own (user data can) is wrapped too, so decoding never mistakes it.
 */
export function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, encoded: unknown) {
    // `this[key]` is the value before Date's toJSON made a string of it.
    const original = this[key];
    if (original instanceof Map) return { $: "map", v: [...original] };
    if (original instanceof Date) return { $: "date", v: String(original.getTime()) };
    if (typeof encoded === "bigint") return { $: "bigint", v: encoded.toString() };
    if (typeof encoded === "number" && (!Number.isFinite(encoded) || Object.is(encoded, -0))) return { $: "number", v: Object.is(encoded, -0) ? "-0" : String(encoded) };
    if (encoded !== null && typeof encoded === "object" && !Array.isArray(encoded) && Object.hasOwn(encoded, "$")) return { $: "object", v: Object.entries(encoded) };
    return encoded;
  });
}

export function decode(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value === null || typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value, "$")) return value;
    const { $: kind, v } = value as { $: unknown; v: unknown };
    if (kind === "map" && Array.isArray(v)) return new Map(v as [unknown, unknown][]);
    if (kind === "date" && typeof v === "string") return new Date(Number(v));
    if (kind === "bigint" && typeof v === "string") return BigInt(v);
    if (kind === "number" && typeof v === "string") return Number(v);
    if (kind === "object" && Array.isArray(v)) return Object.fromEntries(v as [string, unknown][]);
    throw new Error(`not an encoded value: ${String(kind)}`);
  });
}
