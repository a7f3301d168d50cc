/**
 * Running the `kitaru` CLI as a child process, safely:
 *
 * - the executable and an argument array, never a shell string;
 * - stdin closed (`ignore`: the child reads end-of-file, never waits for input);
 * - the environment given by the caller (the explained environment);
 * - a timeout and cancellation that stop the whole process tree: on POSIX the
 *   child leads its own process group (`detached`) and the group gets SIGTERM,
 *   then SIGKILL; on Windows `taskkill /T /F` ends the tree;
 * - bounded output buffers; output can also be streamed as it arrives.
 *
 * No `vscode` import, so it is tested in plain Node against the fake CLI.
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface RunOptions {
  executable: string;
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Stop the process tree after this long. */
  timeoutMs: number;
  /** Aborting stops the process tree (the progress notification's Cancel). */
  signal?: AbortSignal;
  /** Output as it arrives (device-flow login shows it in a terminal). */
  onOutput?: (text: string, stream: "stdout" | "stderr") => void;
  /** Keep at most this many characters of each stream (default 1 MiB); the end is kept. */
  maxBuffer?: number;
  /** Time between SIGTERM and SIGKILL (default 2 s). */
  killGraceMs?: number;
  /** A short description for `running()` (already free of secrets). */
  label?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  pid?: number;
  /** The process could not be started (ENOENT, EACCES, ...). */
  spawnError?: NodeJS.ErrnoException;
}

export interface RunningProcess {
  pid: number;
  label: string;
  startedAt: number;
}

/** Owns every child it started: lists them, and stops them all on dispose. */
export class ProcessRunner {
  private readonly children = new Map<number, { child: ChildProcess; info: RunningProcess; stop: () => void }>();

  constructor(private readonly platform: NodeJS.Platform = process.platform) {}

  running(): RunningProcess[] {
    return [...this.children.values()].map((c) => c.info);
  }

  run(options: RunOptions): Promise<RunResult> {
    const started = Date.now();
    const max = options.maxBuffer ?? 1024 * 1024;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;

    return new Promise<RunResult>((resolve) => {
      let stdout = "";
      let stderr = "";
      let timedOut = false;
      let cancelled = false;
      let settled = false;
      let killTimer: NodeJS.Timeout | undefined;
      let forceTimer: NodeJS.Timeout | undefined;
      let timeout: NodeJS.Timeout | undefined;

      if (options.signal?.aborted) {
        resolve({ stdout, stderr, exitCode: null, signal: null, timedOut, cancelled: true, durationMs: 0 });
        return;
      }

      let child: ChildProcess;
      try {
        child = spawn(options.executable, [...options.args], {
          cwd: options.cwd,
          env,
          stdio: ["ignore", "pipe", "pipe"],
          shell: false,
          windowsHide: true,
          // POSIX: its own process group, so the whole tree can be signalled.
          detached: this.platform !== "win32",
        });
      } catch (error) {
        resolve({ stdout, stderr, exitCode: null, signal: null, timedOut, cancelled, durationMs: Date.now() - started, spawnError: error as NodeJS.ErrnoException });
        return;
      }

      const finish = (result: Omit<RunResult, "stdout" | "stderr" | "timedOut" | "cancelled" | "durationMs">) => {
        if (settled) return;
        settled = true;
        if (timeout) clearTimeout(timeout);
        if (killTimer) clearTimeout(killTimer);
        if (forceTimer) clearTimeout(forceTimer);
        options.signal?.removeEventListener("abort", onAbort);
        if (child.pid !== undefined) this.children.delete(child.pid);
        resolve({ stdout, stderr, timedOut, cancelled, durationMs: Date.now() - started, ...result });
      };

      const stop = () => {
        if (settled || child.pid === undefined) return;
        this.killTree(child.pid, "SIGTERM");
        killTimer = setTimeout(() => {
          if (child.pid !== undefined) this.killTree(child.pid, "SIGKILL");
          // A grandchild that escaped the group may keep the pipes open: do not wait for it forever.
          forceTimer = setTimeout(() => {
            child.stdout?.destroy();
            child.stderr?.destroy();
            finish({ exitCode: child.exitCode, signal: child.signalCode, pid: child.pid! });
          }, 3000);
        }, options.killGraceMs ?? 2000);
      };
      const onAbort = () => {
        if (settled) return;
        cancelled = true;
        stop();
      };

      const append = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        if (stream === "stdout") stdout = (stdout + text).slice(-max);
        else stderr = (stderr + text).slice(-max);
        options.onOutput?.(text, stream);
      };
      child.stdout?.on("data", append("stdout"));
      child.stderr?.on("data", append("stderr"));

      child.on("error", (error: NodeJS.ErrnoException) => {
        // Only a failure to start is reported here; kill errors are handled in killTree.
        if (child.pid === undefined) finish({ exitCode: null, signal: null, spawnError: error });
      });
      child.on("close", (code, signal) => finish({ exitCode: code, signal, ...(child.pid !== undefined ? { pid: child.pid } : {}) }));

      if (child.pid !== undefined) {
        this.children.set(child.pid, { child, info: { pid: child.pid, label: options.label ?? options.executable, startedAt: started }, stop: onAbort });
      }
      timeout = setTimeout(() => {
        if (settled) return;
        timedOut = true;
        stop();
      }, options.timeoutMs);
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Signals the child's whole process tree. Errors (already gone) are ignored. */
  killTree(pid: number, signal: NodeJS.Signals): void {
    if (this.platform === "win32") {
      try {
        const killer = spawn("taskkill", ["/pid", String(pid), "/T", "/F"], { stdio: "ignore", windowsHide: true });
        killer.on("error", () => undefined);
      } catch {
        // taskkill missing: nothing better to do
      }
      return;
    }
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  }

  /** Stops every child still running (deactivation). */
  dispose(): void {
    for (const { child } of this.children.values()) {
      if (child.pid !== undefined) this.killTree(child.pid, "SIGKILL");
    }
    this.children.clear();
  }
}

/** One state-changing command at a time: `tryAcquire` fails (returns undefined) while another holds it. */
export class CommandLock {
  private holder: string | undefined;

  get busyWith(): string | undefined {
    return this.holder;
  }

  tryAcquire(label: string): (() => void) | undefined {
    if (this.holder !== undefined) return undefined;
    this.holder = label;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holder = undefined;
    };
  }
}
