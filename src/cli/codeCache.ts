/**
 * V8's compiled code for the CLI (dist/cli-main.js) and the parts it loads
 * lazily (dist/lazy/*.js: zod with the schemas, yaml, the TOML parsers), made
 * at build time and shipped in dist/code-cache/. A run then deserializes code
 * instead of compiling some 400 KB of JavaScript, which is most of what it
 * would otherwise spend beyond Node's own start-up.
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

export function useCodeCache(distDir: string): void {
  const lazyDir = path.join(distDir, "lazy") + path.sep;
  const main = path.join(distDir, "cli-main.js");
  const writeTo = process.env.KITARU_CONFIG_WRITE_CODE_CACHE;
  const cacheDir = writeTo || path.join(distDir, "code-cache");
  const compiled: [file: string, script: vm.Script][] = [];
  const proto = (Module as unknown as { prototype: CompilingModule }).prototype;
  const compile = proto._compile;
  proto._compile = function (this: CompilingModule, content: string, filename: string) {
    if (filename !== main && !filename.startsWith(lazyDir)) return compile.call(this, content, filename);
    const cacheFile = path.join(cacheDir, `${path.basename(filename)}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = writeTo ? undefined : fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(Module.wrap(content), { filename, ...(cachedData ? { cachedData } : {}) });
    if (writeTo) compiled.push([cacheFile, script]);
    const wrapper = script.runInThisContext() as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, Module.createRequire(filename), this, filename, path.dirname(filename));
  };
  if (writeTo) {
    // After the run, so the cache also holds the functions the run compiled.
    process.on("exit", () => {
      fs.mkdirSync(cacheDir, { recursive: true });
      for (const [file, script] of compiled) fs.writeFileSync(file, script.createCachedData());
    });
  }
}
