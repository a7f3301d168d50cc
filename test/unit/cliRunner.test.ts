// The process runner against the fake kitaru (test/fake-kitaru): real child
// processes, real process groups.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CommandLock, ProcessRunner } from "../../src/extension/cliRunner";
import { parseCliOutput } from "../../src/core/kitaruCli";

const FAKE = path.resolve(__dirname, "..", "fake-kitaru", "kitaru");
const posix = process.platform !== "win32";

function env(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kitaru-home-"));
  return { PATH: process.env.PATH, FAKE_KITARU_NODE: process.execPath, KITARU_CONFIG_PATH: home, ...extra };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor<T>(probe: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("runs with an argument array, stdin closed, the given environment", { skip: !posix }, async () => {
  const runner = new ProcessRunner();
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fk-")), "calls.jsonl");
  const r = await runner.run({ executable: FAKE, args: ["stack", "use", "gpu; rm -rf /", "-o", "json"], cwd: os.tmpdir(), env: env({ FAKE_KITARU_LOG: log, FAKE_MARKER: "m1" }), timeoutMs: 10_000 });
  assert.equal(r.exitCode, 1);
  const outcome = parseCliOutput(r);
  assert.equal(outcome.ok, false);
  assert.match((outcome as { message: string }).message, /No stack found with name or ID 'gpu; rm -rf \/'/);
  const call = JSON.parse(fs.readFileSync(log, "utf8").trim());
  assert.deepEqual(call.argv, ["stack", "use", "gpu; rm -rf /", "-o", "json"]);
  assert.equal(call.stdinIsTTY, false);
  assert.equal(call.env.FAKE_MARKER, "m1");
});

test("a hanging CLI times out and its whole process tree is killed", { skip: !posix }, async () => {
  const runner = new ProcessRunner();
  const pidfile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fk-")), "pids.json");
  const started = Date.now();
  const r = await runner.run({ executable: FAKE, args: ["stack", "list", "-o", "json"], cwd: os.tmpdir(), env: env({ FAKE_KITARU_MODE: "hang", FAKE_KITARU_PIDFILE: pidfile }), timeoutMs: 1500, killGraceMs: 500 });
  assert.equal(r.timedOut, true);
  assert.ok(Date.now() - started < 8000, "finished soon after the timeout");
  const pids = JSON.parse(fs.readFileSync(pidfile, "utf8"));
  await waitFor(() => (!alive(pids.pid) && !alive(pids.child) ? true : undefined));
  assert.equal(runner.running().length, 0);
});

test("cancellation stops the tree; running() lists the process meanwhile", { skip: !posix }, async () => {
  const runner = new ProcessRunner();
  const pidfile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fk-")), "pids.json");
  const controller = new AbortController();
  const run = runner.run({ executable: FAKE, args: ["login", "-o", "json"], cwd: os.tmpdir(), env: env({ FAKE_KITARU_MODE: "hang", FAKE_KITARU_PIDFILE: pidfile }), timeoutMs: 60_000, signal: controller.signal, label: "kitaru login -o json" });
  const pids = await waitFor(() => (fs.existsSync(pidfile) ? JSON.parse(fs.readFileSync(pidfile, "utf8")) : undefined));
  assert.deepEqual(runner.running().map((p) => p.label), ["kitaru login -o json"]);
  controller.abort();
  const r = await run;
  assert.equal(r.cancelled, true);
  assert.equal(r.timedOut, false);
  await waitFor(() => (!alive(pids.pid) && !alive(pids.child) ? true : undefined));
});

test("an already-aborted signal never starts the process", async () => {
  const runner = new ProcessRunner();
  const controller = new AbortController();
  controller.abort();
  const r = await runner.run({ executable: FAKE, args: [], cwd: os.tmpdir(), env: {}, timeoutMs: 1000, signal: controller.signal });
  assert.equal(r.cancelled, true);
  assert.equal(r.pid, undefined);
});

test("a missing executable is a spawn error, not a crash", async () => {
  const runner = new ProcessRunner();
  const r = await runner.run({ executable: path.join(os.tmpdir(), "no-such-kitaru-here"), args: [], cwd: os.tmpdir(), env: {}, timeoutMs: 1000 });
  assert.equal(r.spawnError?.code, "ENOENT");
});

test("streams output as it arrives; warning + text before JSON still parse", { skip: !posix }, async () => {
  const runner = new ProcessRunner();
  const chunks: string[] = [];
  const r = await runner.run({ executable: FAKE, args: ["stack", "list", "-o", "json"], cwd: os.tmpdir(), env: env({ FAKE_KITARU_MODE: "warn,text-before-json" }), timeoutMs: 10_000, onOutput: (t) => chunks.push(t) });
  const outcome = parseCliOutput(r);
  assert.equal(outcome.ok, true);
  assert.deepEqual(outcome.warnings, ["This is a fake warning before the result. It has an indented detail line."]);
  assert.deepEqual(outcome.text, ["Connecting to the Kitaru server..."]);
  assert.ok(chunks.join("").includes("stack.list"));
});

test("the fake's traceback mode parses to the exception message", { skip: !posix }, async () => {
  const r = await new ProcessRunner().run({ executable: FAKE, args: ["stack", "list", "-o", "json"], cwd: os.tmpdir(), env: env({ FAKE_KITARU_MODE: "traceback" }), timeoutMs: 10_000 });
  const outcome = parseCliOutput(r);
  assert.equal(outcome.ok, false);
  assert.equal((outcome as { message: string }).message, "The fake store is locked (traceback requested).");
});

test("CommandLock: one holder at a time", () => {
  const lock = new CommandLock();
  const release = lock.tryAcquire("stack use gpu");
  assert.ok(release);
  assert.equal(lock.busyWith, "stack use gpu");
  assert.equal(lock.tryAcquire("logout"), undefined);
  release!();
  release!();
  assert.equal(lock.busyWith, undefined);
  assert.ok(lock.tryAcquire("logout"));
});
