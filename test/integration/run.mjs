#!/usr/bin/env node
// Integration tests in a real VS Code 1.100.3 (server + web workbench, driven
// by headless Chromium). For each scenario of ./scenarios.mjs: a fresh VS Code
// with the extension under test (copied through its .vscodeignore allow-list)
// and the in-host test runner (./host), whose mocha run writes a results file
// that this script polls.
//
//   node test/integration/run.mjs [--scenario NAME]... [--keep-open]
//        [--no-build] [--extension DIR] [--timeout SECONDS] [--list]
//
//   --scenario NAME  run only this scenario (repeatable)
//   --keep-open      leave the last scenario's VS Code running (Ctrl-C stops it)
//   --no-build       do not run `node esbuild.mjs` first
//   --extension DIR  test this extension folder instead of the project root
//   --timeout S      per-scenario deadline (default: scenario's, else 300 s)
//   env UPDATE_SCREENSHOTS=1  also copy screenshots into docs/images/
//
// Output: test-results/<scenario>/ (results.json, logs on failure),
// test-results/screenshots/, test-results/<scenario>-failure.png.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire, SourceMap } from "node:module";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { provision } from "../../scripts/provision-vscode.mjs";
import { startVSCode } from "../../scripts/vscode-server.mjs";
import { scenarios } from "./scenarios.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..", "..");
const HOST_DIR = path.join(HERE, "host");
const SUITES_DIR = path.join(HERE, "suites");
const RESULTS_DIR = path.join(ROOT, "test-results");
const SCREENSHOTS_DIR = path.join(RESULTS_DIR, "screenshots");
const DEFAULT_TIMEOUT_MS = 5 * 60_000;
/** If the host has not written its first results by then, it never started. */
const HOST_START_TIMEOUT_MS = 120_000;

function parseArgs(argv) {
  const opts = { scenarios: [], keepOpen: false, build: true, extension: ROOT, timeoutMs: undefined, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--scenario") opts.scenarios.push(next());
    else if (a.startsWith("--scenario=")) opts.scenarios.push(a.slice("--scenario=".length));
    else if (a === "--keep-open") opts.keepOpen = true;
    else if (a === "--no-build") opts.build = false;
    else if (a === "--extension") opts.extension = path.resolve(next());
    else if (a === "--timeout") opts.timeoutMs = Number(next()) * 1000;
    else if (a === "--list") opts.list = true;
    else if (a === "-h" || a === "--help") {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(1, 20).join("\n"));
      process.exit(0);
    } else throw new Error(`unknown argument: ${a}`);
  }
  return opts;
}

const fmt = (ms) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

function buildProject() {
  const t0 = Date.now();
  console.log("build: node esbuild.mjs");
  const r = spawnSync(process.execPath, ["esbuild.mjs"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`node esbuild.mjs failed (exit ${r.status ?? r.signal})`);
  console.log(`build: done in ${fmt(Date.now() - t0)}`);
}

/** Compile the host extension and every suite into host/out/. */
async function compileHost() {
  const t0 = Date.now();
  const outDir = path.join(HOST_DIR, "out");
  fs.rmSync(outDir, { recursive: true, force: true });
  const suiteFiles = fs.readdirSync(SUITES_DIR).filter((f) => f.endsWith(".test.ts"));
  const common = {
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: "inline",
    logLevel: "warning",
    // vscode: provided by the extension host; mocha: loaded by the host
    // (suites use the globals it defines: suite/test/suiteSetup...).
    external: ["vscode", "mocha"],
  };
  await esbuild.build({ ...common, entryPoints: [path.join(HOST_DIR, "src", "host.ts")], outfile: path.join(outDir, "host.js") });
  if (suiteFiles.length) {
    await esbuild.build({
      ...common,
      entryPoints: suiteFiles.map((f) => path.join(SUITES_DIR, f)),
      outdir: path.join(outDir, "suites"),
    });
  }
  console.log(`compile: host + ${suiteFiles.length} suite(s) in ${fmt(Date.now() - t0)}`);
  return suiteFiles;
}

function readResults(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined; // not written yet
  }
}

// The extension host replaces Error.prepareStackTrace, so Node's own source
// map support does not apply there: map compiled-suite frames back to the
// .ts sources here, with the inline source maps esbuild wrote.
const sourceMaps = new Map();
function suiteSourceMap(basename) {
  if (!sourceMaps.has(basename)) {
    let map;
    try {
      const js = fs.readFileSync(path.join(HOST_DIR, "out", "suites", basename), "utf8");
      const m = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(js);
      if (m) map = new SourceMap(JSON.parse(Buffer.from(m[1], "base64").toString("utf8")));
    } catch {
      map = undefined;
    }
    sourceMaps.set(basename, map);
  }
  return sourceMaps.get(basename);
}

function mapStack(stack) {
  return stack.replace(/(\/[^\s()]*\/out\/suites\/([^\s()/:]+\.js)):(\d+):(\d+)/g, (whole, _file, basename, line, col) => {
    const entry = suiteSourceMap(basename)?.findEntry(Number(line) - 1, Number(col) - 1);
    if (!entry || !entry.originalSource) return whole;
    const source = path.relative(ROOT, path.resolve(HOST_DIR, "out", "suites", entry.originalSource.replace(/^file:\/\//, "")));
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

function printTest(t) {
  const mark = t.state === "passed" ? "✓" : t.state === "failed" ? "✗" : "-";
  console.log(`  ${mark} ${t.fullTitle} (${fmt(t.durationMs ?? 0)})`);
  if (t.error) {
    const body = mapStack(t.error.stack ?? t.error.message).split("\n").slice(0, 12).join("\n");
    console.log(body.replace(/^/gm, "      "));
    if (t.error.expected !== undefined || t.error.actual !== undefined) {
      console.log(`      expected: ${t.error.expected}\n      actual:   ${t.error.actual}`);
    }
  }
}

function tail(file, lines) {
  try {
    return fs.readFileSync(file, "utf8").split(/\r?\n/).slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Files (walked recursively) that contain any of the texts. */
function findLeaks(roots, texts) {
  const leaks = [];
  const visit = (p) => {
    if (!fs.existsSync(p)) return;
    if (fs.statSync(p).isDirectory()) {
      for (const name of fs.readdirSync(p)) visit(path.join(p, name));
      return;
    }
    const content = fs.readFileSync(p, "latin1");
    for (const secret of texts) if (content.includes(secret)) leaks.push({ file: p, secret });
  };
  roots.forEach(visit);
  return leaks;
}

function countFiles(dir) {
  if (!fs.existsSync(dir)) return 0;
  return fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).reduce((n, name) => n + countFiles(path.join(dir, name)), 0) : 1;
}

async function runScenario(scenario, { suiteFiles, extension, timeoutMs, keepOpen }) {
  const t0 = Date.now();
  const outcome = { name: scenario.name, ok: false, passed: 0, failed: 0, pending: 0, problems: [], durationMs: 0 };
  const scenarioDir = path.join(RESULTS_DIR, scenario.name);
  fs.rmSync(scenarioDir, { recursive: true, force: true });
  fs.mkdirSync(scenarioDir, { recursive: true });
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `kitaru-it-${scenario.name}-`));
  const ctx = { name: scenario.name, root: ROOT, tmpDir, workspace: undefined };
  const resultsFile = path.join(tmpDir, "results.json");
  let vs;
  let results; // last content of the results file
  console.log(`\n▶ scenario ${scenario.name}`);
  try {
    const unknown = scenario.suites.filter((s) => !suiteFiles.includes(s));
    if (unknown.length) throw new Error(`unknown suite(s) ${unknown.join(", ")} (not in test/integration/suites/)`);
    ctx.workspace = scenario.workspace(ctx);
    console.log(`  workspace: ${ctx.workspace}`);
    const scenarioEnv = scenario.env ? scenario.env(ctx) : {};
    const deadline = Date.now() + (timeoutMs ?? scenario.timeoutMs ?? DEFAULT_TIMEOUT_MS);

    vs = await startVSCode({
      workspace: ctx.workspace,
      extensions: [extension, HOST_DIR],
      userSettings: (typeof scenario.settings === "function" ? scenario.settings(ctx) : scenario.settings) ?? {},
      trustWorkspace: scenario.trustWorkspace ?? true,
      env: ({ installedExtensions }) => {
        const host = installedExtensions.find((e) => e.source === HOST_DIR);
        const suites = scenario.suites.map((s) => path.join(host.path, "out", "suites", s.replace(/\.ts$/, ".js")));
        return {
          ...scenarioEnv,
          KITARU_TEST_SUITES: suites.join(path.delimiter),
          KITARU_TEST_RESULTS: resultsFile,
          KITARU_TEST_MOCHA: path.dirname(createRequire(import.meta.url).resolve("mocha/package.json")),
        };
      },
      log: (line) => console.log(`  ${line}`),
    });
    console.log(`  VS Code up in ${fmt(Date.now() - t0)}: ${vs.url}`);

    // Poll the results file; print tests as they finish.
    let printed = 0;
    const hostDeadline = Math.min(deadline, Date.now() + HOST_START_TIMEOUT_MS);
    for (;;) {
      results = readResults(resultsFile);
      if (results) {
        for (; printed < results.tests.length; printed++) printTest(results.tests[printed]);
        if (results.done) break;
      }
      const exited = vs.serverExited();
      if (exited) throw new Error(`the VS Code server exited (${exited.signal ?? `code ${exited.code}`})`);
      if (!results && Date.now() > hostDeadline) {
        throw new Error(
          `the test host never started: no ${resultsFile} after ${fmt(HOST_START_TIMEOUT_MS)} ` +
            `(extension host not started, or kitaru-tools-test.integration-host not activated)`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out${results?.current ? ` while running "${results.current}"` : ""} (${results?.tests.length ?? 0} test(s) finished)`);
      }
      await delay(200);
    }
    fs.copyFileSync(resultsFile, path.join(scenarioDir, "results.json"));
    if (results.fatal) {
      const stack = mapStack(results.fatal.stack ?? results.fatal.message).split("\n").slice(0, 8).join("\n");
      outcome.problems.push(`test run failed to start: ${stack}`);
    }
    if (results.failed > 0) outcome.problems.push(`${results.failed} test(s) failed`);
    if (results.tests.length === 0 && !results.fatal) outcome.problems.push("no tests ran");

    // Secrets the scenario's fixtures hold must not appear in any log, result or output channel.
    const forbidden = scenario.forbiddenOutput ?? [];
    if (forbidden.length) {
      const logsDir = vs.collectLogs(path.join(scenarioDir, "logs"));
      const leaks = findLeaks([logsDir, path.join(scenarioDir, "results.json")], forbidden);
      for (const leak of leaks) outcome.problems.push(`a fixture secret (${leak.secret.slice(0, 4)}…) appears in ${path.relative(ROOT, leak.file)}`);
      console.log(`  secrets: none of ${forbidden.length} fixture secret(s) in ${countFiles(logsDir)} log file(s) and the results${leaks.length ? " — LEAKED" : ""}`);
    }

    if (outcome.problems.length === 0 && scenario.screenshots) {
      const ts = Date.now();
      fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
      await scenario.screenshots(vs.page, SCREENSHOTS_DIR, ctx);
      console.log(`  screenshots: done in ${fmt(Date.now() - ts)}`);
    }
  } catch (err) {
    outcome.problems.push(err instanceof Error ? err.message : String(err));
  }

  if (results) {
    outcome.passed = results.passed;
    outcome.failed = results.failed;
    outcome.pending = results.pending;
  }
  outcome.ok = outcome.problems.length === 0;
  if (!outcome.ok && vs) {
    const shot = path.join(RESULTS_DIR, `${scenario.name}-failure.png`);
    try {
      await vs.page.screenshot({ path: shot, timeout: 15_000 });
      console.log(`  failure screenshot: ${path.relative(ROOT, shot)}`);
    } catch (e) {
      console.log(`  (could not take a failure screenshot: ${e instanceof Error ? e.message : e})`);
    }
    try {
      const logs = vs.collectLogs(path.join(scenarioDir, "logs"));
      console.log(`  logs: ${path.relative(ROOT, logs)}/`);
    } catch {
      // best effort
    }
    if (results) fs.writeFileSync(path.join(scenarioDir, "results.json"), JSON.stringify(results, null, 2) + "\n");
    console.log(`  --- server log (tail) ---\n${tail(vs.serverLogs, 40).replace(/^/gm, "  | ")}`);
    const exthostLog = vs.logFiles().find((f) => /remoteexthost\.log$/.test(f));
    if (exthostLog) console.log(`  --- extension host log (tail) ---\n${tail(exthostLog, 40).replace(/^/gm, "  | ")}`);
  }
  if (vs && keepOpen) {
    outcome.keptOpen = vs;
  } else if (vs) {
    await vs.stop();
  }
  if (outcome.keptOpen) process.on("exit", () => fs.rmSync(tmpDir, { recursive: true, force: true }));
  else fs.rmSync(tmpDir, { recursive: true, force: true });
  outcome.durationMs = Date.now() - t0;
  for (const p of outcome.problems) console.log(`  ✗ ${p}`);
  console.log(
    `  ${outcome.ok ? "PASS" : "FAIL"} ${scenario.name}: ${outcome.passed} passed, ${outcome.failed} failed, ` +
      `${outcome.pending} pending in ${fmt(outcome.durationMs)}`,
  );
  return outcome;
}

async function main() {
  const t0 = Date.now();
  const opts = parseArgs(process.argv.slice(2));
  const names = scenarios.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new Error("scenario names must be unique");
  if (opts.list) {
    for (const s of scenarios) console.log(`${s.name}: ${s.suites.join(", ")}`);
    return 0;
  }
  const unknown = opts.scenarios.filter((n) => !names.includes(n));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(", ")} (known: ${names.join(", ")})`);
  const selected = opts.scenarios.length ? scenarios.filter((s) => opts.scenarios.includes(s.name)) : scenarios;

  if (opts.build) buildProject();
  await provision();
  const suiteFiles = await compileHost();
  fs.mkdirSync(RESULTS_DIR, { recursive: true });

  const outcomes = [];
  for (const [i, scenario] of selected.entries()) {
    const keepOpen = opts.keepOpen && i === selected.length - 1;
    outcomes.push(await runScenario(scenario, { suiteFiles, extension: opts.extension, timeoutMs: opts.timeoutMs, keepOpen }));
  }

  console.log("\nSummary");
  for (const o of outcomes) {
    console.log(`  ${o.ok ? "✓" : "✗"} ${o.name.padEnd(24)} ${String(o.passed).padStart(3)} passed ${String(o.failed).padStart(3)} failed  ${fmt(o.durationMs)}`);
  }
  const failed = outcomes.filter((o) => !o.ok);
  console.log(
    `${failed.length ? "FAILED" : "OK"}: ${outcomes.length - failed.length}/${outcomes.length} scenario(s) passed in ${fmt(Date.now() - t0)}`,
  );

  const kept = outcomes.find((o) => o.keptOpen);
  if (kept) {
    console.log(`\nKept open (--keep-open): ${kept.keptOpen.url}\nData: ${kept.keptOpen.dataDirs.root}\nPress Ctrl-C to stop.`);
    await new Promise(() => {}); // the SIGINT handler of vscode-server.mjs stops it and exits
  }
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`\nintegration tests: ERROR: ${err instanceof Error ? err.stack : err}`);
    process.exit(1);
  },
);
