/**
 * `kitaru-config resolve --json` on the demo workspace as a user runs it: a whole
 * process, against Node's own start-up (`node -e 0`) measured side by side,
 * interleaved so both see the same machine load.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT, stats, type Benchmark } from "./bench";

const DEMO = path.join(ROOT, "examples", "research-agent");
const CLI = path.join(ROOT, "dist", "cli.js");

function wallMs(args: string[], env: NodeJS.ProcessEnv): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr.toString().slice(0, 300)}`);
  return ms;
}

/** Medians of `runs` interleaved runs of the floor and the command, after warm-ups. */
function sideBySide(command: string[], env: NodeJS.ProcessEnv, runs = 21) {
  const floor: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < 3; i++) {
    wallMs(["-e", "0"], env);
    wallMs(command, env);
  }
  for (let i = 0; i < runs; i++) {
    floor.push(wallMs(["-e", "0"], env));
    cli.push(wallMs(command, env));
  }
  const f = stats(floor);
  const c = stats(cli);
  return { ...c, floorMedianMs: f.medianMs, floorMinMs: f.minMs, ratio: Number((c.medianMs / f.medianMs).toFixed(2)) };
}

// The demo's own config directory (what `npm run demo` uses): config.yaml, kitaru.yaml and
// ZenML's SQLite store; a cache directory of the benchmark's own for the stack names and the
// analyses (the warm-ups fill it, as a user's earlier runs do).
const cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-bench-cache-"));
process.on("exit", () => fs.rmSync(cacheHome, { recursive: true, force: true }));
const demoEnv = { ...process.env, KITARU_CONFIG_PATH: path.join(DEMO, ".kitaru-home"), XDG_CACHE_HOME: cacheHome };
const RESOLVE = [CLI, "resolve", "--json", "--workspace", DEMO];

export const benchmarks: Benchmark[] = [
  {
    name: "CLI resolve --json, demo workspace, whole process",
    target: "≤ 1.3 × node -e 0",
    limit: { figure: "ratio", max: 1.3 },
    run: () => sideBySide(RESOLVE, demoEnv),
  },
  {
    name: "CLI resolve --json, demo, store changed (sql.js reads it)",
    target: "informative: the first run after a stack change",
    run: () => {
      // A fresh cache directory each time: the store has to be read.
      const samples: number[] = [];
      for (let i = 0; i < 7; i++) {
        const fresh = fs.mkdtempSync(path.join(cacheHome, "cold-"));
        samples.push(wallMs(RESOLVE, { ...demoEnv, XDG_CACHE_HOME: fresh }));
      }
      return stats(samples);
    },
  },
  {
    name: "CLI resolve --json, demo, first run after a file changed",
    target: "informative: the analyses are made again and stored (≈ the figure without the analysis cache)",
    run: () => {
      // Stack names warm, analyses cold: what a run after an edit to pyproject.toml or kitaru.yaml costs.
      const stackNames = path.join(cacheHome, "kitaru-config", "stack-names.json");
      const floor: number[] = [];
      const samples: number[] = [];
      for (let i = 0; i < 13; i++) {
        const fresh = fs.mkdtempSync(path.join(cacheHome, "edited-"));
        fs.mkdirSync(path.join(fresh, "kitaru-config"));
        fs.copyFileSync(stackNames, path.join(fresh, "kitaru-config", "stack-names.json"));
        floor.push(wallMs(["-e", "0"], demoEnv));
        samples.push(wallMs(RESOLVE, { ...demoEnv, XDG_CACHE_HOME: fresh }));
      }
      const f = stats(floor);
      return { ...stats(samples), floorMedianMs: f.medianMs, ratio: Number((stats(samples).medianMs / f.medianMs).toFixed(2)) };
    },
  },
  {
    name: "CLI --help, whole process",
    target: "≤ 1.3 × node -e 0",
    limit: { figure: "ratio", max: 1.3 },
    run: () => sideBySide([CLI, "--help"], demoEnv),
  },
];
