// The CLI ships V8's compiled code (dist/code-cache/, made by esbuild.mjs): V8 must
// accept it, or every run compiles the CLI again (about 55 ms).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const DEMO = path.join(ROOT, "examples", "research-agent");
const PARSERS = ["yaml.js", "zod-schemas.js", "smol-toml.js", "toml-eslint-parser.js"];

test("the built CLI's code caches are accepted by this Node; a second run on unchanged files loads no parser", () => {
  const cli = path.join(ROOT, "dist", "cli.js");
  assert.ok(fs.existsSync(path.join(ROOT, "dist", "code-cache", "cli-main.js.v8")), "dist/code-cache/cli-main.js.v8 is missing: run npm run build");
  // A preload that reports, for every script compiled with cached data, whether V8 refused it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-code-cache-"));
  const spy = path.join(dir, "spy.cjs");
  fs.writeFileSync(spy, `const vm = require("vm"); const Script = vm.Script; vm.Script = function (code, options) { const s = new Script(code, options); if (options && options.cachedData) process.stderr.write("CACHE " + require("path").basename(options.filename) + " " + (s.cachedDataRejected ? "rejected" : "accepted") + "\\n"); return s; };\n`);
  const env = { ...process.env, KITARU_CONFIG_PATH: path.join(DEMO, ".kitaru-home"), XDG_CACHE_HOME: path.join(dir, "cache") };
  for (const run of ["cold", "warm"]) {
    const r = spawnSync(process.execPath, ["-r", spy, cli, "resolve", "--json", "--workspace", DEMO], { env, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const verdicts = r.stderr.split("\n").filter((l) => l.startsWith("CACHE "));
    assert.ok(verdicts.some((l) => l.startsWith("CACHE cli-main.js ")), `${run}: cli-main.js was not loaded with its cache (${r.stderr})`);
    assert.deepEqual(verdicts.filter((l) => l.endsWith(" rejected")), [], `${run} run`);
    // The first run analyses pyproject.toml, kitaru.yaml and config.yaml; the next finds them in the analysis cache.
    const parsers = verdicts.filter((l) => PARSERS.some((p) => l.startsWith(`CACHE ${p} `)));
    assert.equal(parsers.length, run === "cold" ? PARSERS.length : 0, `${run} run loaded: ${verdicts.join(", ")}`);
  }
});
