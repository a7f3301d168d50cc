/**
 * Switch Stack, Log In (local server), Log In to Server… and Log Out: palette
 * commands (also reached from the status bar and the tree's stack row) that
 * drive the real `kitaru` CLI, then say what is now *effective*, because a
 * higher layer (KITARU_STACK, [tool.kitaru].stack, code) may still decide.
 *
 * The pure parts live in `core/kitaruCli.ts` (the JSON envelope, login-target
 * validation, the refusal rules, the messages) and `core/findKitaru.ts` (the
 * lookup chain); the process handling in `cliRunner.ts`. This file is the
 * editor glue: prompts, progress, terminal, notifications.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { describeLookup, describeLookupSteps, findKitaru, ignoredPathValues, kitaruPathSettingsTarget, neutralWorkingDirectory, STEP_LABELS, type LookupResult } from "../core/findKitaru";
import {
  authOverrides,
  authRefusal,
  describeLogin,
  describeLogout,
  describeStackPicker,
  describeStackSwitch,
  displayCommandLine,
  failureText,
  loginTargetWarning,
  parseCliOutput,
  envelopeCommand,
  parseStack,
  parseStacks,
  sameStack,
  stackPinsInModule,
  urlSecrets,
  validateLoginTarget,
  withoutCredentials,
  type CliFailure,
  type CliOutcome,
  type CodePin,
  type EffectiveMessage,
  type StackInfo,
} from "../core/kitaruCli";
import { readPythonModule } from "../core/python/reader";
import { environmentSecrets, maskSecretsInText, redact } from "../core/secrets";
import type { JsonValue } from "../core/types";
import { CommandLock, ProcessRunner, type RunningProcess, type RunResult } from "./cliRunner";
import { processEnvironment, type ExplainedEnvironment } from "./environment";
import type { FeatureContext } from "./extension";
import type { Project, Snapshot } from "./model";
import { readSettings } from "./settings";
import { compareText } from "../core/compareText";

/** A notification these commands showed (kept for the integration tests, newest last). */
export interface ShownMessage {
  severity: "info" | "warning" | "error";
  text: string;
  actions: string[];
  /** For each action, the VS Code command it runs and its arguments, when it runs one (for tests). */
  actionCommands: ({ command: string; args: unknown[] } | undefined)[];
  /** The command that showed it ("Switch Stack", ...). */
  command: string;
  at: number;
}

export interface PickRecord {
  title: string;
  placeholder?: string;
  items: { label: string; description?: string; detail?: string }[];
}

/** What a command resolves to (handy for tests and other extensions; never holds a secret). */
export interface CommandResult {
  ok: boolean;
  cancelled?: boolean;
  message?: string;
  stack?: StackInfo;
}

/**
 * Test hooks and introspection, exported through the extension's API as `cli`.
 * `answer(...)` queues answers for the next prompts (a quick pick answered by a
 * stack name or id, an input box by its text, `undefined` for Escape) so tests
 * drive the real prompt code without a person.
 */
export interface KitaruCliApi {
  messages(): ShownMessage[];
  clearMessages(): void;
  answer(...answers: (string | undefined)[]): void;
  lastPick(): PickRecord | undefined;
  /** The last validation message an answered input box produced. */
  lastValidation(): string | undefined;
  running(): RunningProcess[];
  /** Cancels every running kitaru command, as the progress notification's Cancel button does. */
  cancel(): number;
  /** Runs the lookup chain now. */
  locate(): Promise<LookupResult>;
  /** The extension's log folder (the Kitaru output channel's file lives there). */
  logDirectory: string;
}

interface Context {
  folder?: vscode.WorkspaceFolder;
  /** The project shown in the tree when the command started: every message describes this one. */
  project?: Project;
  /** Where kitaru runs: the project directory (nearest pyproject.toml), else the folder. */
  cwd: string;
  environment: ExplainedEnvironment;
  /** What kitaru itself is started with (in Restricted Mode, without the env file's variables and with a PATH outside the workspace). */
  processEnv: Record<string, string | undefined>;
  /** What kitaru is looked up with: processEnv with its whole PATH (a workspace kitaru on it is named and refused). */
  lookupEnv: Record<string, string | undefined>;
  /** Where kitaru itself runs: `cwd`, or in Restricted Mode a directory outside the workspace. */
  runCwd: string;
  snapshot?: Snapshot;
}

interface Located {
  executable: string;
  ctx: Context;
}

interface ExecOptions {
  /** Progress notification title; none for quick background calls. */
  title?: string;
  command: string;
  secrets?: string[];
  timeoutMs?: number;
  controller?: AbortController;
  onOutput?: (text: string) => void;
  /** Say nothing when cancelled (a quick pick closed while its list was loading). */
  quietCancel?: boolean;
}

interface ExecResult {
  /** Parsed output; undefined when the run was cancelled, timed out or could not start (already reported). */
  outcome?: CliOutcome;
  run: RunResult;
  line: string;
}

const STACK_CACHE_TTL_MS = 5 * 60_000;
const PROGRESS_DELAY_MS = 400;
const DEVICE_FLOW_MIN_TIMEOUT_S = 300;
/** How to get kitaru, naming where kitaru.path must be set in this window. */
function installHint(): string {
  return `Install Kitaru into this project's environment (\`uv add kitaru\` or \`pip install kitaru\`) and select that environment, or set kitaru.path in ${kitaruPathSettingsTarget(vscode.env.remoteName).where}.`;
}
const IGNORED_DIRS = "**/{node_modules,.venv,venv,.git,.tox,.nox,__pycache__,site-packages,dist,build}/**";

export function registerKitaruCommands(features: FeatureContext): KitaruCliApi {
  const cli = new KitaruCli(features);
  features.context.subscriptions.push(cli);
  const register = (id: string, fn: (...args: unknown[]) => unknown) => features.context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  register("kitaru.switchStack", (arg) => cli.switchStack(arg));
  register("kitaru.login", () => cli.loginLocal());
  register("kitaru.loginRemote", (arg) => cli.loginRemote(arg));
  register("kitaru.logout", () => cli.logout());
  return cli.api;
}

class KitaruCli implements vscode.Disposable {
  private readonly runner = new ProcessRunner();
  private readonly lock = new CommandLock();
  private readonly controllers = new Set<AbortController>();
  private readonly shown: ShownMessage[] = [];
  private readonly answers: (string | undefined)[] = [];
  private lastPickRecord: PickRecord | undefined;
  private lastValidationMessage: string | undefined;
  private lastLookupLine: string | undefined;
  private stackCache: { key: string; signature: string; at: number; stacks: StackInfo[] } | undefined;

  readonly api: KitaruCliApi;

  constructor(private readonly f: FeatureContext) {
    this.api = {
      messages: () => [...this.shown],
      clearMessages: () => void this.shown.splice(0),
      answer: (...answers) => void this.answers.push(...answers),
      lastPick: () => this.lastPickRecord,
      lastValidation: () => this.lastValidationMessage,
      running: () => this.runner.running(),
      cancel: () => this.cancelAll(),
      locate: async () => (await this.lookup(this.context())).result,
      logDirectory: f.context.logUri.fsPath,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Commands

  async switchStack(arg: unknown): Promise<CommandResult> {
    const command = "Switch Stack";
    if (this.refuseIfBusy(command)) return { ok: false };
    const found = await this.locate(command);
    if (!found) return { ok: false };

    // The picker's note and the message afterwards describe one project: the one the tree shows now.
    const pins = await this.codePins(found.ctx);
    const project = this.projectSubject(found.ctx);
    let target: { id?: string; name: string; isActive?: boolean };
    if (typeof arg === "string" && arg.trim()) {
      target = { name: arg.trim() };
    } else {
      // From the palette, the status bar or the tree's stack row (which passes its tree element).
      const picked = await this.pickStack(found, pins, project);
      if (picked === "failed") return { ok: false };
      if (!picked) return { ok: false, cancelled: true };
      if (picked.isActive) {
        this.f.model.refreshNow();
        const msg = describeStackSwitch(this.resolutionOf(found.ctx), picked, { pins, stacks: this.cachedStacks(), ...this.base(found.ctx) });
        this.effective(command, { ...msg, text: msg.text.replace(/^Active stack is now/, "Active stack is already") }, []);
        return { ok: true, stack: picked, message: msg.text };
      }
      target = picked;
    }

    const release = this.acquire(command, `switching to stack '${target.name}'`);
    if (!release) return { ok: false };
    try {
      const r = await this.exec(found, ["stack", "use", target.id ?? target.name, "-o", "json"], { title: `Kitaru: switching to stack '${target.name}'…`, command });
      if (!r.outcome?.ok) this.stackCache = undefined;
      if (!r.outcome) {
        this.f.model.refreshNow();
        return { ok: false, cancelled: r.run.cancelled };
      }
      if (!r.outcome.ok) {
        this.f.model.refreshNow();
        this.failure(command, `could not switch to stack '${target.name}'`, r.outcome);
        return { ok: false, message: r.outcome.message };
      }
      const stack = parseStack(r.outcome.item) ?? { id: target.id ?? target.name, name: target.name, isActive: true, isManaged: false };
      // Known before the refresh, so the tree and status bar show the name kitaru just gave, not the id.
      this.rememberStacks(found.ctx, [stack], "kitaru stack use");
      const snap = this.f.model.refreshNow();
      this.markActive(stack, { ...found.ctx, ...(snap ? { snapshot: snap } : {}) });
      const msg = describeStackSwitch(this.resolutionOf(found.ctx), stack, { pins, stacks: this.cachedStacks(), project, ...this.base(found.ctx) });
      this.effective(command, msg, r.outcome.warnings);
      return { ok: true, stack, message: msg.text };
    } finally {
      release();
    }
  }

  async loginLocal(): Promise<CommandResult> {
    const command = "Log In";
    if (this.refuseIfBusy(command)) return { ok: false };
    const found = await this.locate(command);
    if (!found) return { ok: false };
    const release = this.acquire(command, "logging in to the local server");
    if (!release) return { ok: false };
    try {
      const r = await this.exec(found, ["login", "-o", "json"], { title: "Kitaru: starting or connecting to the local Kitaru server…", command });
      return this.afterConnection(command, r, "could not log in to the local server", (snap, item) =>
        describeLogin(snap?.resolution, { mode: "local", ...(typeof item?.url === "string" ? { url: item.url } : {}) }, this.base(found.ctx).base),
      );
    } finally {
      release();
    }
  }

  async loginRemote(arg: unknown): Promise<CommandResult> {
    const command = "Log In to Server";
    if (this.refuseIfBusy(command)) return { ok: false };
    const ctx = this.context();
    const refusal = authRefusal("log in to a server", ctx.environment.env, ctx.environment.origins, ctx.folder?.uri.fsPath);
    if (refusal) {
      this.notify("error", command, `Kitaru: ${refusal}`, this.refusalActions(ctx));
      return { ok: false, message: refusal };
    }
    const found = await this.locate(command, ctx);
    if (!found) return { ok: false };

    // Arguments from a caller skip the prompts: {server, apiKey?, project?}.
    const given = typeof arg === "object" && arg !== null && typeof (arg as { server?: unknown }).server === "string" ? (arg as { server: string; apiKey?: unknown; project?: unknown }) : undefined;
    let server: string | undefined;
    let apiKey: string | undefined;
    let project: string | undefined;
    if (given) {
      server = given.server;
      apiKey = typeof given.apiKey === "string" ? given.apiKey : undefined;
      project = typeof given.project === "string" ? given.project : undefined;
    } else {
      const last = this.f.context.globalState.get<string>("kitaru.lastServer");
      server = await this.input({
        title: "Kitaru: Log In to Server (1/3)",
        prompt: "The server's URL, or the name or ID of a managed workspace",
        placeHolder: "https://kitaru.example.com or my-workspace",
        ...(last ? { value: last } : {}),
        validate: (text) => {
          const v = validateLoginTarget(text);
          if (!v.ok) return { message: v.message, severity: "error" };
          // Allowed (Kitaru passes it on), but the password would end up in its files in clear.
          const warning = loginTargetWarning(v.target);
          return warning ? { message: warning, severity: "warning" } : undefined;
        },
      });
      if (server === undefined) return { ok: false, cancelled: true };
      apiKey = await this.input({
        title: "Kitaru: Log In to Server (2/3)",
        prompt: "API key (optional). Leave empty to sign in through the browser instead. It is passed to kitaru only, never stored or shown.",
        placeHolder: "kat_… or empty for browser sign-in",
        password: true,
      });
      if (apiKey === undefined) return { ok: false, cancelled: true };
      project = await this.input({ title: "Kitaru: Log In to Server (3/3)", prompt: "Project to activate after connecting (optional)", placeHolder: "empty: the server's default project" });
      if (project === undefined) return { ok: false, cancelled: true };
    }
    const target = validateLoginTarget(server);
    if (!target.ok) {
      this.notify("error", command, `Kitaru: cannot log in to ${JSON.stringify(server.trim())}: ${target.message}`, []);
      return { ok: false, message: target.message };
    }
    apiKey = apiKey?.trim() || undefined;
    project = project?.trim() || undefined;
    // The API key, and a password inside the URL: removed from everything shown (token shapes and URL passwords are masked anyway).
    const secrets = [...(apiKey ? [apiKey] : []), ...urlSecrets(target.target)];
    const shownTarget = maskSecretsInText(redact(target.target, secrets));
    const credentialsWarning = loginTargetWarning(target.target);
    if (credentialsWarning) this.f.logger.warn(`Log In to Server: ${credentialsWarning}`);

    const release = this.acquire(command, `logging in to ${shownTarget}`);
    if (!release) return { ok: false };
    try {
      const args = ["login", target.target, ...(apiKey ? ["--api-key", apiKey] : []), ...(project ? ["--project", project] : []), "-o", "json"];
      const r = apiKey
        ? await this.exec(found, args, { title: `Kitaru: logging in to ${shownTarget}…`, command, secrets })
        : await this.deviceFlow(found, args, shownTarget, command, secrets);
      const result = this.afterConnection(
        command,
        r,
        `could not log in to ${shownTarget}`,
        (snap, item) => describeLogin(snap?.resolution, { mode: "remote", url: typeof item?.url === "string" ? item.url : target.target, project: typeof item?.project === "string" ? item.project : (project ?? null) }, this.base(found.ctx).base),
        secrets,
      );
      // Offered again next time, never with credentials in it (globalState is a plain file).
      if (result.ok) void this.f.context.globalState.update("kitaru.lastServer", withoutCredentials(target.target));
      return result;
    } finally {
      release();
    }
  }

  async logout(): Promise<CommandResult> {
    const command = "Log Out";
    if (this.refuseIfBusy(command)) return { ok: false };
    const ctx = this.context();
    const refusal = authRefusal("log out", ctx.environment.env, ctx.environment.origins, ctx.folder?.uri.fsPath);
    if (refusal) {
      this.notify("error", command, `Kitaru: ${refusal}`, this.refusalActions(ctx));
      return { ok: false, message: refusal };
    }
    const found = await this.locate(command, ctx);
    if (!found) return { ok: false };
    const release = this.acquire(command, "logging out");
    if (!release) return { ok: false };
    try {
      const r = await this.exec(found, ["logout", "-o", "json"], { title: "Kitaru: logging out…", command });
      return this.afterConnection(command, r, "could not log out", (snap, item) => describeLogout(snap?.resolution, item, this.base(found.ctx).base));
    } finally {
      release();
    }
  }

  private afterConnection(command: string, r: ExecResult, what: string, describe: (snap: Snapshot | undefined, item: Record<string, JsonValue> | undefined) => EffectiveMessage, secrets: string[] = []): CommandResult {
    const snap = this.f.model.refreshNow();
    if (!r.outcome) return { ok: false, cancelled: r.run.cancelled };
    if (!r.outcome.ok) {
      this.failure(command, what, r.outcome, secrets);
      return { ok: false, message: maskSecretsInText(redact(r.outcome.message, secrets)) };
    }
    const msg = describe(snap, r.outcome.item);
    this.effective(command, msg, r.outcome.warnings, secrets);
    return { ok: true, message: maskSecretsInText(redact(msg.text, secrets)) };
  }

  // -------------------------------------------------------------------------------------------
  // Finding kitaru

  private context(): Context {
    const project = this.f.model.current?.project ?? this.f.model.activeProject();
    const folder = project?.folder;
    // The environment shown in the tree: VS Code's, plus kitaru.environment and kitaru.envFile.
    const environment = this.f.model.environment(folder);
    const trusted = vscode.workspace.isTrusted;
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file").map((f) => f.uri.fsPath);
    const started = processEnvironment(environment, trusted, process.env, { folders, platform: process.platform, realpath: realpathOrSelf });
    if (started.withheld.length) this.f.logger.info(`Restricted Mode: ${started.withheld.join(", ")} from ${environment.envFile?.setting ?? "the env file"} ${started.withheld.length === 1 ? "is" : "are"} explained but not passed to kitaru (the file is the workspace's).`);
    if (started.droppedPathEntries.length) this.f.logger.info(`Restricted Mode: PATH entries that are empty, relative or inside the workspace are not passed to kitaru: ${started.droppedPathEntries.map((e) => JSON.stringify(e)).join(", ")}.`);
    const cwd = project?.dir ?? folder?.uri.fsPath ?? os.homedir();
    const snapshot = this.f.model.current;
    return {
      ...(folder ? { folder } : {}),
      ...(project ? { project } : {}),
      cwd,
      runCwd: trusted ? cwd : neutralWorkingDirectory(os.homedir(), process.platform, folders),
      environment,
      processEnv: started.env,
      lookupEnv: started.lookupEnv,
      ...(snapshot ? { snapshot } : {}),
    };
  }

  /** The resolution of the command's project as it is now (after a switch: with the new active stack). */
  private resolutionOf(ctx: Context) {
    if (!ctx.project) return this.f.model.current?.resolution;
    try {
      return this.f.model.resolve(ctx.project, {}).resolution;
    } catch (error) {
      this.f.logger.error(`Could not resolve ${ctx.project.dir}: ${(error as Error).message}`);
      return undefined;
    }
  }

  private async lookup(ctx: Context): Promise<{ result: LookupResult }> {
    const settings = readSettings(ctx.folder);
    const ignored = ignoredPathValues(workspacePathValues(ctx.folder), vscode.workspace.isTrusted);
    const python = settings.path ? undefined : await pythonFromExtension(ctx.folder?.uri, this.f.logger);
    const result = findKitaru({
      platform: process.platform,
      homedir: os.homedir(),
      setting: settings.path,
      ...(ctx.folder ? { folder: ctx.folder.uri.fsPath } : {}),
      projectDir: ctx.cwd,
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      trusted: vscode.workspace.isTrusted,
      ...(python ? { pythonExecutable: python } : {}),
      env: ctx.lookupEnv,
      isExecutableFile,
      realpath: realpathOrSelf,
    });
    const line = describeLookup(result);
    const steps = describeLookupSteps(result, settings.path);
    const account = [line, ...steps, ...ignored].join("\n");
    if (account !== this.lastLookupLine) {
      // Which step of the chain won, what each step found, and any value that was written but not used.
      this.lastLookupLine = account;
      (result.kind === "found" ? this.f.logger.info : this.f.logger.warn).call(this.f.logger, line);
      for (const step of steps) this.f.logger.info(`  kitaru lookup ${step}`);
      for (const note of ignored) this.f.logger.warn(note);
      if (vscode.env.remoteName) this.f.logger.info(`  This is a remote window (${vscode.env.remoteName}): kitaru.path counts from the Remote settings; VS Code ignores it in the local user settings.`);
    }
    return { result };
  }

  /** The executable to run, or one clear message saying why there is none. */
  private async locate(command: string, ctx = this.context()): Promise<Located | undefined> {
    const { result } = await this.lookup(ctx);
    const rel = (p: string) => (ctx.folder ? vscode.workspace.asRelativePath(p, false) : p);
    switch (result.kind) {
      case "found":
        return { executable: result.path, ctx };
      case "restricted":
        this.notify(
          "warning",
          command,
          `Kitaru: this workspace is in Restricted Mode, so the kitaru found inside it (${rel(result.path)}, from ${STEP_LABELS[result.step]}) is not run. Trust the workspace to use it, or set kitaru.path in ${kitaruPathSettingsTarget(vscode.env.remoteName).where} to a kitaru installed outside the workspace.`,
          [commandAction("Manage Workspace Trust", "workbench.trust.manage"), this.openSettingsAction(), { title: "Show Logs", run: () => this.f.logger.show(true) }],
        );
        return undefined;
      case "bad-setting":
        this.notify("error", command, `Kitaru: kitaru.path is set to ${result.path}, but ${result.reason}. Fix or clear the setting. ${installHint()}`, [this.openSettingsAction(ctx)]);
        return undefined;
      case "not-found":
        this.notify("error", command, `Kitaru: the kitaru command was not found, so ${command} cannot run. ${installHint()} The configuration view keeps working from the files.`, [
          this.openSettingsAction(),
          { title: "Show Logs", run: () => this.f.logger.show(true) },
        ]);
        return undefined;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Running kitaru

  private async exec(found: Located, args: string[], options: ExecOptions): Promise<ExecResult> {
    const settings = readSettings(found.ctx.folder);
    // What kitaru is given may come back in its output: the typed secrets, and those of its environment.
    const secrets = [...(options.secrets ?? []), ...environmentSecrets(found.ctx.environment.env), ...environmentSecrets(found.ctx.processEnv)];
    const line = displayCommandLine(found.executable, args, secrets);
    const stream = options.onOutput ? maskedLines((text) => options.onOutput!(text), secrets) : undefined;
    const timeoutMs = options.timeoutMs ?? settings.cliTimeoutSeconds * 1000;
    const controller = options.controller ?? new AbortController();
    this.controllers.add(controller);
    this.f.logger.info(`Running: ${line}  (in ${found.ctx.runCwd}${found.ctx.runCwd !== found.ctx.cwd ? ", outside the workspace: Restricted Mode" : ""}, timeout ${Math.round(timeoutMs / 1000)} s)`);
    const running = this.runner.run({
      executable: found.executable,
      args,
      cwd: found.ctx.runCwd,
      env: found.ctx.processEnv,
      timeoutMs,
      signal: controller.signal,
      label: line,
      ...(stream ? { onOutput: (text: string) => stream.write(text) } : {}),
    });
    if (options.title) this.progressAfterDelay(maskSecretsInText(redact(options.title, secrets)), running, controller);
    let run: RunResult;
    try {
      run = await running;
    } finally {
      this.controllers.delete(controller);
      stream?.end();
    }
    const stderr = maskSecretsInText(redact(run.stderr, secrets)).trim();
    this.f.logger.info(`kitaru ${args[0]}${args[0] === "stack" ? ` ${args[1]}` : ""}: ${run.spawnError ? `could not start (${run.spawnError.code ?? run.spawnError.message})` : run.timedOut ? "timed out" : run.cancelled ? "cancelled" : `exit ${run.exitCode ?? run.signal}`} after ${run.durationMs} ms`);
    if (stderr) this.f.logger.debug(`kitaru stderr:\n${truncateText(stderr, 4000)}`);

    if (run.spawnError) {
      this.notify("error", options.command, `Kitaru: could not run ${found.executable}: ${run.spawnError.code ?? run.spawnError.message}.`, [{ title: "Show Logs", run: () => this.f.logger.show(true) }]);
      return { run, line };
    }
    if (run.timedOut) {
      this.notify("error", options.command, `Kitaru: \`${line}\` did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped, with its child processes. Increase kitaru.cliTimeoutSeconds if it needs longer.`, [
        { title: "Open Settings", run: () => vscode.commands.executeCommand("workbench.action.openSettings", "kitaru.cliTimeoutSeconds") },
        { title: "Show Logs", run: () => this.f.logger.show(true) },
      ]);
      return { run, line };
    }
    if (run.cancelled) {
      if (options.quietCancel) return { run, line };
      this.notify("info", options.command, `Kitaru: cancelled \`${line}\`; the process and its children were stopped.`, []);
      return { run, line };
    }
    // A reply for another command (a wrapper or a stale script answering) is not this command's success.
    const outcome = parseCliOutput(run, secrets, envelopeCommand(args));
    for (const w of outcome.warnings) this.f.logger.warn(`kitaru warned: ${w}`);
    // What "Show Logs" should reveal when kitaru failed: its own output, secrets removed.
    if (!outcome.ok && stderr) this.f.logger.error(`kitaru's output (stderr):\n${truncateText(stderr, 4000)}`);
    return { outcome, run, line };
  }

  /** A cancellable progress notification, only for calls that take more than a moment. */
  private progressAfterDelay(title: string, running: Promise<unknown>, controller: AbortController): void {
    let done = false;
    void running.finally(() => (done = true));
    setTimeout(() => {
      if (done || controller.signal.aborted) return;
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        return running.then(
          () => undefined,
          () => undefined,
        );
      });
    }, PROGRESS_DELAY_MS);
  }

  private cancelAll(): number {
    const n = this.controllers.size;
    for (const c of this.controllers) c.abort();
    return n;
  }

  /** Remote login without an API key: Kitaru's browser device flow, streamed into a terminal so its URL and code are seen. */
  private async deviceFlow(found: Located, args: string[], target: string, command: string, secrets: string[]): Promise<ExecResult> {
    const settings = readSettings(found.ctx.folder);
    const controller = new AbortController();
    const writer = new vscode.EventEmitter<string>();
    const closer = new vscode.EventEmitter<number | void>();
    let opened = false;
    const pending: string[] = [];
    const write = (text: string) => (opened ? writer.fire(text) : pending.push(text));
    const pty: vscode.Pseudoterminal = {
      onDidWrite: writer.event,
      onDidClose: closer.event,
      open: () => {
        opened = true;
        for (const t of pending.splice(0)) writer.fire(t);
      },
      close: () => controller.abort(),
      handleInput: (data) => {
        if (data === "\u0003") controller.abort();
      },
    };
    const terminal = vscode.window.createTerminal({ name: "Kitaru: Log In", pty, iconPath: new vscode.ThemeIcon("key") });
    terminal.show(true);
    write(`$ ${displayCommandLine(found.executable, args, secrets)}\r\n`);
    write(`Signing in to ${target} in the browser. Press Ctrl+C here, or Cancel on the notification, to stop.\r\n\r\n`);
    let announced = false;
    let buffer = "";
    const r = await this.exec(found, args, {
      title: `Kitaru: waiting for the browser sign-in to ${target}…`,
      command,
      controller,
      secrets,
      timeoutMs: Math.max(settings.cliTimeoutSeconds, DEVICE_FLOW_MIN_TIMEOUT_S) * 1000,
      onOutput: (text) => {
        write(text.replace(/\r?\n/g, "\r\n"));
        buffer = (buffer + text).slice(-4000);
        if (announced) return;
        // The text is masked already: a URL with a password in it is shown (and opened) without it.
        const url = /(https?:\/\/[^\s"'<>]+)/.exec(buffer)?.[1]?.replace(/[.,;)]+$/, "");
        if (!url) return;
        announced = true;
        const code = /\bcode[:\s]+([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})?)/i.exec(buffer)?.[1];
        this.f.logger.info(`Device sign-in: open ${url}${code ? ` and confirm code ${code}` : ""}.`);
        this.notify("info", command, `Kitaru: to finish logging in, open ${url} in a browser${code ? ` and confirm code ${code}` : ""}. The terminal "Kitaru: Log In" shows kitaru's output.`, [
          { title: "Open in Browser", run: () => vscode.env.openExternal(vscode.Uri.parse(url)) },
          ...(code ? [{ title: "Copy Code", run: () => vscode.env.clipboard.writeText(code) }] : []),
        ]);
      },
    });
    write(`\r\n[kitaru ${r.run.timedOut ? "timed out" : r.run.cancelled ? "was cancelled" : `exited with code ${r.run.exitCode ?? r.run.signal}`}]\r\n`);
    writer.dispose();
    closer.dispose();
    return r;
  }

  // -------------------------------------------------------------------------------------------
  // Stacks

  private async pickStack(found: Located, pins: CodePin[], project: string): Promise<StackInfo | undefined | "failed"> {
    const title = "Kitaru: Switch Stack";
    const placeholder = describeStackPicker(found.ctx.snapshot?.resolution, pins, found.ctx.folder?.uri.fsPath, project);
    if (this.answers.length) {
      const stacks = await this.listStacks(found, false);
      if (!stacks) return "failed";
      const items = stacks.map(stackItem);
      this.lastPickRecord = { title, placeholder, items: items.map(({ label, description, detail }) => ({ label, ...(description ? { description } : {}), ...(detail ? { detail } : {}) })) };
      const answer = this.answers.shift();
      if (answer === undefined) return undefined;
      return stacks.find((s) => s.name === answer || s.id === answer) ?? undefined;
    }

    type Item = vscode.QuickPickItem & { stack: StackInfo };
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = title;
    qp.placeholder = placeholder;
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    qp.buttons = [{ iconPath: new vscode.ThemeIcon("refresh"), tooltip: "Reload the list of stacks" }];
    const controller = new AbortController();
    let failed = false;
    const load = async (force: boolean) => {
      qp.busy = true;
      const stacks = await this.listStacks(found, force, controller);
      qp.busy = false;
      if (!stacks) {
        failed = true;
        qp.hide();
        return;
      }
      qp.items = stacks.map((stack) => ({ ...stackItem(stack), stack }));
      const active = qp.items.find((i) => i.stack.isActive);
      if (active) qp.activeItems = [active];
    };
    try {
      return await new Promise<StackInfo | undefined | "failed">((resolve) => {
        qp.onDidAccept(() => {
          const choice = qp.selectedItems[0]?.stack;
          if (choice) {
            resolve(choice);
            qp.hide();
          }
        });
        qp.onDidTriggerButton(() => void load(true));
        qp.onDidHide(() => {
          controller.abort();
          resolve(failed ? "failed" : undefined);
        });
        qp.show();
        void load(false);
      });
    } finally {
      qp.dispose();
    }
  }

  /** `kitaru stack list`, cached until config.yaml changes (or 5 minutes pass). */
  private async listStacks(found: Located, force: boolean, controller?: AbortController): Promise<StackInfo[] | undefined> {
    const key = `${found.executable}\0${found.ctx.cwd}\0${found.ctx.snapshot?.resolution.configDir.path ?? ""}`;
    const signature = this.persistedSignature(found.ctx);
    const cached = this.stackCache;
    if (!force && cached && cached.key === key && cached.signature === signature && Date.now() - cached.at < STACK_CACHE_TTL_MS) {
      this.f.logger.debug("Stack list from cache.");
      return cached.stacks;
    }
    const r = await this.exec(found, ["stack", "list", "-o", "json"], { command: "Switch Stack", quietCancel: true, ...(controller ? { controller } : {}) });
    if (!r.outcome) return undefined;
    if (!r.outcome.ok) {
      this.failure("Switch Stack", "could not list the stacks", r.outcome);
      return undefined;
    }
    const stacks = parseStacks(r.outcome);
    this.stackCache = { key, signature, at: Date.now(), stacks };
    this.rememberStacks(found.ctx, stacks, "kitaru stack list");
    return stacks;
  }

  /** Names kitaru reported, for the ids the tree and status bar could not name (config directory of the run). */
  private rememberStacks(ctx: Context, stacks: readonly StackInfo[], via: "kitaru stack list" | "kitaru stack use"): void {
    const configDir = ctx.snapshot?.resolution.configDir.path ?? this.f.model.current?.resolution.configDir.path;
    if (configDir) this.f.stacks.remember(configDir, stacks, via);
  }

  /**
   * How the messages name the project they describe: "this workspace" when it
   * is the only one, its path in a monorepo ("packages/c"), "the root project"
   * for the folder's own pyproject.toml among others; with the folder's name
   * in a multi-root workspace.
   */
  private projectSubject(ctx: Context): string {
    const { project, folder } = ctx;
    if (!project || !folder) return "this workspace";
    const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
    const rel = path.relative(folder.uri.fsPath, project.dir).split(path.sep).join("/");
    if (rel && !rel.startsWith("..")) return multiRoot ? `${folder.name}/${rel}` : rel;
    const others = this.f.model.knownProjects.some((p) => p.folder.uri.toString() === folder.uri.toString() && p.dir !== project.dir && p.pyproject);
    if (others) return multiRoot ? `${folder.name} (the root project)` : "the root project";
    return multiRoot ? folder.name : "this workspace";
  }

  /** After our own `stack use`: the cached list stays valid with the new active stack (and config.yaml's new signature). */
  private markActive(stack: StackInfo, ctx: Context): void {
    const cached = this.stackCache;
    if (!cached || !cached.stacks.some((s) => sameStack(s.id, stack) || s.name === stack.name)) {
      this.stackCache = undefined;
      return;
    }
    this.stackCache = { ...cached, signature: this.persistedSignature(ctx), at: Date.now(), stacks: cached.stacks.map((s) => ({ ...s, isActive: s.id === stack.id || s.name === stack.name })) };
  }

  private cachedStacks(): StackInfo[] {
    return this.stackCache?.stacks ?? [];
  }

  /** Size and time of every config.yaml that holds the active stack: when one changes, the cached list is stale. */
  private persistedSignature(ctx: Context): string {
    const files = (ctx.snapshot?.resolution.looked ?? []).filter((l) => l.role === "config.yaml" || l.role === "repository").map((l) => (l.role === "repository" && !l.path.endsWith(".yaml") ? path.join(l.path, "config.yaml") : l.path));
    return files
      .map((file) => {
        try {
          const st = fs.statSync(file);
          return `${file}:${st.size}:${st.mtimeMs}`;
        } catch {
          return `${file}:absent`;
        }
      })
      .join("|");
  }

  /** `stack=` choices in the project's Python code: a flow or run() that picks its own stack is not moved by `stack use`. */
  private async codePins(ctx: Context): Promise<CodePin[]> {
    if (!ctx.folder) return [];
    try {
      const files = await vscode.workspace.findFiles(new vscode.RelativePattern(ctx.cwd, "**/*.py"), IGNORED_DIRS, 400);
      const open = new Map(vscode.workspace.textDocuments.filter((d) => d.uri.scheme === "file").map((d) => [d.uri.fsPath, d.getText()]));
      const pins: CodePin[] = [];
      for (const uri of files) {
        const file = uri.fsPath;
        const text = open.get(file) ?? (await fs.promises.readFile(file, "utf8").catch(() => ""));
        if (!text.includes("kitaru") || !/\bstack\s*=/.test(text)) continue;
        // A module under a nested pyproject.toml belongs to that project (Kitaru's nearest-file rule).
        if (ctx.project && this.f.model.projectFor(file)?.dir !== ctx.project.dir) continue;
        pins.push(...stackPinsInModule(file, readPythonModule(text)));
      }
      return pins.sort((a, b) => compareText(a.file, b.file) || a.line - b.line);
    } catch (error) {
      this.f.logger.debug(`Could not scan Python files for stack=: ${(error as Error).message}`);
      return [];
    }
  }

  // -------------------------------------------------------------------------------------------
  // Prompts (answered by the test hook's queue when it holds answers)

  private async input(options: { title: string; prompt: string; placeHolder?: string; value?: string; password?: boolean; validate?: (text: string) => Validation | undefined }): Promise<string | undefined> {
    if (this.answers.length) {
      const answer = this.answers.shift();
      if (answer === undefined) return undefined;
      const problem = options.validate?.(answer);
      if (problem) {
        // A person would see the message under the box: an error blocks Enter (they fix the text
        // or press Escape), a warning does not (they read it and accept).
        this.lastValidationMessage = problem.message;
        if (problem.severity === "error") return undefined;
      }
      return answer;
    }
    const validate = options.validate;
    return vscode.window.showInputBox({
      title: options.title,
      prompt: options.prompt,
      ...(options.placeHolder ? { placeHolder: options.placeHolder } : {}),
      ...(options.value ? { value: options.value } : {}),
      password: options.password ?? false,
      ignoreFocusOut: true,
      ...(validate
        ? {
            validateInput: (text: string): vscode.InputBoxValidationMessage | undefined => {
              const problem = text.trim() ? validate(text) : undefined;
              if (!problem) return undefined;
              return { message: problem.message, severity: problem.severity === "error" ? vscode.InputBoxValidationSeverity.Error : vscode.InputBoxValidationSeverity.Warning };
            },
          }
        : {}),
    });
  }


  // -------------------------------------------------------------------------------------------
  // Messages

  private refuseIfBusy(command: string): boolean {
    const busy = this.lock.busyWith;
    if (!busy) return false;
    this.notify("warning", command, `Kitaru: another kitaru command is still running (${busy}). Wait for it to finish, or cancel it, then try again.`, []);
    return true;
  }

  private acquire(command: string, label: string): (() => void) | undefined {
    const release = this.lock.tryAcquire(label);
    if (!release) this.refuseIfBusy(command);
    return release;
  }

  private failure(command: string, what: string, f: CliFailure, secrets: string[] = []): void {
    const warnings = f.warnings.length ? ` Kitaru also warned: ${f.warnings.join(" ")}` : "";
    this.notify("error", command, maskSecretsInText(redact(`Kitaru: ${what}: ${failureText(f)}${warnings}`, secrets)), [{ title: "Show Logs", run: () => this.f.logger.show(true) }]);
  }

  private effective(command: string, msg: EffectiveMessage, warnings: string[], secrets: string[] = []): void {
    const warned = warnings.length ? ` Kitaru warned: ${warnings.join(" ")}` : "";
    const actions: Action[] = [];
    if (msg.open) {
      const open = msg.open;
      const label = `${vscode.workspace.asRelativePath(open.file, false)}:${open.line}`;
      actions.push({ title: `Open ${label}`, run: () => vscode.commands.executeCommand("kitaru.openOrigin", vscode.Uri.file(open.file), open.line, open.column ?? 1) });
    }
    this.notify(msg.severity === "warning" || warnings.length ? "warning" : "info", command, maskSecretsInText(redact(`Kitaru: ${msg.text}${warned}`, secrets)), actions);
  }

  /**
   * Where to remove the variables that made Kitaru refuse: an env file's line
   * (`Open .env:2`), the kitaru.environment setting. Only the refusing
   * variables count; VS Code's own environment has nothing to open.
   */
  private refusalActions(ctx: Context): Action[] {
    const origins = authOverrides(ctx.environment.env).flatMap((name) => {
      const o = ctx.environment.origins[name];
      return o ? [o] : [];
    });
    const actions: Action[] = [];
    const inFile = origins.find((o) => o.file && o.label.startsWith("env file"));
    if (inFile?.file) {
      const line = inFile.line ?? 1;
      actions.push(commandAction(`Open ${vscode.workspace.asRelativePath(inFile.file, false)}:${line}`, "kitaru.openOrigin", vscode.Uri.file(inFile.file), line, 1));
    }
    if (origins.some((o) => o.label === "kitaru.environment setting")) actions.push(commandAction("Open Settings", "workbench.action.openSettings", "kitaru.environment"));
    return actions;
  }

  /**
   * Opens the settings where kitaru.path counts, filtered to it: the Remote tab in a
   * remote window (VS Code ignores machine-overridable values of the local user
   * settings there), else the User tab; for a bad value, where that value is written.
   */
  private openSettingsAction(ctx?: Context): Action {
    const inspected = ctx ? vscode.workspace.getConfiguration("kitaru", ctx.folder).inspect<string>("path") : undefined;
    if (vscode.workspace.isTrusted && typeof inspected?.workspaceFolderValue === "string" && inspected.workspaceFolderValue.trim() && vscode.workspace.workspaceFile) {
      return commandAction("Open Folder Settings", "workbench.action.openFolderSettings", { query: "kitaru.path" });
    }
    if (vscode.workspace.isTrusted && ((typeof inspected?.workspaceValue === "string" && inspected.workspaceValue.trim()) || (typeof inspected?.workspaceFolderValue === "string" && inspected.workspaceFolderValue.trim()))) {
      return commandAction("Open Workspace Settings", "workbench.action.openWorkspaceSettings", { query: "kitaru.path" });
    }
    const target = kitaruPathSettingsTarget(vscode.env.remoteName);
    return commandAction(target.button, target.command, target.args);
  }

  /** Logs, records and shows a message. Never awaited: a command finishes while its message is still on screen. */
  private notify(severity: ShownMessage["severity"], command: string, message: string, actions: Action[]): void {
    // Every notification is built from CLI input or output somewhere: masked here whatever its caller did.
    const text = maskSecretsInText(message);
    this.shown.push({ severity, text, actions: actions.map((a) => a.title), actionCommands: actions.map((a) => (a.command ? { command: a.command, args: a.args ?? [] } : undefined)), command, at: Date.now() });
    if (this.shown.length > 100) this.shown.splice(0, this.shown.length - 100);
    if (severity === "error") this.f.logger.error(text);
    else if (severity === "warning") this.f.logger.warn(text);
    else this.f.logger.info(text);
    const show = severity === "error" ? vscode.window.showErrorMessage : severity === "warning" ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void Promise.resolve(show(text, ...actions.map((a) => a.title))).then(
      (choice) => actions.find((a) => a.title === choice)?.run(),
      () => undefined,
    );
  }

  private base(ctx: Context): { base?: string } {
    return ctx.folder ? { base: ctx.folder.uri.fsPath } : {};
  }

  dispose(): void {
    this.cancelAll();
    this.runner.dispose();
  }
}

/** What an input box says under the text: an error blocks accepting it, a warning does not. */
interface Validation {
  message: string;
  severity: "error" | "warning";
}

/**
 * Streamed output, masked line by line: a chunk may end inside a URL or a
 * token, which masking could not recognise in halves. Complete lines are
 * passed on as they arrive; a partial line waits for its end (or `end()`).
 */
function maskedLines(onText: (text: string) => void, secrets: readonly string[]): { write(text: string): void; end(): void } {
  let pending = "";
  let timer: NodeJS.Timeout | undefined;
  const emit = (text: string) => text && onText(maskSecretsInText(redact(text, secrets)));
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    emit(pending);
    pending = "";
  };
  return {
    write(text: string) {
      pending += text;
      const cut = pending.lastIndexOf("\n");
      if (cut >= 0) {
        emit(pending.slice(0, cut + 1));
        pending = pending.slice(cut + 1);
      }
      if (timer) clearTimeout(timer);
      timer = undefined;
      // A prompt without a newline must still show up: once the output pauses, or grows long.
      if (pending.length > 8192) flush();
      else if (pending) timer = setTimeout(flush, 500);
    },
    end: flush,
  };
}

interface Action {
  title: string;
  run: () => unknown;
  /** The VS Code command `run` executes, when it is one (recorded for tests). */
  command?: string;
  args?: unknown[];
}

function commandAction(title: string, command: string, ...args: unknown[]): Action {
  return { title, command, args, run: () => vscode.commands.executeCommand(command, ...args) };
}

function stackItem(stack: StackInfo): vscode.QuickPickItem {
  const tags = [stack.isActive ? "active" : "", stack.isManaged ? "managed" : ""].filter(Boolean).join(" · ");
  return { label: `${stack.isActive ? "$(check) " : ""}${stack.name}`, ...(tags ? { description: tags } : {}), detail: stack.id };
}

/**
 * kitaru.path as written in the workspace's own settings files. Read from the
 * files: in Restricted Mode VS Code hides workspace values of a restricted
 * setting from `inspect()`, and the point is to say that one is being ignored.
 */
function workspacePathValues(folder: vscode.WorkspaceFolder | undefined): { workspaceValue?: string; workspaceFolderValue?: string } {
  const read = (file: string | undefined) => {
    if (!file) return undefined;
    try {
      const m = /"kitaru\.path"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(fs.readFileSync(file, "utf8"));
      return m ? (JSON.parse(`"${m[1]}"`) as string) : undefined;
    } catch {
      return undefined;
    }
  };
  const ws = vscode.workspace.workspaceFile;
  const folderValue = read(folder && folder.uri.scheme === "file" ? path.join(folder.uri.fsPath, ".vscode", "settings.json") : undefined);
  const workspaceValue = ws && ws.scheme === "file" ? read(ws.fsPath) : undefined;
  return { ...(workspaceValue !== undefined ? { workspaceValue } : {}), ...(folderValue !== undefined ? (ws ? { workspaceFolderValue: folderValue } : { workspaceValue: folderValue }) : {}) };
}

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (process.platform === "win32") return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function truncateText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/**
 * The interpreter of the environment selected in the Python extension, when
 * that extension is installed. Its API is feature-detected (the
 * `environments` API, else the older `settings.getExecutionDetails`); it is
 * never required.
 */
async function pythonFromExtension(folder: vscode.Uri | undefined, logger: FeatureContext["logger"]): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension("ms-python.python");
  if (!ext) return undefined;
  try {
    const api = (ext.isActive ? ext.exports : await within(Promise.resolve(ext.activate()), 5000)) as PythonApi | undefined;
    let exe: string | undefined;
    const envs = api?.environments;
    if (envs && typeof envs.getActiveEnvironmentPath === "function") {
      const active = envs.getActiveEnvironmentPath(folder);
      // Resolving may make the Python extension run the interpreter, which in Restricted Mode can be
      // the workspace's own: there, only the path it reports is used (findKitaru refuses one inside).
      const resolved = vscode.workspace.isTrusted && typeof envs.resolveEnvironment === "function" ? await within(Promise.resolve(envs.resolveEnvironment(active)), 5000) : undefined;
      exe = resolved?.executable?.uri?.fsPath ?? (typeof active?.path === "string" ? active.path : undefined);
    } else if (typeof api?.settings?.getExecutionDetails === "function") {
      const cmd = api.settings.getExecutionDetails(folder)?.execCommand?.[0];
      exe = typeof cmd === "string" ? cmd : undefined;
    }
    if (!exe) return undefined;
    // An environment given by its prefix folder (conda): its interpreter is inside.
    try {
      if (fs.statSync(exe).isDirectory()) exe = process.platform === "win32" ? path.join(exe, "python.exe") : path.join(exe, "bin", "python");
    } catch {
      // not on disk; findKitaru reports what it tried
    }
    return exe;
  } catch (error) {
    logger.debug(`The Python extension did not report an environment: ${(error as Error).message}`);
    return undefined;
  }
}

interface PythonApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): { id?: string; path?: string } | undefined;
    resolveEnvironment?(env: unknown): Promise<{ executable?: { uri?: vscode.Uri } } | undefined> | { executable?: { uri?: vscode.Uri } } | undefined;
  };
  settings?: { getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } | undefined };
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))]);
}

/** The path with symlinks followed, or the path itself when it cannot be (missing, a loop). */
function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
