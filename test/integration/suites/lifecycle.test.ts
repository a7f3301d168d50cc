/// <reference types="mocha" />
// The extension host stays healthy (scenario host-lifecycle): the built
// extension (dist/extension.js, its package.json "main") is loaded again inside
// the real extension host, as a fresh module instance, and activated and
// deactivated several times through its exported activate/deactivate, with:
//   - a `vscode` module whose namespace functions (registerX, createX, onDidX,
//     ...) record every disposable they hand out, and notice its dispose();
//   - its own setTimeout/setInterval/setImmediate (the module's free variables),
//     which record what is pending;
//   - an ExtensionContext whose subscriptions VS Code's way (dispose after
//     deactivate) are released.
// After each cycle nothing it registered may stay alive and no timer may stay
// pending; no promise rejection may go unhandled. Command ids get a suffix (the
// real instance owns the real ones); the tree view id is shared, which is why
// this runs in a scenario of its own.
import * as assert from "assert";
import * as fs from "fs";
import { createRequire } from "module";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import { activeExtension, waitFor } from "./util";

interface Live {
  what: string;
  stack: string;
}

class Tracker {
  readonly live = new Map<object, Live>();
  readonly timers = new Map<unknown, Live & { kind: string; ms: number }>();
  /** Timeouts that fired after the instance was deactivated. */
  readonly lateTimers: string[] = [];
  deactivated = false;
  created = 0;

  track(d: { dispose(): unknown }, what: string): void {
    if (this.live.has(d)) return;
    this.created++;
    this.live.set(d, { what, stack: shortStack() });
    const original = d.dispose;
    const tracker = this;
    try {
      d.dispose = function (this: unknown, ...args: unknown[]) {
        tracker.live.delete(d);
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      };
    } catch {
      this.live.set(d, { what: `${what} (dispose not observable)`, stack: "" });
    }
  }

  /** The module's timer functions: the real ones, recording what is pending. */
  timerFunctions() {
    const t = this;
    const record = (kind: string, handle: unknown, ms: number) => t.timers.set(handle, { kind, ms, what: kind, stack: shortStack() });
    const fire = (handle: unknown) => {
      const entry = t.timers.get(handle);
      t.timers.delete(handle);
      if (t.deactivated && entry) t.lateTimers.push(`${entry.kind}(${entry.ms} ms) from ${entry.stack}`);
    };
    return {
      setTimeout(fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) {
        const h: NodeJS.Timeout = setTimeout(() => {
          fire(h);
          fn(...args);
        }, ms);
        record("setTimeout", h, ms ?? 0);
        return h;
      },
      clearTimeout(h: unknown) {
        t.timers.delete(h);
        clearTimeout(h as NodeJS.Timeout);
      },
      setInterval(fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) {
        const h = setInterval(fn, ms, ...args);
        record("setInterval", h, ms ?? 0);
        return h;
      },
      clearInterval(h: unknown) {
        t.timers.delete(h);
        clearInterval(h as NodeJS.Timeout);
      },
      setImmediate(fn: (...a: unknown[]) => void, ...args: unknown[]) {
        const h: NodeJS.Immediate = setImmediate(() => {
          fire(h);
          fn(...args);
        });
        record("setImmediate", h, 0);
        return h;
      },
      clearImmediate(h: unknown) {
        t.timers.delete(h);
        clearImmediate(h as NodeJS.Immediate);
      },
    };
  }
}

function shortStack(): string {
  const lines = (new Error().stack ?? "").split("\n").slice(3).filter((l) => l.includes("extension.js"));
  return lines.slice(0, 3).map((l) => l.trim().replace(/^at /, "")).join(" < ") || "(no extension frame)";
}

/** A `vscode` module for one instance: namespace functions record the disposables they return; command ids get `suffix`. */
function trackedVscode(tracker: Tracker, suffix: string): typeof vscode {
  const real = vscode as unknown as Record<string, unknown>;
  const api: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(real)) {
    const value = real[key];
    const isNamespace = /^[a-z]/.test(key) && value !== null && typeof value === "object";
    if (!isNamespace) {
      Object.defineProperty(api, key, { enumerable: true, get: () => real[key] });
      continue;
    }
    const ns = value as Record<string, unknown>;
    const wrapped: Record<string, unknown> = {};
    for (const member of Object.getOwnPropertyNames(ns)) {
      Object.defineProperty(wrapped, member, {
        enumerable: true,
        get: () => {
          const v = ns[member];
          if (typeof v !== "function") return v;
          return (...args: unknown[]) => {
            if (key === "commands" && (member === "registerCommand" || member === "registerTextEditorCommand") && typeof args[0] === "string") args[0] = `${args[0]}.${suffix}`;
            const r = (v as (...a: unknown[]) => unknown).apply(ns, args);
            if (r && typeof r === "object" && typeof (r as { dispose?: unknown }).dispose === "function" && typeof (r as { then?: unknown }).then !== "function") {
              tracker.track(r as { dispose(): unknown }, `${key}.${member}(${typeof args[0] === "string" ? JSON.stringify(args[0]) : ""})`);
            }
            return r;
          };
        },
      });
    }
    Object.defineProperty(api, key, { enumerable: true, value: wrapped });
  }
  return api as unknown as typeof vscode;
}

const TIMER_NAMES = ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate"] as const;

/** Loads `main` (and any chunk of its folder it requires) as a fresh module instance with this vscode and these timers. */
function loadFresh(main: string, api: typeof vscode, timers: ReturnType<Tracker["timerFunctions"]>): { activate(ctx: vscode.ExtensionContext): Promise<unknown>; deactivate?(): unknown } {
  const dir = path.dirname(main);
  const cache = new Map<string, { exports: Record<string, unknown> }>();
  const load = (file: string): Record<string, unknown> => {
    const cached = cache.get(file);
    if (cached) return cached.exports;
    const module = { exports: {} as Record<string, unknown> };
    cache.set(file, module);
    const realRequire = createRequire(file);
    const req = (id: string): unknown => {
      if (id === "vscode") return api;
      if (id === "timers" || id === "node:timers") return { ...(realRequire(id) as object), ...timers };
      if (id.startsWith(".") || path.isAbsolute(id)) {
        const resolved = realRequire.resolve(id);
        if (resolved.startsWith(dir) && resolved.endsWith(".js")) return load(resolved);
      }
      return realRequire(id);
    };
    req.resolve = realRequire.resolve;
    // The sourceURL names the file in stack traces (where a leaked registration was made).
    const body = `${fs.readFileSync(file, "utf8")}\n//# sourceURL=${file}`;
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const fn = new Function("exports", "require", "module", "__filename", "__dirname", ...TIMER_NAMES, body) as (...a: unknown[]) => void;
    fn(module.exports, req, module, file, path.dirname(file), ...TIMER_NAMES.map((n) => timers[n]));
    return module.exports;
  };
  return load(main) as unknown as ReturnType<typeof loadFresh>;
}

function memento(): vscode.Memento & { setKeysForSync(keys: readonly string[]): void } {
  const data = new Map<string, unknown>();
  return {
    keys: () => [...data.keys()],
    get: <T>(key: string, fallback?: T) => (data.has(key) ? (data.get(key) as T) : fallback) as T,
    update: async (key: string, value: unknown) => void (value === undefined ? data.delete(key) : data.set(key, value)),
    setKeysForSync: () => undefined,
  };
}

function context(ext: vscode.Extension<unknown>, logDir: string): vscode.ExtensionContext & { subscriptions: { dispose(): unknown }[] } {
  const base = {
    subscriptions: [] as { dispose(): unknown }[],
    extension: ext,
    extensionPath: ext.extensionPath,
    extensionUri: ext.extensionUri,
    extensionMode: vscode.ExtensionMode.Test,
    globalState: memento(),
    workspaceState: memento(),
    logUri: vscode.Uri.file(logDir),
    logPath: logDir,
    storageUri: undefined,
    globalStorageUri: vscode.Uri.file(path.join(logDir, "global")),
    asAbsolutePath: (p: string) => path.join(ext.extensionPath, p),
  };
  // Anything else the extension reads is reported, so a new use shows up here.
  return new Proxy(base, {
    get(target, prop) {
      if (!(prop in target) && typeof prop === "string" && prop !== "then") unknownContext.add(prop);
      return Reflect.get(target, prop);
    },
  }) as unknown as ReturnType<typeof context>;
}
const unknownContext = new Set<string>();

const rejections: string[] = [];
const onRejection = (reason: unknown) => rejections.push(reason instanceof Error ? `${reason.message}\n${reason.stack ?? ""}` : String(reason));

interface InstanceApi {
  ready: Promise<void>;
  current(): unknown;
  refresh(): Promise<unknown>;
  treeSnapshot(depth?: number): Promise<{ label: string }[]>;
  statusBar(): { text: string };
}

async function cycle(ext: vscode.Extension<unknown>, n: number, exercise: (api: InstanceApi, suffix: string) => Promise<void>, leakOnPurpose = false) {
  const tracker = new Tracker();
  const suffix = `lifecycle${n}`;
  const main = path.join(ext.extensionPath, (ext.packageJSON as { main: string }).main);
  const mod = loadFresh(main, trackedVscode(tracker, suffix), tracker.timerFunctions());
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-lifecycle-"));
  const ctx = context(ext, logDir);
  const api = (await mod.activate(ctx)) as InstanceApi;
  await api.ready;
  await exercise(api, suffix);
  if (leakOnPurpose) {
    // The control: a listener registered through the instance's vscode and never disposed.
    trackedVscodeFor(tracker).workspace.onDidChangeConfiguration(() => undefined);
  }
  await mod.deactivate?.();
  for (const d of ctx.subscriptions) {
    try {
      d.dispose();
    } catch (error) {
      rejections.push(`dispose threw: ${(error as Error).message}`);
    }
  }
  tracker.deactivated = true;
  // What is still pending after a grace for work already in flight.
  await new Promise((r) => setTimeout(r, 2500));
  fs.rmSync(logDir, { recursive: true, force: true });
  return {
    created: tracker.created,
    subscriptions: ctx.subscriptions.length,
    live: [...tracker.live.values()].map((l) => `${l.what} at ${l.stack}`),
    timers: [...tracker.timers.values()].map((t) => `${t.kind}(${t.ms} ms) from ${t.stack}`),
    late: tracker.lateTimers,
  };
}

/** The same tracked vscode shape, for the control leak. */
function trackedVscodeFor(tracker: Tracker): typeof vscode {
  return trackedVscode(tracker, "control");
}

suite("extension lifecycle: activate and deactivate, nothing left alive", () => {
  let ext: vscode.Extension<unknown>;
  const ws = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

  suiteSetup(async function () {
    this.timeout(90_000);
    process.on("unhandledRejection", onRejection);
    ext = await activeExtension();
    await (ext.exports as InstanceApi).ready;
  });

  suiteTeardown(() => {
    process.off("unhandledRejection", onRejection);
  });

  const exercise = async (api: InstanceApi, suffix: string) => {
    await api.refresh();
    const rows = await api.treeSnapshot(4);
    assert.ok(rows.some((r) => r.label === "Execution"), `the instance's tree works: ${rows.map((r) => r.label).join(", ")}`);
    assert.ok(api.statusBar().text.length > 0, "the instance's status bar works");
    // Python features: lenses and hovers of the instance (and of the real one) on the demo module.
    const flows = vscode.Uri.file(path.join(ws(), "src", "research_agent", "flows.py"));
    const doc = await vscode.workspace.openTextDocument(flows);
    await vscode.window.showTextDocument(doc);
    await waitFor(async () => ((await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", flows, 10)) ?? []).length > 0, { what: "CodeLenses", timeoutMs: 30_000 });
    await vscode.commands.executeCommand("vscode.executeHoverProvider", flows, new vscode.Position(33, 5));
    await vscode.commands.executeCommand(`kitaru.explain.${suffix}`);
    await vscode.commands.executeCommand(`kitaru.refresh.${suffix}`);
    // A change on disk the instance's watchers see.
    const py = path.join(ws(), "pyproject.toml");
    fs.writeFileSync(py, fs.readFileSync(py, "utf8").replace("retries = 2", "retries = 3"));
    const retries = () => (api.current() as { resolution: { settings: Record<string, { value: unknown }> } } | undefined)?.resolution.settings.retries?.value;
    await waitFor(() => retries() === 3, { what: "the instance's watchers to see pyproject.toml change", timeoutMs: 15_000 });
    fs.writeFileSync(py, fs.readFileSync(py, "utf8").replace("retries = 3", "retries = 2"));
    await waitFor(() => retries() === 2, { what: "the instance's watchers to see pyproject.toml change back", timeoutMs: 15_000 });
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  };

  test("the leak check can fail: an undisposed listener is reported", async function () {
    this.timeout(120_000);
    const r = await cycle(ext, 0, async (api) => void (await api.refresh()), true);
    assert.strictEqual(r.live.length, 1, JSON.stringify(r.live));
    assert.match(r.live[0]!, /workspace\.onDidChangeConfiguration/);
  });

  for (const n of [1, 2, 3]) {
    test(`cycle ${n}: every registration disposed, no timer pending`, async function () {
      this.timeout(180_000);
      const r = await cycle(ext, n, exercise);
      assert.ok(r.created > 30, `${r.created} disposables handed out`);
      assert.deepStrictEqual(r.live, [], `${r.live.length} of ${r.created} registrations still alive after deactivate`);
      assert.deepStrictEqual(r.timers, [], "timers still pending after deactivate");
      assert.deepStrictEqual(r.late, [], "timers that fired after deactivate");
    });
  }

  test("no unhandled promise rejection, no unexpected ExtensionContext member", async () => {
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepStrictEqual(rejections, []);
    assert.deepStrictEqual([...unknownContext], []);
  });

  test("the real instance still works", async () => {
    const real = ext.exports as InstanceApi;
    await real.refresh();
    assert.ok(real.current());
  });
});
