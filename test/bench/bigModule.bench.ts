/**
 * The tester's module: 1,500 @checkpoint functions, 1,500 @flow functions each calling one, 1,500
 * `.run()` calls in the main guard (223 KB), with `[tool.kitaru] cache = false` so every
 * checkpoint gets its hint. Before the fix `kitaru-config check big.py` took 10.8 s (150 flows
 * 0.40 s, 300 0.68 s, 600 1.73 s: quadratic), `check --workspace` on a 3,000-file workspace
 * holding it 2 min 38 s, and the editor gave no CodeLens after 6 minutes.
 *
 *  - CLI check of the module, and of the 3,000-file workspace holding it (a process each, as a user runs it)
 *  - one lens pass: what the CodeLens needs for every flow and call of the module
 *  - the editor's slices: reading the module, and its Python checks, in slices (longest slice)
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FlowIndex, flowSpec, modulePythonProblemsAsync } from "../../src/core/flowIndex";
import { executionSummary } from "../../src/core/flowSummary";
import { nodeHost } from "../../src/core/host";
import { readPythonModuleAsync } from "../../src/core/python/reader";
import { memoModuleReader } from "../../src/core/pythonLayers";
import { resolveConfiguration, resolveOnProject } from "../../src/core/resolve";
import type { Benchmark } from "./bench";
import { bigFlowModule } from "./bigModule";

const CLI = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../dist/cli.js");
const PYPROJECT = '[project]\nname = "big"\n\n[tool.kitaru]\ncache = false\nretries = 1\n';

let root: string | undefined;
function dir(): string {
  if (root) return root;
  root = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-bench-big-"));
  const r = root;
  process.on("exit", () => fs.rmSync(r, { recursive: true, force: true }));
  return root;
}

/** A folder with pyproject.toml and big.py of `n` flows. */
function moduleDir(n: number): string {
  const d = path.join(dir(), `m${n}`);
  if (!fs.existsSync(d)) {
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, "pyproject.toml"), PYPROJECT);
    fs.writeFileSync(path.join(d, "big.py"), bigFlowModule(n));
  }
  return d;
}

/** 3,000 Python files in 15 projects (flow modules, re-exports, plain modules) plus big.py in one of them. */
function workspace3000(): string {
  const d = path.join(dir(), "ws3000");
  if (fs.existsSync(d)) return d;
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(d, rel)), { recursive: true });
    fs.writeFileSync(path.join(d, rel), text);
  };
  write("pyproject.toml", '[project]\nname = "mono"\n\n[tool.uv.workspace]\nmembers = ["packages/*"]\n');
  const plain = "import json\n\n" + Array.from({ length: 20 }, (_, j) => `def f${j}(x):\n    return json.dumps(x) + "${j}"\n`).join("\n");
  for (let t = 0; t < 15; t++) {
    const base = `packages/team${t}`;
    write(`${base}/pyproject.toml`, `[project]\nname = "team${t}"\n\n[tool.kitaru]\ncache = false\nretries = 2\n`);
    for (let k = 0; k < 10; k++) write(`${base}/src/pkg${t}/flows_${k}.py`, `from kitaru import checkpoint, flow\n\n@checkpoint(cache=False)\ndef step_${k}(x):\n    return x\n\n@flow(retries=${k % 3})\ndef ingest_${k}(x):\n    return step_${k}(x)\n\nif __name__ == "__main__":\n    ingest_${k}.run("x", stack="prod")\n`);
    write(`${base}/src/pkg${t}/__init__.py`, Array.from({ length: 10 }, (_, k) => `from .flows_${k} import ingest_${k}\n`).join(""));
    for (let i = 0; i < 189; i++) write(`${base}/src/pkg${t}/util/mod_${i}.py`, plain);
  }
  write("packages/team0/src/pkg0/big.py", bigFlowModule(1500));
  return d;
}

/** Median wall time of `runs` CLI processes, in seconds. */
function cliSeconds(args: string[], cwd: string, runs = 3): { seconds: number; status: number | null; lines: number } {
  const times: number[] = [];
  let last: ReturnType<typeof spawnSync> | undefined;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    last = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { PATH: process.env.PATH ?? "", HOME: cwd, KITARU_CONFIG_PATH: path.join(cwd, ".kitaru-home") } });
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  times.sort((a, b) => a - b);
  return { seconds: Number(times[Math.floor(times.length / 2)]!.toFixed(2)), status: last!.status, lines: String(last!.stdout).split("\n").length - 1 };
}

const needsBuild = () => (fs.existsSync(CLI) ? undefined : { skipped: "dist/cli.js missing: npm run build" });

export const benchmarks: Benchmark[] = [
  {
    name: "CLI check big.py, 150 / 300 / 600 / 1,500 flows",
    target: "linear; 1,500 flows < 2 s (was 0.40 / 0.68 / 1.73 / 10.8 s)",
    limit: { figure: "s1500", max: 2 },
    run: () => {
      const skip = needsBuild();
      if (skip) return skip;
      const out: Record<string, number | string> = {};
      for (const n of [150, 300, 600, 1500]) out[`s${n}`] = cliSeconds(["check", "big.py"], moduleDir(n)).seconds;
      return out;
    },
  },
  {
    name: "CLI check --workspace, 3,000 files with big.py",
    target: "< 3 s (was 2 min 38 s; 0.4 s without big.py)",
    limit: { figure: "seconds", max: 3 },
    run: () => {
      const skip = needsBuild();
      if (skip) return skip;
      const ws = workspace3000();
      const r = cliSeconds(["check", "--workspace", ws], ws, 1);
      return { seconds: r.seconds, exit: r.status ?? "signal", lines: r.lines };
    },
  },
  {
    name: "one lens pass over big.py (1,500 flows + 1,500 calls)",
    target: "< 300 ms",
    limit: { figure: "medianMs", max: 300 },
    run: () => {
      const d = moduleDir(1500);
      const file = path.join(d, "big.py");
      const host = nodeHost({ env: { HOME: d, KITARU_CONFIG_PATH: path.join(d, ".kitaru-home") } });
      const index = new FlowIndex({ platform: process.platform, workspaceOf: () => d });
      index.update(file, fs.readFileSync(file, "utf8"));
      const pass = () => {
        // What the CodeLens computes when every flow and call is on screen: the project once, then each flow and call.
        const readModule = memoModuleReader(index.moduleReader(host.readText));
        const project = resolveConfiguration(host, { workspace: d, cwd: d });
        let lenses = 0;
        for (const f of index.flowsIn(file)) {
          const r = resolveOnProject(project, { flow: flowSpec(process.platform, d, file, f.name), checkpoints: "called", readModule })!;
          lenses += executionSummary(r.settings, d).length;
        }
        for (const c of index.callsIn(file)) {
          const r = resolveOnProject(project, { call: flowSpec(process.platform, d, file, c.line), checkpoints: "called", readModule })!;
          lenses += executionSummary(r.settings, d, { method: c.call.method }).length;
        }
        return lenses;
      };
      const lenses = pass();
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const t = process.hrtime.bigint();
        pass();
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      times.sort((a, b) => a - b);
      return { lenses, medianMs: Number(times[3]!.toFixed(1)), perLensUs: Number(((times[3]! * 1000) / lenses).toFixed(1)) };
    },
  },
  {
    name: "editor slices: read big.py, check it (1,500 hints)",
    target: "longest slice < 50 ms",
    limit: { figure: "longestSliceMs", max: 50 },
    run: async () => {
      const d = moduleDir(1500);
      const file = path.join(d, "big.py");
      const text = fs.readFileSync(file, "utf8");
      const slices = { longest: 0, last: 0 };
      const pause = async () => {
        slices.longest = Math.max(slices.longest, performance.now() - slices.last);
        await new Promise((r) => setImmediate(r));
        slices.last = performance.now();
      };
      // Warm up, then measure.
      await readPythonModuleAsync(text, { sliceMs: 12, pause: async () => {} });
      slices.last = performance.now();
      let t = performance.now();
      await readPythonModuleAsync(text, { sliceMs: 12, pause });
      const readMs = performance.now() - t;
      const readLongest = Math.max(slices.longest, performance.now() - slices.last);

      const host = nodeHost({ env: { HOME: d, KITARU_CONFIG_PATH: path.join(d, ".kitaru-home") } });
      const index = new FlowIndex({ platform: process.platform, workspaceOf: () => d });
      index.update(file, text);
      const check = async () => {
        const readModule = memoModuleReader(index.moduleReader(host.readText));
        let project: ReturnType<typeof resolveConfiguration> | undefined;
        const resolver = {
          forProject: () => (project ??= resolveConfiguration(host, { workspace: d, cwd: d })),
          forFlow: (f: string, name: string) => resolveOnProject(resolver.forProject(), { flow: flowSpec(process.platform, d, f, name), checkpoints: "called" as const, readModule }),
        };
        return modulePythonProblemsAsync(index, file, resolver, { sliceMs: 12, pause });
      };
      await check();
      slices.longest = 0;
      slices.last = performance.now();
      t = performance.now();
      const problems = await check();
      const checkMs = performance.now() - t;
      const checkLongest = Math.max(slices.longest, performance.now() - slices.last);
      return { longestSliceMs: Number(Math.max(readLongest, checkLongest).toFixed(1)), readMs: Number(readMs.toFixed(0)), readLongestMs: Number(readLongest.toFixed(1)), checkMs: Number(checkMs.toFixed(0)), checkLongestMs: Number(checkLongest.toFixed(1)), hints: problems?.length ?? 0 };
    },
  },
];
