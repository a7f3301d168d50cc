// The persisted active stack is resolved to its name, as Kitaru does, from
// ZenML's local SQLite store (read with sql.js, only when it changes).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import initSqlJs from "sql.js";
import { nodeHost } from "../../src/core/host";
import { resolveConfiguration } from "../../src/core/resolve";
import { loadStackNameReader, MAX_STORE_BYTES } from "../../src/core/sqliteStacks";

const WASM_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../node_modules/sql.js/dist");
const ID = "a51bf906-a221-46d7-81b8-c81f8adc5097";

async function storeWith(file: string, stacks: [string, string][]): Promise<void> {
  const SQL = await initSqlJs({ locateFile: (f: string) => path.join(WASM_DIR, f) });
  const db = new SQL.Database();
  db.run("CREATE TABLE stack (id CHAR(32) PRIMARY KEY, name VARCHAR NOT NULL)");
  for (const [id, name] of stacks) db.run("INSERT INTO stack VALUES (?, ?)", [id, name]);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, db.export());
  db.close();
}

function configDir(configYaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-stack-names-"));
  fs.writeFileSync(path.join(dir, "config.yaml"), configYaml);
  return dir;
}

test("the active stack id from config.yaml is shown by its name from the default local store", async () => {
  const dir = configDir(`active_stack_id: ${ID}\n`);
  await storeWith(path.join(dir, "local_stores", "default_zen_store", "zenml.db"), [[ID.replace(/-/g, ""), "default"], ["b".repeat(32), "gpu"]]);
  const reader = await loadStackNameReader(WASM_DIR);
  const r = resolveConfiguration(nodeHost({ env: { KITARU_CONFIG_PATH: dir }, stackNames: reader }), { workspace: dir });
  assert.equal(r.settings.stack?.value, "default");
  assert.equal(r.settings.stack?.source, "global");
  assert.match(r.settings.stack?.note ?? "", new RegExp(`id ${ID}`));
  assert.equal(r.looked.find((l) => l.role === "zenml-store")?.note, "ZenML's local store: stack names (2 stacks)");
  // Without the reader (or before it has loaded) the id is shown, as before.
  assert.equal(resolveConfiguration(nodeHost({ env: { KITARU_CONFIG_PATH: dir } }), { workspace: dir }).settings.stack?.value, ID);
});

test("a sqlite store.url names the store; a remote server's stacks are not looked up locally", async () => {
  const dir = configDir("");
  const db = path.join(dir, "elsewhere", "zenml.db");
  await storeWith(db, [[ID.replace(/-/g, ""), "team-stack"]]);
  const reader = await loadStackNameReader(WASM_DIR);
  fs.writeFileSync(path.join(dir, "config.yaml"), `active_stack_id: ${ID}\nstore:\n  type: sql\n  url: sqlite:///${db}\n`);
  assert.equal(resolveConfiguration(nodeHost({ env: { KITARU_CONFIG_PATH: dir }, stackNames: reader }), { workspace: dir }).settings.stack?.value, "team-stack");
  fs.writeFileSync(path.join(dir, "config.yaml"), `active_stack_id: ${ID}\nstore:\n  type: rest\n  url: https://kitaru.example.com\n`);
  assert.equal(resolveConfiguration(nodeHost({ env: { KITARU_CONFIG_PATH: dir }, stackNames: reader }), { workspace: dir }).settings.stack?.value, ID);
});

test("an id missing from the store, a store that is not SQLite, and a changed store", async () => {
  const dir = configDir(`active_stack_id: ${ID}\n`);
  const db = path.join(dir, "local_stores", "default_zen_store", "zenml.db");
  await storeWith(db, [["c".repeat(32), "other"]]);
  const reader = await loadStackNameReader(WASM_DIR);
  const host = nodeHost({ env: { KITARU_CONFIG_PATH: dir }, stackNames: reader });
  const missing = resolveConfiguration(host, { workspace: dir });
  assert.equal(missing.settings.stack?.value, ID);
  assert.match(missing.settings.stack?.note ?? "", /no stack with this id/);
  // Rewritten (a later `kitaru stack register`): read again.
  await storeWith(db, [[ID.replace(/-/g, ""), "renamed"]]);
  fs.utimesSync(db, new Date(), new Date(Date.now() + 5_000));
  assert.equal(resolveConfiguration(host, { workspace: dir }).settings.stack?.value, "renamed");
  fs.writeFileSync(db, "not a database");
  const broken = resolveConfiguration(host, { workspace: dir });
  assert.equal(broken.settings.stack?.value, ID);
  assert.match(broken.looked.find((l) => l.role === "zenml-store")?.note ?? "", /cannot be read/);
  assert.deepEqual(broken.problems, []);
  assert.ok(MAX_STORE_BYTES >= 16 * 1024 * 1024);
});
