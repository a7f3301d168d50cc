// The bundles: dist/extension.js (the extension), dist/cli.js (kitaru-config),
// and dist/lazy/, the parts both load on first use (see src/core/libraries.ts):
// each third-party parser, and the zod schemas with zod itself. Activating the
// extension compiles none of dist/lazy/; a CLI run compiles only what its files
// need. The CLI also ships V8's compiled code for its usual path (below).
// `node esbuild.mjs [--dev] [--watch]`
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { generateSchemas } from "./scripts/schemas.mjs";

const dev = process.argv.includes("--dev") || process.argv.includes("--watch");
const watch = process.argv.includes("--watch");

/** Each becomes dist/lazy/<file>; every bundle requires it from there instead of including it. */
const LAZY = {
  "zod-schemas": { from: "./schema", importer: /src[\\/]core[\\/]libraries\.ts$/, entry: "src/core/schema.ts" },
  // Only what the core uses, from yaml's ES module build (the same code as its CommonJS one),
  // so that the rest (stringify, visitors, the CLI) is left out: less to load per run.
  yaml: { from: "yaml", contents: 'export { parseDocument, isAlias, isMap, isPair, isScalar, isSeq } from "./node_modules/yaml/browser/index.js";' },
  "smol-toml": { from: "smol-toml" },
  "toml-eslint-parser": { from: "toml-eslint-parser" },
  "lezer-common": { from: "@lezer/common" },
  "lezer-lr": { from: "@lezer/lr" },
  "lezer-highlight": { from: "@lezer/highlight" },
  "lezer-python": { from: "@lezer/python" },
  "sql-js": { from: "sql.js" },
  dotenv: { from: "dotenv" },
};

/** Rewrites imports of the LAZY parts to requires of their files, from `dir` (relative to the bundle). */
function lazyParts(dir, self) {
  return {
    name: "lazy-parts",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return undefined;
        for (const [file, part] of Object.entries(LAZY)) {
          if (file === self || args.path !== part.from) continue;
          if (part.importer && !part.importer.test(args.importer)) continue;
          return { path: `${dir}${file}.js`, external: true };
        }
        return undefined;
      });
    },
  };
}

/**
 * What the CLI's analysis cache entries are made by (src/core/analysisCache.ts): the
 * sources and the locked dependencies, so a rebuild of the same code keeps the cache.
 */
function buildId() {
  const hash = createHash("sha256");
  const files = fs.readdirSync("src", { recursive: true }).map(String).filter((f) => f.endsWith(".ts")).sort();
  for (const file of files) hash.update(file).update("\0").update(fs.readFileSync(path.join("src", file))).update("\0");
  hash.update(fs.readFileSync("package-lock.json"));
  return hash.digest("hex").slice(0, 16);
}

/** Node's CommonJS module wrapper (Module.wrap), around dist/cli-main.js. */
const CLI_MAIN_WRAPPER = ["(function (exports, require, module, __filename, __dirname) {", "\n});"];

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  // Minified for size and start-up; the source maps keep stack traces readable.
  minify: !dev,
  sourcemap: "linked",
  external: ["vscode"],
  logLevel: "warning",
};

const builds = [
  // The banner times the bundle's own top-level code (the extension logs it when it activates).
  { ...common, entryPoints: ["src/extension/extension.ts"], outfile: "dist/extension.js", banner: { js: "\"use strict\";var __kitaruBundleStarted = performance.now();" }, plugins: [lazyParts("./lazy/")] },
  // The parsers and schemas stay in dist/lazy/: a run on unchanged files needs none of them (the analysis cache).
  // Written as one CommonJS module function, which the launcher compiles as it is (codeCache.ts).
  { ...common, entryPoints: ["src/cli/cli.ts"], outfile: "dist/cli-main.js", define: { __KITARU_CONFIG_BUILD__: JSON.stringify(buildId()) }, banner: { js: CLI_MAIN_WRAPPER[0] }, footer: { js: CLI_MAIN_WRAPPER[1] }, plugins: [lazyParts("./lazy/")] },
  { ...common, entryPoints: ["src/cli/launcher.ts"], outfile: "dist/cli.js", banner: { js: "#!/usr/bin/env node" }, external: ["./cli-main.js"] },
  ...Object.entries(LAZY).map(([file, part]) => ({
    ...common,
    ...(part.entry
      ? { entryPoints: [part.entry] }
      : { stdin: { contents: part.contents ?? `module.exports = require(${JSON.stringify(part.from)});`, resolveDir: process.cwd(), sourcefile: `${file}.js` } }),
    outfile: `dist/lazy/${file}.js`,
    plugins: [lazyParts("./", file)],
  })),
];

// sql.js loads its WebAssembly from dist/ (sqliteStacks.ts tells it where).
fs.rmSync("dist", { recursive: true, force: true });
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
  writeCodeCache();
}

/**
 * dist/code-cache/: V8's code for the CLI, from a run on the demo workspace
 * (src/cli/codeCache.ts). The run is the usual one: its stack names come from a
 * warm cache (a first run fills a cache folder of the build's own), so sql.js,
 * which switches V8 to Liftoff only and would make V8 refuse the cache later,
 * never starts in it. Its analyses are not cached (that file is removed after the
 * first run), so the parsers and schemas run and get their code cached too.
 */
function writeCodeCache() {
  const demo = path.join("examples", "research-agent");
  const cacheDir = path.resolve("dist", "code-cache");
  const stackNames = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-build-cache-"));
  const env = { ...process.env, KITARU_CONFIG_PATH: path.resolve(demo, ".kitaru-home"), XDG_CACHE_HOME: stackNames };
  const run = (extra) => spawnSync(process.execPath, ["dist/cli.js", "resolve", "--json", "--workspace", demo], { env: { ...env, ...extra }, stdio: ["ignore", "ignore", "inherit"] });
  try {
    const warm = run({});
    fs.rmSync(path.join(stackNames, "kitaru-config", "analyses.json"), { force: true });
    const made = warm.status === 0 ? run({ KITARU_CONFIG_WRITE_CODE_CACHE: cacheDir }) : warm;
    if (made.status !== 0) console.warn(`esbuild.mjs: no code cache for the CLI (the demo run exited ${made.status ?? made.signal}); it only starts slower`);
  } finally {
    fs.rmSync(stackNames, { recursive: true, force: true });
  }
}
