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
    name: "bundle: the CLI (cli.js, cli-main.js and the parts a run reads files with)",
    target: "< 400 KB",
    limit: { figure: "KB", max: 400 },
    run: () => {
      // A run whose files are unchanged loads cli.js and cli-main.js only; one that analyses
      // pyproject.toml and the YAML files also loads these (Python, sql.js and dotenv only when needed).
      const parsers = ["yaml.js", "zod-schemas.js", "smol-toml.js", "toml-eslint-parser.js"].map((f) => path.join("lazy", f));
      const main = kb("cli.js") + kb("cli-main.js");
      const cacheKB = fs.readdirSync(path.join(DIST, "code-cache")).reduce((n, f) => n + kb(path.join("code-cache", f)), 0);
      return { KB: Number((main + parsers.reduce((n, f) => n + kb(f), 0)).toFixed(1)), mainKB: Number(main.toFixed(1)), codeCacheKB: Number(cacheKB.toFixed(1)) };
    },
  },
];
