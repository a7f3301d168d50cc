/**
 * `npm run bench [-- NAME...]`: speed, size and memory figures against their
 * targets, printed as a table and, last, as one machine-readable JSON line
 * (`BENCH {...}`). Exits 1 when a target is missed. Not part of `npm test`:
 * timings on a shared machine are noisy, so targets live here, not in tests.
 *
 * Each `test/bench/*.bench.ts` exports `benchmarks: Benchmark[]`. Timings are
 * medians of several runs after a warm-up, with min and max beside them.
 * The synthetic workspaces are generated (deterministically) into temp folders.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

export type Figures = Record<string, number | string>;

export interface Benchmark {
  name: string;
  /** The target, in words (e.g. "< 30 ms"), printed next to the figures. */
  target?: string;
  /** The figure the target applies to and its limit: above it, the run fails. */
  limit?: { figure: string; max: number };
  /** Runs once and returns named figures (ms, KB, MB, counts). */
  run(): Promise<Figures> | Figures;
}

export type Timing = {
  medianMs: number;
  minMs: number;
  maxMs: number;
};

const round = (ms: number) => Number(ms.toFixed(ms < 10 ? 3 : 1));

/** Median, min and max of the durations (ms). */
export function stats(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return { medianMs: round(sorted[Math.floor((sorted.length - 1) / 2)]!), minMs: round(sorted[0]!), maxMs: round(sorted[sorted.length - 1]!) };
}

/** `runs` timings of fn after `warmup` runs, in milliseconds. */
export function time(fn: () => unknown, runs = 15, warmup = 3): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return stats(samples);
}

/** The median alone (older benchmarks print just that). */
export function timeMedian(fn: () => unknown, runs = 15, warmup = 3): number {
  return time(fn, runs, warmup).medianMs;
}

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");

interface Row {
  name: string;
  figures: Figures;
  target?: string;
  limit?: { figure: string; max: number };
  ok?: boolean;
  error?: string;
}

function verdict(b: Benchmark, figures: Figures): boolean | undefined {
  if (!b.limit) return undefined;
  const value = figures[b.limit.figure];
  return typeof value === "number" && value <= b.limit.max;
}

async function main(): Promise<void> {
  const dir = path.join(ROOT, "test", "bench");
  const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".bench.ts")).sort();
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${(await import("node:os")).cpus().length} cores`);
  // The figures are of the shipped bundles: build them first.
  const build = spawnSync(process.execPath, ["esbuild.mjs"], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) throw new Error("node esbuild.mjs failed");
  const rows: Row[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { benchmarks: Benchmark[] };
    for (const b of mod.benchmarks) {
      if (only.length && !only.some((o) => b.name.includes(o) || file.includes(o))) continue;
      let row: Row;
      try {
        const figures = await b.run();
        row = { name: b.name, figures, ...(b.target ? { target: b.target } : {}), ...(b.limit ? { limit: b.limit } : {}) };
        const ok = verdict(b, figures);
        if (ok !== undefined) row.ok = ok;
      } catch (error) {
        row = { name: b.name, figures: {}, ok: false, error: (error as Error).message, ...(b.target ? { target: b.target } : {}) };
      }
      rows.push(row);
      const text = Object.entries(row.figures).map(([k, v]) => `${k}=${v}`).join("  ");
      const mark = row.ok === undefined ? "    " : row.ok ? "ok  " : "MISS";
      console.log(`${mark} ${row.name.padEnd(58)} ${row.error ? `error: ${row.error}` : text}${row.target ? `   (target ${row.target})` : ""}`);
    }
  }
  if (rows.length === 0) {
    // A mistyped filter must not pass as "all targets met".
    console.log(`no benchmark matches ${only.map((o) => JSON.stringify(o)).join(", ")}`);
    process.exitCode = 2;
    return;
  }
  const missed = rows.filter((r) => r.ok === false);
  console.log(missed.length ? `\n${missed.length} target(s) missed: ${missed.map((r) => r.name).join("; ")}` : `\nall ${rows.filter((r) => r.ok).length} targets met`);
  console.log(`BENCH ${JSON.stringify({ node: process.version, cores: (await import("node:os")).cpus().length, ok: missed.length === 0, results: rows })}`);
  process.exitCode = missed.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) void main();
