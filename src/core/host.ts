/**
 * Everything the core reads from the outside world goes through a Host, so the
 * CLI passes the real process and file system, the extension overlays unsaved
 * editor text, and tests pass plain objects.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import { LineIndex } from "./positions";
import type { Position } from "./types";

export interface EnvOrigin {
  label: string;
  file?: string;
  line?: number;
}

export type Platform = "linux" | "darwin" | "win32" | (string & {});

export interface Host {
  /** The environment being explained (not necessarily this process's). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Where a variable's value came from when it is not from the process environment:
   * a label ("kitaru.environment setting", ".env file") and, for files, the line.
   */
  envOrigins?: Readonly<Record<string, EnvOrigin>>;
  platform: Platform;
  /**
   * The user's home directory when the explained environment has no HOME: on POSIX, the
   * password database's (what Python's expanduser falls back to), undefined when the user has
   * no entry there; on Windows, os.homedir(). With HOME set (even empty), HOME is used instead.
   */
  homedir: string | undefined;
  /**
   * The text of a file; `null` when it does not exist. Throws for other failures (permissions, a
   * directory, and what `options` refuse). Invalid UTF-8 reads as U+FFFD unless `strictUtf8`.
   */
  readText(path: string, options?: ReadOptions): string | null;
  isDirectory(path: string): boolean;
  /**
   * Stack names from ZenML's SQLite store (id without dashes, lower-case → name).
   * Optional: without it, the persisted active stack is shown by its id.
   */
  stackNames?(dbFile: string): StackNames;
}

/** The stack table of a ZenML store, or why it could not be read. */
export type StackNames = { names: ReadonlyMap<string, string> } | { error: string };

/** Ids compare without dashes and case: the store keeps 32 hex digits, the YAML files dashed UUIDs. */
export function normalizeStackId(id: string): string {
  return id.replace(/-/g, "").toLowerCase();
}

/** The error code readText gives a device, pipe or socket (not an errno: none says it). */
export const NOT_A_REGULAR_FILE = "ENOTREGULAR";

/** What a reader of Kitaru's own files refuses, as Kitaru's readers would or to stay fast. */
export interface ReadOptions {
  /** A larger file is refused before it is read (TOO_LARGE, with its `size`), so it never fills memory. */
  maxBytes?: number;
  /**
   * Invalid UTF-8 is refused (INVALID_UTF8, with the `position`, `offset` and `byte` of the first
   * invalid byte), as tomllib and PyYAML refuse it. Python modules read leniently: a coding
   * declaration may make them valid.
   */
  strictUtf8?: boolean;
}

/** The error code readText gives a file over `maxBytes` (not an errno either). */
export const TOO_LARGE = "ETOOLARGE";
/** The error code readText gives a file that is not valid UTF-8 when asked for `strictUtf8`. */
export const INVALID_UTF8 = "EINVALIDUTF8";

export interface InvalidUtf8 {
  /** Where the first invalid byte sits in the decoded text (1-based, UTF-16 columns). */
  position: Position;
  /** Its offset in the file, in bytes (as Python's UnicodeDecodeError counts). */
  offset: number;
  byte: number;
}

/**
 * The first invalid byte of a file whose lenient decoding is `text`; undefined when it is valid UTF-8.
 * Everything before the first invalid byte decodes exactly, so each U+FFFD is either a real one
 * (EF BF BD in the file) or that byte. Texts without U+FFFD, the normal case, cost one scan.
 */
export function firstInvalidUtf8(text: string, bytes: Uint8Array): InvalidUtf8 | undefined {
  let index = text.indexOf("\uFFFD");
  let offset = 0;
  let from = 0;
  while (index !== -1) {
    offset += Buffer.byteLength(text.slice(from, index), "utf8");
    if (!(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) {
      return { position: new LineIndex(text).position(index), offset, byte: bytes[offset] ?? 0 };
    }
    offset += 3;
    from = index + 1;
    index = text.indexOf("\uFFFD", from);
  }
  return undefined;
}

/**
 * The first invalid byte of a file on disk, for the editor, whose document shows such bytes as
 * U+FFFD (or in another encoding); undefined when it is UTF-8, cannot be read, or is over maxBytes.
 */
export function invalidUtf8InFile(path: string, maxBytes: number): InvalidUtf8 | undefined {
  try {
    const stat = fs.statSync(path);
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    const bytes = fs.readFileSync(path);
    return firstInvalidUtf8(utf8.decode(bytes), bytes);
  } catch {
    return undefined;
  }
}

function invalidUtf8Error(path: string, invalid: InvalidUtf8): Error {
  return Object.assign(new Error(`${path} is not valid UTF-8`), { code: INVALID_UTF8, ...invalid });
}

function tooLargeError(path: string, size: number): Error {
  return Object.assign(new Error(`${path} is ${size} bytes`), { code: TOO_LARGE, size });
}

/** UTF-8 decoding that keeps a byte-order mark as U+FEFF, so the core can report it as Kitaru would. */
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * File texts kept between the extension's refreshes: a file is read again only
 * when its size, modification time, inode or change time differ (one stat
 * instead of a read), and the core's parse caches then see the same text.
 */
export class FileTextCache {
  private readonly texts = new Map<string, { stamp: string; text: string }>();
  /** Reads done, reads saved, and files found missing by their stat alone (the log, the benchmark). */
  readonly counts = { read: 0, unchanged: 0, missing: 0 };

  constructor(private readonly limit = 2000) {}

  /** Forgets every text (an explicit refresh: a file system with coarse times could hide a same-size rewrite). */
  clear(): void {
    this.texts.clear();
  }

  read(path: string, load: () => string | null, maxBytes?: number): string | null {
    let stamp: string | undefined;
    let size: number | undefined;
    try {
      const st = fs.statSync(path);
      if (st.isFile()) {
        size = st.size;
        stamp = `${st.size}:${st.mtimeMs}:${st.ino}:${st.ctimeMs}`;
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // What readText answers for these anyway: no need to try to open the file.
      if (code === "ENOENT" || code === "ENOTDIR") {
        this.texts.delete(path);
        this.counts.missing++;
        return null;
      }
      stamp = undefined;
    }
    // Refused on its size whatever it was read for before.
    if (size !== undefined && maxBytes !== undefined && size > maxBytes) throw tooLargeError(path, size);
    const hit = stamp === undefined ? undefined : this.texts.get(path);
    if (hit && hit.stamp === stamp) {
      this.counts.unchanged++;
      return hit.text;
    }
    // Missing files, directories and errors take the plain path, which reports them.
    this.counts.read++;
    const text = load();
    this.texts.delete(path);
    if (stamp !== undefined && text !== null) {
      if (this.texts.size >= this.limit) this.texts.delete(this.texts.keys().next().value!);
      this.texts.set(path, { stamp, text });
    }
    return text;
  }
}

export function nodeHost(options: { env?: Record<string, string | undefined>; platform?: Platform; homedir?: string | undefined; stackNames?: Host["stackNames"]; fileCache?: FileTextCache } = {}): Host {
  const readText = (path: string, options?: ReadOptions): string | null => {
    try {
      // Devices, pipes and sockets are refused before they are opened: reading /dev/zero or
      // a FIFO would never end (Kitaru's own read would hang too).
      const stat = fs.statSync(path, { throwIfNoEntry: false });
      if (!stat) return null;
      if (!stat.isFile() && !stat.isDirectory()) throw Object.assign(new Error(`${path} is not a regular file`), { code: NOT_A_REGULAR_FILE });
      if (stat.isFile() && options?.maxBytes !== undefined && stat.size > options.maxBytes) throw tooLargeError(path, stat.size);
      const bytes = fs.readFileSync(path);
      const text = utf8.decode(bytes);
      if (options?.strictUtf8) checkUtf8(path, text, () => bytes);
      return text;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return null;
      throw error;
    }
  };
  const cache = options.fileCache;
  // The cache keeps lenient texts; a strict reader looks at the bytes again only when the text has a U+FFFD.
  const cachedReadText = (path: string, options?: ReadOptions): string | null => {
    const text = cache!.read(path, () => readText(path, options?.maxBytes !== undefined ? { maxBytes: options.maxBytes } : undefined), options?.maxBytes);
    if (text !== null && options?.strictUtf8) checkUtf8(path, text, () => fs.readFileSync(path));
    return text;
  };
  return {
    ...(options.stackNames ? { stackNames: options.stackNames } : {}),
    env: options.env ?? process.env,
    platform: options.platform ?? process.platform,
    homedir: "homedir" in options ? options.homedir : defaultHomedir(options.platform ?? process.platform, options.env ?? process.env),
    readText: cache ? cachedReadText : readText,
    isDirectory(path) {
      try {
        return fs.statSync(path).isDirectory();
      } catch {
        return false;
      }
    },
  };
}

/**
 * Host.homedir for this process. The password database is asked only when the environment
 * explained has no HOME (the only time the answer is used on POSIX).
 */
function defaultHomedir(platform: Platform, env: Record<string, string | undefined>): string | undefined {
  try {
    if (platform === "win32" || env.HOME !== undefined) return os.homedir();
    return os.userInfo().homedir;
  } catch {
    // No password entry for this user (os.userInfo throws, as pwd.getpwuid raises KeyError).
    return undefined;
  }
}

/** Throws INVALID_UTF8 when the text came from bytes that are not UTF-8; a text without U+FFFD is never looked at again. */
function checkUtf8(path: string, text: string, bytes: () => Uint8Array): void {
  if (!text.includes("\uFFFD")) return;
  const invalid = firstInvalidUtf8(text, bytes());
  if (invalid) throw invalidUtf8Error(path, invalid);
}

/** Path functions for the host's platform, so a Windows layout can be explained from Linux tests. */
export function pathFor(platform: Platform): typeof nodePath.posix {
  return platform === "win32" ? nodePath.win32 : nodePath.posix;
}

/** A host whose files come first from `overlay` (unsaved editor text), then from `base`. */
export function overlayHost(base: Host, overlay: ReadonlyMap<string, string>): Host {
  return {
    ...base,
    // Unsaved text has no bytes yet: VS Code saves it in the document's encoding, so only its size is checked (by the analyses).
    readText(path, options) {
      const text = overlay.get(path);
      return text !== undefined ? text : base.readText(path, options);
    },
  };
}
