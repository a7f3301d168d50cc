#!/usr/bin/env node
// Writes the JSON Schemas in schemas/ from the zod definitions (src/core/schemaFiles.ts).
// Run by `node esbuild.mjs`; `node scripts/schemas.mjs --check` exits 1 when a committed file is stale.
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Returns the paths that were (or, with check, would be) rewritten. */
export async function generateSchemas({ check = false } = {}) {
  const built = await esbuild.build({
    entryPoints: [path.join(ROOT, "src/core/schemaFiles.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    write: false,
    logLevel: "warning",
  });
  const mod = { exports: {} };
  new Function("module", "exports", "require", built.outputFiles[0].text)(mod, mod.exports, createRequire(import.meta.url));
  const files = mod.exports.schemaFiles();
  const changed = [];
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(ROOT, rel);
    const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    if (current === text) continue;
    changed.push(rel);
    if (!check) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
  }
  return changed;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  const changed = await generateSchemas({ check });
  if (check && changed.length) {
    console.error(`schemas: out of date: ${changed.join(", ")} (run node scripts/schemas.mjs)`);
    process.exit(1);
  }
  console.log(changed.length ? `schemas: ${check ? "stale" : "wrote"} ${changed.join(", ")}` : "schemas: up to date");
}
