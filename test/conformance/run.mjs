#!/usr/bin/env node
// Runs the shared conformance cases (test/conformance/cases, copied unchanged from
// shared/conformance/cases) against the built CLI. Build first: `node esbuild.mjs`.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, "../../dist/cli.js");
if (!fs.existsSync(cli)) {
  console.error(`conformance: ${cli} is missing; run \`node esbuild.mjs\` first`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [path.join(here, "shared-runner.mjs"), "--cases", path.join(here, "cases"), "--cli", `"${process.execPath}" "${cli}"`, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
