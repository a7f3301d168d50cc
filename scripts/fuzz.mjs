#!/usr/bin/env node
// `npm run fuzz`: the properties of test/unit/fuzz.test.ts with many more runs and a random seed.
//   FUZZ_RUNS=2000 (default: about 9 minutes on 2 cores; the unit step runs 60–120) runs per property;
//   FUZZ_SEED=<n> replays a run; FUZZ_SHRINK=1 shrinks a failure.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runs = process.env.FUZZ_RUNS || "2000";
const seed = process.env.FUZZ_SEED || String(Math.floor(Math.random() * 0x7fffffff));
console.log(`fuzz: ${runs} runs per property, seed ${seed} (replay: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npm run fuzz)`);
const start = Date.now();
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-timeout=0", "test/unit/fuzz.test.ts"], { cwd: ROOT, stdio: "inherit", env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed } });
console.log(`fuzz: ${r.status === 0 ? "passed" : "FAILED"} in ${((Date.now() - start) / 1000).toFixed(1)} s (seed ${seed})`);
process.exit(r.status ?? 1);
