/**
 * V8's compiled code for the CLI (dist/cli-main.js) and the parts it loads
 * lazily (dist/lazy/*.js: the parsers and schemas, sql.js, dotenv), made at build
 * time and shipped in dist/code-cache/. A run then deserializes code instead of
 * compiling some 350 KB of JavaScript, which is most of what it would
 * otherwise spend beyond Node's own start-up.
 *
 * esbuild.mjs makes the cache by running the CLI on the demo workspace with
 * KITARU_CONFIG_WRITE_CODE_CACHE set to the directory to write; at any other
 * time nothing is written. V8 refuses a cache made by another V8 version or
 * with other flags, or for another text; the file is then compiled as usual.
 */
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";

interface CompilingModule {
  exports: unknown;
  _compile(content: string, filename: string): unknown;
}

type ModuleWrapper = (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => unknown;

/**
 * Runs dist/cli-main.js, which esbuild.mjs writes already wrapped as a CommonJS
 * module function: read once and compiled with its cache, without require()'s
 * path resolution, package.json scope lookup and a second copy of the source
 * for the wrapper.
 */
export function runCliMain(distDir: string): void {
  const main = path.join(distDir, "cli-main.js");
  const cache = codeCache(distDir);
  const script = cache.compile(fs.readFileSync(main, "utf8"), main);
  const module = new Module(main);
  module.filename = main;
  module.paths = [];
  (script.runInThisContext() as ModuleWrapper).call(module.exports, module.exports, Module.createRequire(main), module, main, distDir);
}

/** Compiles dist/lazy/ parts required later with their caches too. */
function codeCache(distDir: string): { compile(source: string, filename: string): vm.Script } {
  const lazyDir = path.join(distDir, "lazy") + path.sep;
  const writeTo = process.env.KITARU_CONFIG_WRITE_CODE_CACHE;
  const cacheDir = writeTo || path.join(distDir, "code-cache");
  const compiled: [file: string, script: vm.Script][] = [];
  const compile = (source: string, filename: string): vm.Script => {
    const cacheFile = path.join(cacheDir, `${path.basename(filename)}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = writeTo ? undefined : fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(source, { filename, ...(cachedData ? { cachedData } : {}) });
    if (writeTo) compiled.push([cacheFile, script]);
    return script;
  };
  const proto = (Module as unknown as { prototype: CompilingModule }).prototype;
  const nodeCompile = proto._compile;
  proto._compile = function (this: CompilingModule, content: string, filename: string) {
    if (!filename.startsWith(lazyDir)) return nodeCompile.call(this, content, filename);
    const wrapper = compile(Module.wrap(content), filename).runInThisContext() as ModuleWrapper;
    return wrapper.call(this.exports, this.exports, Module.createRequire(filename), this, filename, path.dirname(filename));
  };
  if (writeTo) {
    // After the run, so the cache also holds the functions the run compiled.
    process.on("exit", () => {
      fs.mkdirSync(cacheDir, { recursive: true });
      for (const [file, script] of compiled) fs.writeFileSync(file, script.createCachedData());
    });
  }
  return { compile };
}
