// One bundle for the extension, one for the CLI (plus the integration-test
// host, which must live inside an installed extension folder to use `vscode`).
// `node esbuild.mjs [--production] [--watch]`
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
