/**
 * In-process resolution of the demo workspace (with its config directory), as
 * the extension's refreshes run it: warm, through the file-text cache and the
 * parse caches; and what one refresh reads after one file changed.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FileTextCache, nodeHost } from "../../src/core/host";
import { resolveConfiguration } from "../../src/core/resolve";
import { ROOT, time, type Benchmark } from "./bench";

const demo = path.join(ROOT, "examples", "research-agent");
const env = { ...process.env, KITARU_CONFIG_PATH: path.join(demo, ".kitaru-home") };

export const benchmarks: Benchmark[] = [
  {
    name: "resolve demo workspace in-process, warm (a refresh)",
    target: "< 1 ms",
    limit: { figure: "medianMs", max: 1 },
    run: () => {
      const host = nodeHost({ env, fileCache: new FileTextCache() });
      return time(() => resolveConfiguration(host, { workspace: demo }), 101, 20);
    },
  },
  {
    name: "resolve demo workspace in-process, --call (a CodeLens)",
    target: "< 10 ms",
    limit: { figure: "medianMs", max: 10 },
    run: () => {
      const host = nodeHost({ env, fileCache: new FileTextCache() });
      return time(() => resolveConfiguration(host, { workspace: demo, call: "src/research_agent/flows.py:46" }), 51, 10);
    },
  },
  {
    name: "one changed file: what the next refresh reads",
    target: "only the changed file is read again",
    limit: { figure: "unchangedReadAgain", max: 0 },
    run: () => {
      // A copy, so the benchmark can change a file.
      const ws = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-bench-refresh-"));
      try {
        fs.cpSync(demo, ws, { recursive: true });
        const files = new FileTextCache();
        const host = nodeHost({ env: { ...env, KITARU_CONFIG_PATH: path.join(ws, ".kitaru-home") }, fileCache: files });
        resolveConfiguration(host, { workspace: ws });
        const before = { ...files.counts };
        const pyproject = path.join(ws, "pyproject.toml");
        fs.writeFileSync(pyproject, fs.readFileSync(pyproject, "utf8").replace(/^retries = .*$/m, "retries = 7"));
        const r = resolveConfiguration(host, { workspace: ws });
        if (r.settings.retries?.value !== 7) throw new Error("the refresh did not see the change");
        const read = files.counts.read - before.read;
        return { read, unchanged: files.counts.unchanged - before.unchanged, missing: files.counts.missing - before.missing, unchangedReadAgain: read - 1 };
      } finally {
        fs.rmSync(ws, { recursive: true, force: true });
      }
    },
  },
];
