// One bundle for the extension, one for the CLI (plus the integration-test
// host, which must live inside an installed extension folder to use `vscode`).
// `node esbuild.mjs [--production] [--watch]`
import * as fs from "node:fs";
import * as esbuild from "esbuild";
import { generateSchemas } from "./scripts/schemas.mjs";

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: !production,
  minify: production,
  external: ["vscode"],
  logLevel: "warning",
};

const builds = [
  { ...common, entryPoints: ["src/extension/extension.ts"], outfile: "dist/extension.js" },
  {
    ...common,
    entryPoints: ["src/cli/cli.ts"],
    outfile: "dist/cli.js",
    banner: { js: "#!/usr/bin/env node" },
  },
];

// sql.js loads its WebAssembly next to the bundle that uses it (both bundles live in dist/).
fs.mkdirSync("dist", { recursive: true });
fs.copyFileSync("node_modules/sql.js/dist/sql-wasm.wasm", "dist/sql-wasm.wasm");

if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
  console.log("esbuild: watching for changes");
} else {
  // The shipped JSON Schemas (schemas/) follow the zod definitions they are generated from.
  await generateSchemas();
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
