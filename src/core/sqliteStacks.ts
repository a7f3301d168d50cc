/**
 * Stack names from ZenML's local SQLite store. config.yaml and
 * ZENML_ACTIVE_STACK_ID hold only the active stack's id; Kitaru resolves the
 * stack to its name (`Client().active_stack_model.name`), which lives in the
 * store's `stack` table. Read with sql.js (SQLite compiled to WebAssembly: no
 * native module, no process), the whole file in memory, so large stores are
 * skipped, and each file is read again only when it changes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import initSqlJs from "sql.js";
import { normalizeStackId, type StackNames } from "./host";

/** Stores above this size are not read (sql.js holds the whole file in memory). */
export const MAX_STORE_BYTES = 64 * 1024 * 1024;

/** A reader of stack names; `wasmDir` holds sql-wasm.wasm (dist/ in the bundles). */
export async function loadStackNameReader(wasmDir: string): Promise<(dbFile: string) => StackNames> {
  const SQL = await initSqlJs({ locateFile: (file: string) => path.join(wasmDir, file) });
  const cache = new Map<string, { stamp: string; result: StackNames }>();
  return (dbFile) => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(dbFile);
    } catch {
      return { error: "not found" };
    }
    if (!stat.isFile()) return { error: "not a file" };
    if (stat.size > MAX_STORE_BYTES) return { error: `over ${MAX_STORE_BYTES / 1024 / 1024} MB, not read` };
    const stamp = `${stat.mtimeMs}:${stat.size}`;
    const hit = cache.get(dbFile);
    if (hit?.stamp === stamp) return hit.result;
    let result: StackNames;
    try {
      const db = new SQL.Database(fs.readFileSync(dbFile));
      try {
        const rows = db.exec("SELECT id, name FROM stack")[0]?.values ?? [];
        const names = new Map<string, string>();
        for (const [id, name] of rows) if (typeof id === "string" && typeof name === "string") names.set(normalizeStackId(id), name);
        result = { names };
      } finally {
        db.close();
      }
    } catch (error) {
      result = { error: `cannot be read (${(error as Error).message.split("\n")[0]})` };
    }
    cache.set(dbFile, { stamp, result });
    return result;
  };
}
