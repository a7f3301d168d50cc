/**
 * Bad environments, on a real file system: the config directory missing, a file, a symlink loop;
 * Kitaru's files replaced by directories or loops, unreadable, 50 MB; HOME unset; a relative
 * KITARU_CONFIG_PATH. Each gives one clear problem naming the file and the fix, never an
 * exception, and the other layers still resolve. The same cases through the built CLI.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { nodeHost, type Host } from "../../src/core/host";
import { resolveConfiguration, type Resolution } from "../../src/core/resolve";

const ROOT = path.resolve(__dirname, "..", "..");
const CLI = path.join(ROOT, "dist", "cli.js");
const isRoot = process.getuid?.() === 0;

interface Layout {
  root: string;
  ws: string;
  config: string;
  env: Record<string, string>;
}

/** A workspace whose pyproject sets the stack, and a config directory named by KITARU_CONFIG_PATH. */
function layout(t: { after: (fn: () => void) => void }): Layout {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-bad-env-"));
  t.after(() => {
    for (const dir of walkDirs(root)) fs.chmodSync(dir, 0o755);
    fs.rmSync(root, { recursive: true, force: true });
  });
  const ws = path.join(root, "ws");
  const config = path.join(root, "config");
  fs.mkdirSync(ws);
  fs.mkdirSync(config);
  fs.writeFileSync(path.join(ws, "pyproject.toml"), '[tool.kitaru]\nstack = "prod"\nretries = 2\n');
  fs.writeFileSync(path.join(config, "config.yaml"), "active_stack_id: a51bf906-a221-46d7-81b8-c81f8adc5097\n");
  fs.writeFileSync(path.join(config, "kitaru.yaml"), "log_store:\n  backend: datadog\n  endpoint: https://http-intake.logs.datadoghq.com\n");
  return { root, ws, config, env: { KITARU_CONFIG_PATH: config, HOME: path.join(root, "home") } };
}

function walkDirs(dir: string): string[] {
  const out = [dir];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory() && !e.isSymbolicLink()) out.push(...walkDirs(path.join(dir, e.name)));
  return out;
}

function resolveIn(l: Layout, env: Record<string, string> = l.env, host: Host = nodeHost({ env, homedir: path.join(l.root, "home") })): Resolution {
  return resolveConfiguration(host, { workspace: l.ws });
}

/** Exactly one error problem, naming `file` (in its message or as its file) and matching `text`. */
function oneProblem(r: Resolution, file: string, text: RegExp): void {
  const errors = r.problems.filter((p) => p.severity === "error");
  assert.equal(errors.length, 1, `one error, not: ${JSON.stringify(errors.map((p) => p.message))}`);
  const p = errors[0]!;
  assert.ok(p.message.includes(file) || p.file === file, `the problem names ${file}: ${p.message}`);
  assert.match(p.message, text);
}

/** The project layer still applies. */
function projectStillResolves(r: Resolution): void {
  assert.equal(r.settings.stack?.value, "prod");
  assert.equal(r.settings.stack?.source, "pyproject");
  assert.equal(r.settings.retries?.value, 2);
}

test("the config directory missing: no problem (Kitaru creates it), the Files list says so", (t) => {
  const l = layout(t);
  fs.rmSync(l.config, { recursive: true });
  const r = resolveIn(l);
  assert.equal(r.problems.filter((p) => p.severity !== "info").length, 0);
  assert.match(r.looked.find((x) => x.role === "config-dir")!.note, /does not exist yet/);
  projectStillResolves(r);
});

test("KITARU_CONFIG_PATH pointing at a file: one problem naming it, with the fix; the project layer still applies", (t) => {
  const l = layout(t);
  const file = path.join(l.root, "a-file");
  fs.writeFileSync(file, "not a directory\n");
  const r = resolveIn(l, { ...l.env, KITARU_CONFIG_PATH: file });
  oneProblem(r, file, /is a file, not a directory.*Point KITARU_CONFIG_PATH at a directory/);
  assert.equal(r.problems.find((p) => p.severity === "error")?.env, "KITARU_CONFIG_PATH");
  projectStillResolves(r);
});

test("the config directory a symbolic link to itself: one problem, not one per file", (t) => {
  const l = layout(t);
  const loop = path.join(l.root, "loop");
  fs.symlinkSync(loop, loop);
  const r = resolveIn(l, { ...l.env, KITARU_CONFIG_PATH: loop });
  oneProblem(r, loop, /symbolic link that loops.*Point KITARU_CONFIG_PATH at a directory/);
  projectStillResolves(r);
});

for (const name of ["kitaru.yaml", "config.yaml"]) {
  test(`${name} replaced by a directory: one problem naming it; the other files still apply`, (t) => {
    const l = layout(t);
    const file = path.join(l.config, name);
    fs.rmSync(file);
    fs.mkdirSync(file);
    const r = resolveIn(l);
    oneProblem(r, file, /it is a directory, not a file.*fix or remove it/);
    projectStillResolves(r);
    // The other file of the config directory is still read.
    if (name === "kitaru.yaml") assert.equal(r.settings.stack?.overridden.some((c) => c.source === "global"), true);
    else assert.equal(r.settings["log_store.backend"]?.value, "datadog");
  });
}

test("kitaru.yaml a symbolic link that loops: one problem naming it; config.yaml still read", (t) => {
  const l = layout(t);
  const file = path.join(l.config, "kitaru.yaml");
  fs.rmSync(file);
  fs.symlinkSync(file, file);
  const r = resolveIn(l);
  oneProblem(r, file, /symbolic link that loops/);
  assert.equal(r.settings.stack?.overridden.some((c) => c.source === "global"), true);
});

test("pyproject.toml replaced by a directory: one problem (Kitaru stops there); the persisted layer still applies", (t) => {
  const l = layout(t);
  const file = path.join(l.ws, "pyproject.toml");
  fs.rmSync(file);
  fs.mkdirSync(file);
  const r = resolveIn(l);
  oneProblem(r, file, /cannot be read \(it is a directory\).*Fix or remove it/);
  assert.equal(r.settings.stack?.source, "global");
  assert.equal(r.settings["log_store.backend"]?.value, "datadog");
});

test("an unreadable kitaru.yaml (chmod 000; simulated for root, whom permissions do not stop): one problem", (t) => {
  const l = layout(t);
  const file = path.join(l.config, "kitaru.yaml");
  let host: Host = nodeHost({ env: l.env });
  if (isRoot) {
    // Root reads a 000 file anyway: the host reports what a normal user's read would (EACCES).
    const real = host;
    host = { ...real, readText: (f) => (f === file ? (() => { throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" }); })() : real.readText(f)) };
  } else {
    fs.chmodSync(file, 0o000);
  }
  const r = resolveIn(l, l.env, host);
  oneProblem(r, file, /permission denied/);
  projectStillResolves(r);
});

test("a 50 MB kitaru.yaml is not read, with one warning (Kitaru still reads it), quickly", (t) => {
  const l = layout(t);
  const file = path.join(l.config, "kitaru.yaml");
  fs.writeFileSync(file, "log_store:\n  backend: datadog\n  endpoint: https://a.example\n" + `# ${"x".repeat(1_000)}\n`.repeat(50_000));
  const start = Date.now();
  const r = resolveIn(l);
  assert.ok(Date.now() - start < 5_000, `took ${Date.now() - start} ms`);
  assert.deepEqual(r.problems.map((p) => [p.severity, p.code, p.file]), [["warning", "file-too-large", file]]);
  assert.match(r.problems[0]!.message, /is 50,\d{3} KB, over the 256 KB.*not read: its log store and model registry are not shown here\. Kitaru itself still reads it\./);
  assert.doesNotMatch(r.problems[0]!.message, /Kitaru cannot read/);
  projectStillResolves(r);
  assert.equal(r.settings["log_store.backend"]?.value, "artifact-store");
});

test("KITARU_CONFIG_PATH relative: resolved against the working directory, as Kitaru does", (t) => {
  const l = layout(t);
  fs.mkdirSync(path.join(l.ws, "rel-config"));
  fs.writeFileSync(path.join(l.ws, "rel-config", "config.yaml"), "active_stack_id: 11111111-1111-1111-1111-111111111111\n");
  const r = resolveIn(l, { ...l.env, KITARU_CONFIG_PATH: "rel-config" });
  assert.equal(r.configDir.path, path.join(l.ws, "rel-config"));
  assert.equal(r.settings.stack?.overridden[0]?.value, "11111111-1111-1111-1111-111111111111");
  assert.equal(r.problems.filter((p) => p.severity === "error").length, 0);
});

// ── The built CLI ────────────────────────────────────────────────────────────

function cli(l: Layout, args: string[], env: Record<string, string | undefined>): { status: number | null; stdout: string; stderr: string } {
  const base: Record<string, string | undefined> = { PATH: process.env.PATH, ...env };
  for (const [k, v] of Object.entries(base)) if (v === undefined) delete base[k];
  const r = spawnSync(process.execPath, [CLI, ...args, "--workspace", l.ws], { cwd: l.ws, env: base as NodeJS.ProcessEnv, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const built = fs.existsSync(CLI);

test("CLI resolve --json and check in bad environments: one clear problem each, never an internal error", { skip: built ? false : "dist/cli.js not built (node esbuild.mjs)" }, (t) => {
  const l = layout(t);
  const cases: { name: string; env: Record<string, string | undefined>; setup?: () => void; problem?: RegExp }[] = [
    { name: "HOME unset", env: { KITARU_CONFIG_PATH: undefined, HOME: undefined, XDG_CONFIG_HOME: undefined } },
    { name: "config dir a file", env: { ...l.env, KITARU_CONFIG_PATH: path.join(l.ws, "pyproject.toml") }, problem: /is a file, not a directory/ },
    { name: "config dir a loop", env: { ...l.env, KITARU_CONFIG_PATH: path.join(l.root, "loop") }, setup: () => fs.symlinkSync(path.join(l.root, "loop"), path.join(l.root, "loop")), problem: /symbolic link that loops/ },
    { name: "config.yaml a directory", env: l.env, setup: () => (fs.rmSync(path.join(l.config, "config.yaml")), fs.mkdirSync(path.join(l.config, "config.yaml"))), problem: /config\.yaml: it is a directory/ },
  ];
  for (const c of cases) {
    c.setup?.();
    const resolved = cli(l, ["resolve", "--json"], c.env);
    assert.equal(resolved.status, 0, `${c.name}: resolve exits 0 (${resolved.stderr})`);
    assert.doesNotMatch(resolved.stderr, /internal error/);
    const json = JSON.parse(resolved.stdout) as { settings: Record<string, { value: unknown; source: string }>; problems: { severity: string; message: string }[] };
    assert.equal(json.settings.stack?.value, "prod", `${c.name}: the project layer still applies`);
    const errors = json.problems.filter((p) => p.severity === "error");
    if (c.problem) {
      assert.equal(errors.length, 1, `${c.name}: ${JSON.stringify(errors)}`);
      assert.match(errors[0]!.message, c.problem);
    } else assert.equal(errors.length, 0, `${c.name}: ${JSON.stringify(errors)}`);
    const checked = cli(l, ["check", "--json"], c.env);
    assert.equal(checked.status, c.problem ? 1 : 0, `${c.name}: check exits 1 on the error (${checked.stderr})`);
    assert.doesNotMatch(checked.stderr, /internal error/);
    if (c.problem) assert.match(checked.stdout, c.problem);
  }
});

test("CLI --dotenv naming a directory: a usage error naming it, exit 2", { skip: built ? false : "dist/cli.js not built (node esbuild.mjs)" }, (t) => {
  const l = layout(t);
  fs.mkdirSync(path.join(l.ws, ".env"));
  const r = cli(l, ["resolve", "--json", "--dotenv", path.join(l.ws, ".env")], l.env);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--dotenv .*\.env: it is a directory/);
  assert.doesNotMatch(r.stderr, /internal error/);
});
