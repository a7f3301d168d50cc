/**
 * What a start loads: the shipped bundles' sizes (minified, as `node esbuild.mjs`
 * builds them), and what stays out of them until first use (dist/lazy/).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, type Benchmark } from "./bench";

const DIST = path.join(ROOT, "dist");
const kb = (file: string) => Number((fs.statSync(path.join(DIST, file)).size / 1024).toFixed(1));

export const benchmarks: Benchmark[] = [
  {
    name: "bundle: dist/extension.js (minified)",
    target: "< 400 KB",
    limit: { figure: "KB", max: 400 },
    run: () => {
      const lazy = fs.readdirSync(path.join(DIST, "lazy")).filter((f) => f.endsWith(".js"));
      return { KB: kb("extension.js"), lazyParts: lazy.length, lazyKB: Number(lazy.reduce((n, f) => n + kb(path.join("lazy", f)), 0).toFixed(1)) };
    },
  },
  {
    name: "bundle: the CLI (dist/cli.js + dist/cli-main.js, minified)",
    target: "< 400 KB",
    limit: { figure: "KB", max: 400 },
    run: () => ({ KB: Number((kb("cli.js") + kb("cli-main.js")).toFixed(1)), codeCacheKB: kb(path.join("code-cache", "cli-main.js.v8")) }),
  },
];
