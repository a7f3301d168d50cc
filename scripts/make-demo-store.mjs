// Writes the demo workspace's ZenML store (examples/research-agent/.kitaru-home/
// local_stores/default_zen_store/zenml.db): a `stack` table as ZenML keeps it
// (ids as 32 hex digits), so the demo shows stack names rather than ids.
// `node scripts/make-demo-store.mjs` — the file is committed; rerun only to change it.
import * as fs from "node:fs";
import * as path from "node:path";
import initSqlJs from "sql.js";

const out = path.resolve("examples/research-agent/.kitaru-home/local_stores/default_zen_store/zenml.db");
const SQL = await initSqlJs();
const db = new SQL.Database();
db.run(`CREATE TABLE stack (
  id CHAR(32) NOT NULL PRIMARY KEY,
  created DATETIME NOT NULL,
  updated DATETIME NOT NULL,
  name VARCHAR NOT NULL,
  description VARCHAR,
  user_id CHAR(32),
  stack_spec_path VARCHAR,
  labels BLOB
)`);
const stacks = [
  ["a51bf906a22146d781b8c81f8adc5097", "default", "The default local stack"],
  ["3f6c2b1e9d8a4c7b8e5f1a2b3c4d5e6f", "gpu-cluster", "Kubernetes with GPU nodes"],
  ["7d1e4a9b2c3f4e5d8a6b9c0d1e2f3a4b", "prod", "Production orchestrator"],
];
for (const [id, name, description] of stacks) {
  db.run("INSERT INTO stack VALUES (?, '2026-10-01 09:00:00', '2026-10-01 09:00:00', ?, ?, '0b3b5e9c7d414f6a9c1e3a5b7d9f1e2c', NULL, NULL)", [id, name, description]);
}
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, db.export());
console.log(`wrote ${path.relative(process.cwd(), out)} (${stacks.length} stacks)`);
