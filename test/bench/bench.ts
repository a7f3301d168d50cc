/**
 * `npm run bench`: speed and memory figures, printed, never asserted in tests.
 * Each `test/bench/*.bench.ts` exports `benchmarks: Benchmark[]`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

export interface Benchmark {
  name: string;
  /** The target, in words (e.g. "< 30 ms"), printed next to the figure. */
  target?: string;
  /** Runs once and returns named figures (ms, MB, counts). */
  run(): Promise<Record<string, number | string>> | Record<string, number | string>;
}

/** Median of `runs` timings of fn (after `warmup` runs), in milliseconds. */
export function timeMedian(fn: () => unknown, runs = 15, warmup = 3): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return Number(times[Math.floor(times.length / 2)]!.toFixed(2));
}

async function main(): Promise<void> {
  const dir = path.dirname(new URL(import.meta.url).pathname);
  const only = process.argv.slice(2);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".bench.ts")).sort();
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { benchmarks: Benchmark[] };
    for (const b of mod.benchmarks) {
      if (only.length && !only.some((o) => b.name.includes(o))) continue;
      const figures = await b.run();
      const text = Object.entries(figures).map(([k, v]) => `${k}=${v}`).join("  ");
      console.log(`${b.name.padEnd(48)} ${text}${b.target ? `   (target ${b.target})` : ""}`);
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) void main();
