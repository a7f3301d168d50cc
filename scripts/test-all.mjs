#!/usr/bin/env node
// The single test command (`npm test`): every check, in order, stopping at
// the first failure, with a summary of each step and its duration.
//
//   typecheck    tsc --noEmit -p .
//   build        node esbuild.mjs
//   unit         node --import tsx --test test/unit/**/*.test.ts
//   conformance  node test/conformance/run.mjs
//   provision    node scripts/provision-vscode.mjs
//   integration  node test/integration/run.mjs --no-build
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const fmt = (ms) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
const node = process.execPath;

/** test/unit/**\/*.test.ts, sorted (Node 20's --test does not expand globs itself). */
function unitTestFiles() {
  const dir = path.join(ROOT, "test", "unit");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => path.join("test", "unit", f))
    .sort();
}

const steps = [
  { name: "typecheck", cmd: () => [node, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "."]] },
  { name: "build", cmd: () => [node, ["esbuild.mjs"]] },
  {
    name: "unit",
    cmd: () => {
      const files = unitTestFiles();
      if (files.length === 0) return { skip: "no test/unit/**/*.test.ts files yet" };
      return [node, ["--import", "tsx", "--test", ...files]];
    },
  },
  {
    name: "conformance",
    cmd: () =>
      fs.existsSync(path.join(ROOT, "test", "conformance", "run.mjs"))
        ? [node, ["test/conformance/run.mjs"]]
        : { skip: "test/conformance/run.mjs does not exist yet" },
  },
  { name: "provision", cmd: () => [node, ["scripts/provision-vscode.mjs"]] },
  { name: "integration", cmd: () => [node, ["test/integration/run.mjs", "--no-build"]] },
];

const results = [];
const t0 = Date.now();
let failed = false;
for (const step of steps) {
  const spec = step.cmd();
  if (!Array.isArray(spec)) {
    console.log(`\n━━ ${step.name}: skipped (${spec.skip})`);
    results.push({ name: step.name, status: "skipped", note: spec.skip, ms: 0 });
    continue;
  }
  const [cmd, args] = spec;
  const shown = [cmd === node ? "node" : cmd, ...args.map((a) => path.relative(ROOT, a) || a)].join(" ");
  console.log(`\n━━ ${step.name}: ${shown}`);
  const start = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit" });
  const ms = Date.now() - start;
  const ok = r.status === 0;
  results.push({ name: step.name, status: ok ? "passed" : "FAILED", note: ok ? "" : r.error ? r.error.message : `exit ${r.status ?? r.signal}`, ms });
  if (!ok) {
    failed = true;
    break;
  }
}
for (const step of steps.slice(results.length)) results.push({ name: step.name, status: "not run", note: "after a failure", ms: 0 });

console.log("\n━━ summary");
for (const r of results) {
  console.log(`  ${r.status.padEnd(8)} ${r.name.padEnd(12)} ${r.ms ? fmt(r.ms).padStart(8) : "".padStart(8)}  ${r.note}`);
}
console.log(`${failed ? "FAILED" : "OK"} in ${fmt(Date.now() - t0)}`);
process.exit(failed ? 1 : 0);
