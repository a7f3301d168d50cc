#!/usr/bin/env node
// Vendored unchanged from the team's shared/conformance/run.mjs so a clean clone runs the cases without ../shared.
// Runs resolution conformance cases (see README.md beside this file) against
// a CLI that implements `resolve --json`.
//
//   node run.mjs --cases DIR [--cases DIR2] --cli "node dist/cli.js" [--only ID] [--verbose]
//
// Prints `ok ID` / `FAIL ID: why` per case and a closing `N passed, M failed`.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

function parseArgs(argv) {
  const args = { cases: [], cli: null, only: null, verbose: false, timeout: 20000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--cases") args.cases.push(argv[++i]);
    else if (a === "--cli") args.cli = argv[++i];
    else if (a === "--only") args.only = argv[++i];
    else if (a === "--verbose") args.verbose = true;
    else if (a === "--timeout") args.timeout = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.cases.length || !args.cli) {
    throw new Error('usage: run.mjs --cases DIR --cli "node dist/cli.js"');
  }
  return args;
}

function splitCommand(cmd) {
  const parts = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m;
  while ((m = re.exec(cmd))) parts.push(m[1] ?? m[2] ?? m[3]);
  return parts;
}

function loadCases(dirs) {
  const cases = [];
  for (const dir of dirs) {
    for (const name of fs.readdirSync(dir).sort()) {
      if (!name.endsWith(".json")) continue;
      const file = path.join(dir, name);
      let c;
      try {
        c = JSON.parse(fs.readFileSync(file, "utf8"));
      } catch (e) {
        cases.push({ id: name, broken: `cannot read case: ${e.message}` });
        continue;
      }
      c.id ??= name.replace(/\.json$/, "");
      cases.push(c);
    }
  }
  return cases;
}

function expand(text, vars) {
  return String(text).replace(/\$\{(WORKSPACE|HOME|TMP)\}/g, (_, k) => vars[k]);
}

function writeFiles(files, vars) {
  for (const [rawPath, rawText] of Object.entries(files ?? {})) {
    if (!/^\$\{(WORKSPACE|HOME|TMP)\}/.test(rawPath)) {
      throw new Error(`file path must start with a placeholder: ${rawPath}`);
    }
    const p = expand(rawPath, vars);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    const data = rawText.startsWith("base64:")
      ? Buffer.from(rawText.slice(7), "base64")
      : Buffer.from(rawText, "utf8");
    fs.writeFileSync(p, data);
  }
}

function deepEqual(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function normPath(p) {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function problemMatches(exp, prob, vars) {
  if (exp.severity !== undefined) {
    const allowed = Array.isArray(exp.severity) ? exp.severity : [exp.severity];
    if (!allowed.includes(prob.severity)) return false;
  }
  const needles = exp.contains === undefined ? [] : Array.isArray(exp.contains) ? exp.contains : [exp.contains];
  const msg = String(prob.message ?? "").toLowerCase();
  for (const n of needles) if (!msg.includes(String(n).toLowerCase())) return false;
  if (exp.file !== undefined) {
    if (!prob.file || normPath(prob.file) !== normPath(expand(exp.file, vars))) return false;
  }
  if (exp.line !== undefined && prob.line !== exp.line) return false;
  if (exp.column !== undefined && prob.column !== exp.column) return false;
  return true;
}

function checkCase(c, out, vars) {
  const why = [];
  const settings = out.settings ?? {};
  for (const [key, exp] of Object.entries(c.expect ?? {})) {
    const got = settings[key] ?? { value: null, source: "default" };
    const gotValue = got.value === undefined ? null : got.value;
    if ("value" in exp && !deepEqual(gotValue, exp.value)) {
      why.push(`${key}: value ${JSON.stringify(gotValue)}, expected ${JSON.stringify(exp.value)}`);
    }
    if (exp.valueMatches !== undefined && !new RegExp(exp.valueMatches).test(JSON.stringify(gotValue))) {
      why.push(`${key}: value ${JSON.stringify(gotValue)} does not match /${exp.valueMatches}/`);
    }
    if (exp.source !== undefined && got.source !== exp.source) {
      why.push(`${key}: source ${JSON.stringify(got.source)}, expected ${JSON.stringify(exp.source)}`);
    }
    if (exp.masked !== undefined && Boolean(got.masked) !== exp.masked) {
      why.push(`${key}: masked ${Boolean(got.masked)}, expected ${exp.masked}`);
    }
    if (exp.originEnv !== undefined && got.origin?.env !== exp.originEnv) {
      why.push(`${key}: origin env ${JSON.stringify(got.origin?.env)}, expected ${exp.originEnv}`);
    }
    if (exp.originFile !== undefined) {
      const f = got.origin?.file;
      if (!f || normPath(f) !== normPath(expand(exp.originFile, vars))) {
        why.push(`${key}: origin file ${JSON.stringify(f)}, expected ${expand(exp.originFile, vars)}`);
      }
    }
    if (exp.originLine !== undefined && got.origin?.line !== exp.originLine) {
      why.push(`${key}: origin line ${JSON.stringify(got.origin?.line)}, expected ${exp.originLine}`);
    }
  }
  const problems = Array.isArray(out.problems) ? out.problems : [];
  const matched = new Set();
  for (const exp of c.expectProblems ?? []) {
    const idx = problems.findIndex((p) => problemMatches(exp, p, vars));
    if (idx < 0) why.push(`missing problem ${JSON.stringify(exp)}`);
    else problems.forEach((p, i) => problemMatches(exp, p, vars) && matched.add(i));
  }
  if (c.noOtherProblems) {
    problems.forEach((p, i) => {
      if ((p.severity === "error" || p.severity === "warning") && !matched.has(i)) {
        why.push(`unexpected ${p.severity}: ${String(p.message).slice(0, 160)}`);
      }
    });
  }
  return why;
}

function runCase(c, cli, timeout) {
  if (c.broken) return [c.broken];
  if (c.platform && c.platform !== process.platform) return null;
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "kc-")));
  const vars = { TMP: tmp, WORKSPACE: path.join(tmp, "ws"), HOME: path.join(tmp, "home") };
  try {
    fs.mkdirSync(vars.WORKSPACE, { recursive: true });
    fs.mkdirSync(vars.HOME, { recursive: true });
    writeFiles(c.files, vars);
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: vars.HOME, LANG: "C.UTF-8" };
    for (const [k, v] of Object.entries(c.env ?? {})) env[k] = expand(v, vars);
    const cwd = path.join(vars.WORKSPACE, c.cwd ?? "");
    fs.mkdirSync(cwd, { recursive: true });
    const [cmd, ...pre] = splitCommand(cli);
    const args = [...pre, "resolve", "--workspace", vars.WORKSPACE, "--cwd", cwd];
    if (c.flow) args.push("--flow", c.flow);
    if (c.call) args.push("--call", c.call);
    args.push("--json");
    const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout, maxBuffer: 64 << 20 });
    if (r.error) return [`could not run: ${r.error.message}`];
    const why = [];
    for (const secret of c.forbidOutput ?? []) {
      if ((r.stdout + r.stderr).includes(expand(secret, vars))) why.push(`output contains forbidden text ${JSON.stringify(secret.slice(0, 6) + "…")}`);
    }
    if (r.status !== 0) return [...why, `exit ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`];
    let out;
    try {
      out = JSON.parse(r.stdout);
    } catch {
      return [...why, `stdout is not JSON: ${r.stdout.trim().slice(0, 200)}`];
    }
    return [...why, ...checkCase(c, out, vars)];
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const cases = loadCases(args.cases).filter((c) => !args.only || c.id === args.only);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const c of cases) {
    let why;
    try {
      why = runCase(c, args.cli, args.timeout);
    } catch (e) {
      why = [`runner error: ${e.message}`];
    }
    if (why === null) {
      skipped++;
      continue;
    }
    if (why.length === 0) {
      passed++;
      console.log(`ok ${c.id}`);
    } else {
      failed++;
      console.log(`FAIL ${c.id}: ${why.join("; ")}`);
      if (args.verbose && c.about) console.log(`     (${c.about})`);
    }
  }
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  process.exit(failed ? 1 : 0);
}

main();
