/**
 * Stack names from ZenML's local SQLite store. config.yaml and
 * ZENML_ACTIVE_STACK_ID hold only the active stack's id; Kitaru resolves the
 * stack to its name (`Client().active_stack_model.name`), which lives in the
 * store's `stack` table. Read with sql.js (SQLite compiled to WebAssembly: no
 * native module, no process), the whole file in memory, so large stores are
 * skipped.
 *
 * Starting sql.js costs more than everything else a CLI run does (100–200 ms),
 * so the names read are remembered in a small cache file (the user's cache
 * directory, e.g. ~/.cache/kitaru-config/stack-names.json), keyed by the
 * store's path, size, modification and change times and inode: a store is read
 * again only after it changed. Stack names are not secrets; the cache holds nothing else.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { normalizeStackId, type StackNames } from "./host";
import { readCacheFile, userCacheFile, writeCacheFile } from "./userCache";
import { sqlJs } from "./libraries";

/** Stores above this size are not read (sql.js holds the whole file in memory). */
export const MAX_STORE_BYTES = 64 * 1024 * 1024;

type Stamp = string;
interface CacheFile {
  version: 1;
  stores: Record<string, { stamp: Stamp; names: [string, string][] }>;
}

export class StackNameReader {
  private readonly known = new Map<string, { stamp: Stamp; result: StackNames }>();
  private sql: import("sql.js").SqlJsStatic | undefined;

  /**
   * @param wasmDir holds sql-wasm.wasm (dist/ in the bundles)
   * @param cacheFile where names are remembered between runs; undefined: only in memory
   */
  constructor(
    private readonly wasmDir: string,
    private readonly cacheFile: string | undefined,
  ) {}

  /** The names now, without reading the store; undefined when it must be read first (read()). */
  lookup(dbFile: string): StackNames | undefined {
    const stamp = storeStamp(dbFile);
    if (typeof stamp !== "string") return stamp;
    const hit = this.known.get(dbFile);
    if (hit?.stamp === stamp) return hit.result;
    const cached = this.readCache().stores[dbFile];
    // A damaged entry is a miss: the store is read again and the entry rewritten.
    if (cached?.stamp !== stamp || !isNameList(cached.names)) return undefined;
    const result = { names: new Map(cached.names) };
    this.known.set(dbFile, { stamp, result });
    return result;
  }

  /** Reads the store (loading sql.js the first time) and remembers its names. */
  async read(dbFile: string): Promise<StackNames> {
    try {
      await this.load();
    } catch (error) {
      return { error: `cannot be read: sql.js did not start (${(error as Error).message.split("\n")[0]})` };
    }
    return this.readLoaded(dbFile);
  }

  /** lookup(), reading the store when needed. */
  async names(dbFile: string): Promise<StackNames> {
    return this.lookup(dbFile) ?? this.read(dbFile);
  }

  /** Starts sql.js (once); readLoaded() needs it. */
  async load(): Promise<void> {
    this.sql ??= await sqlJs()({ locateFile: (file: string) => path.join(this.wasmDir, file) });
  }

  /** Reads the store now, with sql.js already started (load()). */
  readLoaded(dbFile: string): StackNames {
    const stamp = storeStamp(dbFile);
    if (typeof stamp !== "string") return stamp;
    const hit = this.known.get(dbFile);
    if (hit?.stamp === stamp) return hit.result;
    let result: StackNames;
    try {
      if (!this.sql) throw new Error("sql.js is not started");
      const db = new this.sql.Database(fs.readFileSync(dbFile));
      try {
        const rows = db.exec("SELECT id, name FROM stack")[0]?.values ?? [];
        const names = new Map<string, string>();
        for (const [id, name] of rows) if (typeof id === "string" && typeof name === "string") names.set(normalizeStackId(id), name);
        result = { names };
        this.writeCache(dbFile, stamp, names);
      } finally {
        db.close();
      }
    } catch (error) {
      result = { error: `cannot be read (${(error as Error).message.split("\n")[0]})` };
    }
    this.known.set(dbFile, { stamp, result });
    return result;
  }

  private readCache(): CacheFile {
    if (!this.cacheFile) return { version: 1, stores: {} };
    try {
      const text = readCacheFile(this.cacheFile, MAX_CACHE_BYTES);
      const data = text === undefined ? undefined : (JSON.parse(text) as CacheFile);
      if (data?.version === 1 && data.stores && typeof data.stores === "object") return data;
    } catch {
      // Missing or damaged: the stores are read again.
    }
    return { version: 1, stores: {} };
  }

  /** Best effort: a cache that cannot be written only costs the next run a read. */
  private writeCache(dbFile: string, stamp: Stamp, names: ReadonlyMap<string, string>): void {
    if (!this.cacheFile) return;
    try {
      const data = this.readCache();
      // Forget stores that no longer exist, so the file stays small.
      for (const file of Object.keys(data.stores)) if (!fs.existsSync(file)) delete data.stores[file];
      data.stores[dbFile] = { stamp, names: [...names] };
      writeCacheFile(this.cacheFile, JSON.stringify(data));
    } catch {
      // Read-only home, full disk: nothing to do.
    }
  }
}

/** A reader (sql.js started) that answers at once: for hosts whose stackNames() is synchronous. */
export async function loadStackNameReader(wasmDir: string, cacheFile?: string): Promise<(dbFile: string) => StackNames> {
  const reader = new StackNameReader(wasmDir, cacheFile);
  await reader.load();
  return (dbFile) => reader.lookup(dbFile) ?? reader.readLoaded(dbFile);
}

/** The cache file of stack names in the user's cache directory (XDG_CACHE_HOME, ~/Library/Caches, %LOCALAPPDATA%). */
export function defaultStackNameCacheFile(): string | undefined {
  return userCacheFile("stack-names.json");
}

/** The cache holds a few names per store: anything larger is not ours. */
const MAX_CACHE_BYTES = 1024 * 1024;

function isNameList(value: unknown): value is [string, string][] {
  return Array.isArray(value) && value.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === "string" && typeof pair[1] === "string");
}

/** What identifies one version of a store file, or why it cannot be read. */
function storeStamp(dbFile: string): Stamp | StackNames {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dbFile);
  } catch {
    return { error: "not found" };
  }
  if (!stat.isFile()) return { error: "not a file" };
  if (stat.size > MAX_STORE_BYTES) return { error: `over ${MAX_STORE_BYTES / 1024 / 1024} MB, not read` };
  // The change time too: a rewrite that keeps the size and puts the old modification time back still changes it.
  return `${stat.size}:${stat.mtimeMs}:${stat.ino}:${stat.ctimeMs}`;
}
