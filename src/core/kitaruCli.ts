/**
 * Talking to the `kitaru` CLI, without running it: reading its `-o json`
 * envelope (and everything that can come instead of it), checking a login
 * target as Kitaru checks it, the variables that make Kitaru refuse to log in
 * or out, and what to tell the user afterwards about what is now effective.
 *
 * No `vscode` here: the extension runs the process and shows the messages;
 * these functions only turn text and a resolution into plain data.
 */
import type { EnvOrigin } from "./host";
import type { Origin } from "./layer";
import type { PythonModuleSummary, PyValue } from "./python/types";
import type { Resolution, Setting } from "./resolve";
import { maskSecretsInText, redact } from "./secrets";
import type { JsonValue } from "./types";

// ---------------------------------------------------------------------------------------------
// The `-o json` envelope

/** What a finished `kitaru` process left behind. */
export interface CliOutput {
  stdout: string;
  stderr: string;
  /** `null` when the process was ended by a signal. */
  exitCode: number | null;
}

export interface CliSuccess {
  ok: true;
  /** The envelope's `command`, e.g. `stack.use`. */
  command?: string;
  item?: Record<string, JsonValue>;
  items?: Record<string, JsonValue>[];
  /** `Warning: ...` lines (with their indented detail lines joined in). */
  warnings: string[];
  /** Other text printed around the JSON (progress lines, a banner). */
  text: string[];
}

export type CliFailureKind =
  /** `{"command": ..., "error": {"message": ..., "type": ...}}` */
  | "error-envelope"
  /** A Python traceback instead of JSON. */
  | "traceback"
  /** `Error: ...` or other text on stderr. */
  | "text"
  /** Exit code 0 but no JSON result. */
  | "no-json"
  /** Nothing at all on stdout or stderr. */
  | "no-output"
  /** A JSON result for another command than the one run (`stack.list` for `login`). */
  | "wrong-command";

export interface CliFailure {
  ok: false;
  kind: CliFailureKind;
  /** The CLI's own message, as close to its words as possible. */
  message: string;
  /** The error envelope's `type` or the traceback's exception class. */
  errorType?: string;
  exitCode: number | null;
  warnings: string[];
  text: string[];
}

export type CliOutcome = CliSuccess | CliFailure;

const WARNING = /^Warning:\s*(.*)$/;
const TRACEBACK = /^Traceback \(most recent call last\):/;

/**
 * Reads what `kitaru ... -o json` printed. Success is one JSON line on stdout
 * with `item` or `items`; failure is exit 1 with an error envelope on stderr.
 * Also handled: `Warning:` lines on stderr, a line of text before the JSON,
 * JSON spread over several lines, a traceback instead of JSON, `Error: ...`.
 */
export function parseCliOutput(out: CliOutput, secrets: readonly string[] = [], expectedCommand?: string): CliOutcome {
  return maskOutcome(checkCommand(readCliOutput(out, secrets), expectedCommand));
}

/**
 * The envelope's `command` for a command line: `login`, `logout`, `stack.use`, `stack.list`
 * (Kitaru names the command, and a group's sub-command after a dot).
 */
export function envelopeCommand(args: readonly string[]): string | undefined {
  const [first, second] = args;
  if (first === undefined || first.startsWith("-")) return undefined;
  return first === "stack" && second !== undefined && !second.startsWith("-") ? `stack.${second}` : first;
}

/** A success envelope for another command than the one run is not that command's success. */
function checkCommand(o: CliOutcome, expected: string | undefined): CliOutcome {
  if (!o.ok || expected === undefined || o.command === undefined || o.command === expected) return o;
  const shown = expected.replace(".", " ");
  return {
    ok: false,
    kind: "wrong-command",
    message: `kitaru answered for another command ("${o.command}", not "${expected}"), so \`kitaru ${shown}\` cannot be taken as done. Check that kitaru.path (or the kitaru found) is Kitaru's own CLI.`,
    exitCode: 0,
    warnings: o.warnings,
    text: o.text,
  };
}

/**
 * Every text of an outcome that a person may see, masked: the given secrets
 * are already removed; credentials recognisable by shape (URL passwords,
 * tokens) go too. The JSON item stays as parsed (it is data, not a message):
 * whatever is built from it for display is masked where it is built.
 */
function maskOutcome(o: CliOutcome): CliOutcome {
  const warnings = o.warnings.map(maskSecretsInText);
  const text = o.text.map(maskSecretsInText);
  if (o.ok) return { ...o, warnings, text };
  return { ...o, message: maskSecretsInText(o.message), ...(o.errorType ? { errorType: maskSecretsInText(o.errorType) } : {}), warnings, text };
}

function readCliOutput(out: CliOutput, secrets: readonly string[]): CliOutcome {
  const stdout = redact(out.stdout, secrets);
  const stderr = redact(out.stderr, secrets);
  const warnings = collectWarnings(stderr).concat(collectWarnings(stdout));

  const outEnvelope = findEnvelope(stdout);
  const errEnvelope = findEnvelope(stderr);
  const text = [...nonWarningText(stdout, outEnvelope?.lines), ...nonWarningText(stderr, errEnvelope?.lines)];

  const errorIn = [errEnvelope?.value, outEnvelope?.value].find((v) => v !== undefined && "error" in v);
  if (errorIn) {
    const error = errorIn.error;
    const message = typeof error === "string" ? error : isObject(error) && typeof error.message === "string" ? error.message : JSON.stringify(error);
    const errorType = isObject(error) && typeof error.type === "string" ? error.type : undefined;
    return { ok: false, kind: "error-envelope", message: message.trim() || "kitaru reported an error without a message", ...(errorType ? { errorType } : {}), exitCode: out.exitCode, warnings, text };
  }

  const env = outEnvelope?.value;
  if (out.exitCode === 0 && env && ("item" in env || "items" in env)) {
    const success: CliSuccess = { ok: true, warnings, text };
    if (typeof env.command === "string") success.command = env.command;
    if (isObject(env.item)) success.item = env.item;
    if (Array.isArray(env.items)) success.items = env.items.filter(isObject);
    return success;
  }

  const traceback = readTraceback(stderr) ?? readTraceback(stdout);
  if (traceback) return { ok: false, kind: "traceback", message: traceback.message, ...(traceback.type ? { errorType: traceback.type } : {}), exitCode: out.exitCode, warnings, text };

  const errorLine = lines(stderr).find((l) => /^Error:\s*/.test(l)) ?? lines(stdout).find((l) => /^Error:\s*/.test(l));
  if (errorLine) return { ok: false, kind: "text", message: errorLine.replace(/^Error:\s*/, "").trim(), exitCode: out.exitCode, warnings, text };

  if (out.exitCode !== 0) {
    const last = [...nonWarningText(stderr, undefined)].reverse().find((l) => l.trim());
    const fallback = last ?? [...nonWarningText(stdout, undefined)].reverse().find((l) => l.trim());
    return {
      ok: false,
      kind: fallback ? "text" : "no-output",
      message: fallback?.trim() ?? `kitaru exited with code ${out.exitCode ?? "unknown"} and printed nothing`,
      exitCode: out.exitCode,
      warnings,
      text,
    };
  }
  const first = text.find((l) => l.trim());
  return {
    ok: false,
    kind: first ? "no-json" : "no-output",
    message: first ? `kitaru printed no JSON result; it said: ${first.trim()}` : "kitaru printed nothing (expected a JSON result)",
    exitCode: out.exitCode,
    warnings,
    text,
  };
}

function lines(text: string): string[] {
  return text.split(/\r?\n/);
}

function isObject(v: unknown): v is Record<string, JsonValue> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The last JSON object in the text: a whole-text document, a single line, or a block from a `{` line to the end. */
function findEnvelope(text: string): { value: Record<string, JsonValue>; lines: Set<number> } | undefined {
  const all = lines(text);
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    const whole = tryJson(trimmed);
    if (isObject(whole)) return { value: whole, lines: new Set(all.map((_, i) => i)) };
  }
  for (let i = all.length - 1; i >= 0; i--) {
    const line = all[i]!.trim();
    if (!line.startsWith("{")) continue;
    const single = tryJson(line);
    if (isObject(single)) return { value: single, lines: new Set([i]) };
    const block = tryJson(all.slice(i).join("\n"));
    if (isObject(block)) return { value: block, lines: new Set(all.map((_, j) => j).filter((j) => j >= i)) };
  }
  return undefined;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function collectWarnings(text: string): string[] {
  const out: string[] = [];
  let current: string | undefined;
  for (const line of lines(text)) {
    const m = WARNING.exec(line);
    if (m) {
      if (current !== undefined) out.push(current);
      current = m[1]!.trim();
    } else if (current !== undefined && /^\s+\S/.test(line)) {
      current += ` ${line.trim()}`;
    } else if (current !== undefined) {
      out.push(current);
      current = undefined;
    }
  }
  if (current !== undefined) out.push(current);
  return out;
}

/** Lines that are neither part of the envelope nor a warning (nor a warning's detail). */
function nonWarningText(text: string, envelopeLines: Set<number> | undefined): string[] {
  const out: string[] = [];
  let inWarning = false;
  lines(text).forEach((line, i) => {
    if (envelopeLines?.has(i)) return;
    if (WARNING.test(line)) {
      inWarning = true;
      return;
    }
    if (inWarning && /^\s+\S/.test(line)) return;
    inWarning = false;
    if (line.trim()) out.push(line);
  });
  return out;
}

/** `Traceback (most recent call last): ... \n zenml.exceptions.X: message` → the last exception line. */
function readTraceback(text: string): { message: string; type?: string } | undefined {
  const all = lines(text);
  const start = all.findIndex((l) => TRACEBACK.test(l));
  if (start < 0) return undefined;
  const tail = all.slice(start + 1).filter((l) => l.trim() && !/^\s/.test(l));
  const last = tail[tail.length - 1];
  if (!last) return { message: "kitaru crashed with a Python traceback" };
  const m = /^([A-Za-z_][\w.]*):\s*(.*)$/.exec(last.trim());
  if (!m) return { message: last.trim() };
  const type = m[1]!.split(".").pop()!;
  return { message: m[2]!.trim() || type, type };
}

/** The CLI's message for a person: the message, the exception class when it adds something. */
export function failureText(f: CliFailure): string {
  const type = f.errorType && !/^(CLIError|Exception|RuntimeError|ValueError|click\.ClickException)$/.test(f.errorType) && !f.message.includes(f.errorType) ? ` (${f.errorType})` : "";
  return maskSecretsInText(`${f.message}${type}`);
}

// ---------------------------------------------------------------------------------------------
// Stacks

export interface StackInfo {
  id: string;
  name: string;
  isActive: boolean;
  isManaged: boolean;
}

/** `kitaru stack list -o json` items: `{id, name, is_active, is_managed}`. Malformed items are skipped. */
export function parseStacks(outcome: CliSuccess): StackInfo[] {
  return (outcome.items ?? []).flatMap((item) => {
    const stack = parseStack(item);
    return stack ? [stack] : [];
  });
}

/** `kitaru stack use/current -o json` item: `{id, name, is_active}`. */
export function parseStack(item: Record<string, JsonValue> | undefined): StackInfo | undefined {
  if (!item) return undefined;
  const id = typeof item.id === "string" ? item.id : undefined;
  const name = typeof item.name === "string" ? item.name : undefined;
  if (!id && !name) return undefined;
  return { id: id ?? name!, name: name ?? id!, isActive: item.is_active === true, isManaged: item.is_managed === true };
}

/** Stack ids appear dashed (YAML, CLI) and undashed (SQLite); names are compared as written. */
export function sameStack(value: JsonValue | undefined, stack: Pick<StackInfo, "id" | "name">): boolean {
  if (typeof value !== "string") return false;
  const v = value.trim();
  if (v === stack.name) return true;
  const norm = (s: string) => s.replace(/-/g, "").toLowerCase();
  return /^[0-9a-f-]{32,36}$/i.test(v) && norm(v) === norm(stack.id);
}

/** ZenML's stack ids: a UUID, dashed (YAML, CLI) or 32 hex digits (SQLite). */
const STACK_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

export function isStackId(value: unknown): value is string {
  return typeof value === "string" && STACK_ID.test(value.trim());
}

/** `7c0e2d4a…`: an id short enough for the status bar (the whole id goes in its tooltip). */
export function shortStackId(id: string): string {
  return id.length > 9 ? `${id.slice(0, 8)}…` : id;
}

/** A stack name the kitaru CLI reported, and which command reported it. */
export interface KnownStack {
  id: string;
  name: string;
  via: "kitaru stack list" | "kitaru stack use";
}

/**
 * The name to show for a persisted active stack id that ZenML's local store
 * could not name (a remote server's stack, a store not read): the one the
 * kitaru CLI reported for exactly that id, or undefined. Only persisted
 * layers (config.yaml, .kitaru/, ZENML_ACTIVE_STACK_ID) hold ids this way.
 */
export function knownStackName(candidate: { value: unknown; source: string }, known: readonly KnownStack[]): KnownStack | undefined {
  if (candidate.source !== "global" && candidate.source !== "zenml-env") return undefined;
  if (!isStackId(candidate.value)) return undefined;
  const id = candidate.value.trim();
  return known.find((k) => isStackId(k.id) && sameStack(id, { id: k.id, name: "" }) && k.name && k.name !== k.id);
}

// ---------------------------------------------------------------------------------------------
// Login targets and the auth variables that make Kitaru refuse

export type LoginTarget = { ok: true; target: string; kind: "url" | "workspace" } | { ok: false; message: string };

/**
 * Kitaru's own check of `kitaru login SERVER` (`_normalize_login_target`):
 * strip, drop trailing slashes; `http:`/`https:` targets must be URLs with a
 * host; anything that looks like a host without a scheme is refused; the rest
 * is a managed workspace name or id.
 */
export function validateLoginTarget(input: string): LoginTarget {
  const target = input.trim().replace(/\/+$/, "");
  if (!target) return { ok: false, message: "Kitaru server target cannot be empty." };
  if (target.startsWith("http:") || target.startsWith("https:")) {
    const m = /^https?:\/\/([^/?#]*)/.exec(target);
    if (!m || !m[1]) return { ok: false, message: "Invalid Kitaru server URL. Please use an http:// or https:// URL." };
    return { ok: true, target, kind: "url" };
  }
  const local = ["localhost", "127.0.0.1", "::1"];
  if (local.includes(target) || local.some((n) => target.startsWith(`${n}:`)) || /[.:/]/.test(target)) {
    return { ok: false, message: "Invalid Kitaru server URL. Please use an http:// or https:// URL, or pass a managed workspace name or ID." };
  }
  return { ok: true, target, kind: "workspace" };
}

/** The credentials a server URL carries in its authority (`https://user:password@host`), or undefined. */
export function urlCredentials(target: string): { user: string; password?: string } | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)@/.exec(target.trim());
  if (!m) return undefined;
  const userinfo = m[1]!;
  const colon = userinfo.indexOf(":");
  return colon < 0 ? { user: userinfo } : { user: userinfo.slice(0, colon), password: userinfo.slice(colon + 1) };
}

/** The URL without the credentials in its authority. */
export function withoutCredentials(target: string): string {
  return target.trim().replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, "$1");
}

/**
 * A warning (not a refusal) for a login URL that carries credentials: Kitaru
 * accepts it and passes it on (a server behind a basic-auth proxy may need
 * it), but it stores the server URL, and so the password, in config.yaml and
 * credentials.yaml in clear. The API key field is the place for a secret.
 */
export function loginTargetWarning(input: string): string | undefined {
  const c = urlCredentials(input);
  if (!c) return undefined;
  const shown = c.password !== undefined ? `${maskSecretsInText(c.user)}:****@` : "a user name before @";
  return `This URL carries credentials (${shown}). Kitaru passes them on and stores the server URL, password included, in its config.yaml and credentials.yaml in clear. Prefer a URL without them (${maskSecretsInText(withoutCredentials(input).replace(/\/+$/, ""))}) and the API key in the next step. Press Enter to use it anyway.`;
}

/** Every secret a login URL carries (the password as typed and percent-decoded), to remove from anything shown. */
export function urlSecrets(target: string): string[] {
  const c = urlCredentials(target);
  if (!c) return [];
  const out = [c.password, c.password === undefined ? c.user : undefined].filter((s): s is string => !!s && s.length >= 4);
  for (const s of [...out]) {
    try {
      const decoded = decodeURIComponent(s);
      if (decoded !== s) out.push(decoded);
    } catch {
      // not percent-encoded
    }
  }
  return out;
}

/** Variables whose presence (even empty) makes `kitaru login SERVER` and `kitaru logout` refuse to run. */
export const AUTH_OVERRIDE_VARIABLES = ["KITARU_SERVER_URL", "KITARU_AUTH_TOKEN", "ZENML_STORE_URL", "ZENML_STORE_API_KEY", "ZENML_STORE_USERNAME", "ZENML_STORE_PASSWORD"] as const;

export function authOverrides(env: Readonly<Record<string, string | undefined>>): string[] {
  return AUTH_OVERRIDE_VARIABLES.filter((name) => env[name] !== undefined);
}

/** Why remote login or logout is refused, naming each variable and where it comes from. */
export function authRefusal(action: "log in to a server" | "log out", env: Readonly<Record<string, string | undefined>>, origins: Readonly<Record<string, EnvOrigin>> = {}, base?: string): string | undefined {
  const names = authOverrides(env);
  if (!names.length) return undefined;
  const described = names.map((n) => {
    const o = origins[n];
    if (!o) return n;
    return `${n} (${envSourceText({ via: o.label, ...(o.file ? { file: o.file, line: o.line ?? 1 } : {}) }, base)})`;
  });
  return maskSecretsInText(
    `cannot ${action} while auth environment variables are set: ${joinAnd(described)}. ` +
      `They decide the connection, and Kitaru refuses to override them. Unset ${names.length > 1 ? "them" : "it"} first, or rely on ${names.length > 1 ? "those variables" : "that variable"} directly.`,
  );
}

// ---------------------------------------------------------------------------------------------
// Command lines shown to people

/** `kitaru login https://x --api-key **** -o json`: secrets masked, arguments quoted when needed. */
export function displayCommandLine(executable: string, args: readonly string[], secrets: readonly string[] = []): string {
  const shown: string[] = [];
  let maskNext = false;
  for (const arg of args) {
    if (maskNext) {
      shown.push("****");
      maskNext = false;
      continue;
    }
    if (arg === "--api-key") maskNext = true;
    if (arg.startsWith("--api-key=")) {
      shown.push("--api-key=****");
      continue;
    }
    const masked = maskSecretsInText(redact(arg, secrets));
    // A masked argument is not something to paste back into a shell: shown as is, like `--api-key ****`.
    shown.push(masked === arg ? quote(arg) : masked);
  }
  const exe = maskSecretsInText(executable);
  return [exe === executable ? quote(executable) : exe, ...shown].join(" ");
}

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What the editor explained with, to say how to get the same answer from `kitaru-config resolve`. */
export interface ResolveInvocation {
  workspace: string;
  /** The project directory, when it is not the workspace folder. */
  cwd?: string;
  flow?: string;
  call?: string;
  /** The env file that was read (absolute path); the CLI reads it with --dotenv. */
  envFile?: string;
  /** kitaru.envFile names a file that could not be read: it adds nothing, so it is left out. */
  envFileUnread?: string;
  /** Names (never values) of the variables the kitaru.environment setting adds. */
  settingVariables?: readonly string[];
  /**
   * Files the answer was read from whose unsaved edits it includes (as shown,
   * e.g. relative to the workspace): the command line reads them from disk.
   */
  unsaved?: readonly string[];
}

/**
 * The command line that gives the same answer, and what it cannot see: the
 * CLI reads an env file given with `--dotenv`, but the kitaru.environment
 * setting exists only in the editor, so those variables must be set in the
 * shell first (named here, never their values).
 */
export function resolveCommandLines(o: ResolveInvocation): string[] {
  const args = ["kitaru-config", "resolve", "--workspace", o.workspace];
  if (o.cwd && o.cwd !== o.workspace) args.push("--cwd", o.cwd);
  if (o.envFile) args.push("--dotenv", o.envFile);
  if (o.flow) args.push("--flow", o.flow);
  if (o.call) args.push("--call", o.call);
  const command = args.map(quote).join(" ");
  const unsaved = [...new Set(o.unsaved ?? [])];
  const lines = unsaved.length
    ? [
        `This answer includes unsaved edits to ${joinAnd(unsaved)}. The command line reads ${unsaved.length > 1 ? "these files" : "it"} from disk: it gives the same answer once ${unsaved.length > 1 ? "they are" : "it is"} saved: ${command}`,
      ]
    : [`Same answer on the command line: ${command}`];
  const names = [...new Set(o.settingVariables ?? [])].sort();
  if (names.length) {
    lines.push(`The command line cannot see the kitaru.environment setting: set ${joinAnd(names)} in its environment first (${names.length > 1 ? "they add" : "it adds"} ${names.length === 1 ? "this variable" : "these variables"} here).`);
  }
  if (o.envFileUnread) lines.push(`kitaru.envFile names ${o.envFileUnread}, which could not be read, so it is not passed.`);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Stack choices in code (decorator, configure(), run())

export interface CodePin {
  kind: "decorator" | "configure" | "invocation";
  /** The flow's name, or the receiver of `.run(...)` / `.deploy(...)`. */
  subject?: string;
  /** For an invocation: `run` or `deploy`. */
  method?: "run" | "deploy";
  /** The stack as written: a name, or the source text when it is not a literal. */
  value: string;
  dynamic: boolean;
  file: string;
  line: number;
  column: number;
}

/** Every `stack=` a module passes to `@flow(...)`, `kitaru.configure(...)` or `flow.run/deploy(...)`. */
export function stackPinsInModule(file: string, summary: PythonModuleSummary): CodePin[] {
  const pins: CodePin[] = [];
  const add = (kind: CodePin["kind"], subject: string | undefined, kwargs: { name: string; value: PyValue }[], method?: CodePin["method"]) => {
    const arg = kwargs.find((k) => k.name === "stack");
    if (!arg) return;
    const v = arg.value;
    if (v.kind === "literal" && v.value === null) return; // stack=None defers to the next layer
    const literal = v.kind === "literal" && typeof v.value === "string";
    pins.push({ kind, ...(subject ? { subject } : {}), ...(method ? { method } : {}), value: literal ? String((v as { value: string }).value) : v.text, dynamic: !literal, file, line: v.span.start.line, column: v.span.start.column });
  };
  for (const f of summary.flows) add("decorator", f.name, f.kwargs);
  for (const c of summary.configureCalls) add("configure", undefined, c.kwargs);
  for (const c of summary.flowCalls) add("invocation", c.receiver, c.kwargs, c.method);
  return pins;
}

function describePin(p: CodePin, base: string | undefined, chosen = false): string {
  const value = p.dynamic ? p.value : `'${p.value}'`;
  const where = `${relativeTo(p.file, base)}:${p.line}${chosen ? ", the stack just chosen" : ""}`;
  if (p.kind === "decorator") return `@flow(stack=${value}) on ${p.subject} (${where})`;
  if (p.kind === "configure") return `kitaru.configure(stack=${value}) (${where})`;
  return `${p.subject}.${p.method ?? "run"}(stack=${value}) (${where})`;
}

// ---------------------------------------------------------------------------------------------
// What is effective now

export interface OpenTarget {
  file: string;
  line: number;
  column?: number;
}

export interface EffectiveMessage {
  text: string;
  severity: "info" | "warning";
  /** The line of the higher layer that still decides, to offer "Open". */
  open?: OpenTarget;
}

function placesText(n: number): string {
  return n === 1 ? "one place" : `${n} places`;
}

/**
 * After `kitaru stack use`: is the new active stack what this project runs on,
 * or does a higher layer still decide? `r` and `pins` must describe the same
 * project (the one shown in the tree): its resolution, and the `stack=` choices
 * in its own modules. Every pin is counted, also one naming the chosen stack:
 * that flow or call keeps its stack whatever is chosen next.
 */
export function describeStackSwitch(r: Resolution | undefined, chosen: Pick<StackInfo, "id" | "name">, options: { pins?: CodePin[]; stacks?: StackInfo[]; base?: string; project?: string } = {}): EffectiveMessage {
  const message = stackSwitchMessage(r, chosen, options);
  return { ...message, text: maskSecretsInText(message.text) };
}

function stackSwitchMessage(r: Resolution | undefined, chosen: Pick<StackInfo, "id" | "name">, options: { pins?: CodePin[]; stacks?: StackInfo[]; base?: string; project?: string }): EffectiveMessage {
  const base = options.base ?? r?.workspace;
  // The project these settings are of: in a monorepo, not the whole workspace.
  const subject = options.project ?? "this workspace";
  const head = `Active stack is now '${chosen.name}'`;
  const pins = options.pins ?? [];
  const differing = pins.filter((p) => p.dynamic || !sameStack(p.value, chosen));
  const pinText = pins.length ? ` Code still chooses its own stack in ${placesText(pins.length)}: ${pins.slice(0, 2).map((p) => describePin(p, base, !differing.includes(p))).join("; ")}${pins.length > 2 ? `; and ${pins.length - 2} more` : ""}.` : "";
  const pinToOpen = differing[0] ?? pins[0];
  const firstPin = pinToOpen ? { file: pinToOpen.file, line: pinToOpen.line, column: pinToOpen.column } : undefined;
  const s = r?.settings.stack;
  if (!s || s.value === null) {
    return { text: `${head}.${pinText}`, severity: differing.length ? "warning" : "info", ...(firstPin ? { open: firstPin } : {}) };
  }
  if (sameStack(s.value, chosen)) {
    const also = s.source !== "global" ? ` (${describeSettingOrigin(s, base)} sets it too)` : "";
    return { text: `${head}; ${subject} runs on it${also}.${pinText}`, severity: differing.length ? "warning" : "info", ...(firstPin ? { open: firstPin } : {}) };
  }
  const shown = stackLabel(s.value, options.stacks);
  const open = fileTarget(s.origin) ?? firstPin;
  return {
    text: `${head}; ${subject} still runs on '${shown}' from ${describeSettingOrigin(s, base)}.${pinText}`,
    severity: "warning",
    ...(open ? { open } : {}),
  };
}

/**
 * The Switch Stack picker's placeholder, for the same project and pins as
 * `describeStackSwitch`: what still decides whatever is chosen.
 */
export function describeStackPicker(r: Resolution | undefined, pins: readonly CodePin[] = [], base?: string, project = "this workspace"): string {
  return maskSecretsInText(stackPickerText(r, pins, base, project));
}

function stackPickerText(r: Resolution | undefined, pins: readonly CodePin[], base: string | undefined, project: string): string {
  const where = base ?? r?.workspace;
  const s = r?.settings.stack;
  const code = pins.length ? `code chooses its own stack in ${placesText(pins.length)} (${describePin(pins[0]!, where)}${pins.length > 1 ? ", …" : ""})` : "";
  if (s && s.source !== "global" && s.source !== "default" && s.value !== null) {
    return `Choose the active stack. Note: ${project} runs on '${String(s.value)}' from ${describeSettingOrigin(s, where)} whatever is chosen here${code ? `, and ${code}` : ""}.`;
  }
  return code ? `Choose the active stack (kitaru stack use). Note: ${code}, which this does not change.` : "Choose the active stack (kitaru stack use)";
}

export interface LoginResult {
  mode: "local" | "remote";
  url?: string;
  project?: string | null;
}

/** After `kitaru login`: where runs from this workspace now connect. */
export function describeLogin(r: Resolution | undefined, result: LoginResult, base?: string): EffectiveMessage {
  const message = loginMessage(r, result, base);
  return { ...message, text: maskSecretsInText(message.text) };
}

function loginMessage(r: Resolution | undefined, result: LoginResult, base: string | undefined): EffectiveMessage {
  const where = base ?? r?.workspace;
  // Compared as the resolution holds it: its values are masked (a password in the URL is ****).
  const url = result.url ? maskSecretsInText(result.url.replace(/\/+$/, "")) : undefined;
  const head = result.mode === "local" ? `Connected to the local Kitaru server${url ? ` at ${url}` : ""}` : `Logged in to ${url ?? "the server"}${result.project ? ` (project ${result.project})` : ""}`;
  const s = r?.settings.server_url;
  if (s && s.source !== "global" && s.source !== "default" && typeof s.value === "string" && s.value.replace(/\/+$/, "") !== url) {
    const open = fileTarget(s.origin);
    return { text: `${head}; this workspace still connects to ${s.value} from ${describeSettingOrigin(s, where)}.`, severity: "warning", ...(open ? { open } : {}) };
  }
  if (s && typeof s.value === "string" && url && s.value.replace(/\/+$/, "") === url) return { text: `${head}; this workspace now connects to it.`, severity: "info" };
  return { text: `${head}.`, severity: "info" };
}

/** After `kitaru logout`: what the workspace connects to now. */
export function describeLogout(r: Resolution | undefined, item: Record<string, JsonValue> | undefined, base?: string): EffectiveMessage {
  const message = logoutMessage(r, item, base);
  return { ...message, text: maskSecretsInText(message.text) };
}

function logoutMessage(r: Resolution | undefined, item: Record<string, JsonValue> | undefined, base: string | undefined): EffectiveMessage {
  const where = base ?? r?.workspace;
  const mode = typeof item?.mode === "string" ? item.mode : undefined;
  const target = typeof item?.target === "string" ? item.target : undefined;
  const head =
    mode === "local_server"
      ? "Logged out from the local Kitaru server"
      : mode === "local_store"
        ? "Kitaru was already using its local store; there was no server to log out from"
        : mode === "remote_server"
          ? `Logged out from ${target ?? "the server"}; its stored credentials were removed`
          : mode === "remote_store"
            ? `Disconnected from ${target ?? "the store"}`
            : "Logged out";
  const s = r?.settings.server_url;
  if (s && s.source !== "global" && s.source !== "default" && typeof s.value === "string") {
    const open = fileTarget(s.origin);
    return { text: `${head}; this workspace still connects to ${s.value} from ${describeSettingOrigin(s, where)}.`, severity: "warning", ...(open ? { open } : {}) };
  }
  if (s && s.source === "global" && typeof s.value === "string") {
    const open = fileTarget(s.origin);
    return { text: `${head}; the persisted configuration still points at ${s.value}.`, severity: "warning", ...(open ? { open } : {}) };
  }
  return { text: `${head}. Runs from this workspace now use the local store.`, severity: "info" };
}

function stackLabel(value: JsonValue, stacks: StackInfo[] | undefined): string {
  const s = String(value);
  const hit = stacks?.find((st) => sameStack(s, st));
  return hit && hit.name !== s ? hit.name : s;
}

/** `pyproject.toml:3`, `$KITARU_STACK`, `$KITARU_STACK (.env:2)`, `$KITARU_STACK (kitaru.environment setting)`. */
export function describeSettingOrigin(s: Pick<Setting, "source" | "origin">, base?: string): string {
  const o = s.origin;
  if (!o) return SOURCE_WORDS[s.source] ?? s.source;
  if ("env" in o) {
    const from = envSourceText(o, base);
    return from ? `$${o.env} (${from})` : `$${o.env}`;
  }
  const what = s.source === "global" ? "the persisted active stack in " : "";
  return `${what}${relativeTo(o.file, base)}:${o.line}`;
}

/**
 * Where a variable of the explained environment was written: `.env:3` (an env
 * file), `kitaru.environment setting in .vscode/settings.json:4`, `kitaru.environment
 * setting` (user settings), or "" (VS Code's own environment).
 */
export function envSourceText(o: { via?: string; file?: string; line?: number }, base?: string): string {
  if (o.file) {
    const at = `${relativeTo(o.file, base)}:${o.line ?? 1}`;
    return o.via && !o.via.startsWith("env file") ? `${o.via} in ${at}` : at;
  }
  return o.via ?? "";
}

const SOURCE_WORDS: Record<string, string> = {
  invocation: "the run() call",
  decorator: "the @flow decorator",
  configure: "kitaru.configure()",
  env: "the environment",
  "zenml-env": "a ZenML environment variable",
  pyproject: "pyproject.toml",
  global: "the persisted configuration",
  default: "the built-in default",
};

function fileTarget(o: Origin | undefined): OpenTarget | undefined {
  if (!o) return undefined;
  if ("env" in o) return o.file ? { file: o.file, line: o.line ?? 1 } : undefined;
  return { file: o.file, line: o.line, ...(o.column ? { column: o.column } : {}) };
}

function relativeTo(file: string, base: string | undefined): string {
  if (!base) return file;
  const sep = base.includes("\\") && !base.includes("/") ? "\\" : "/";
  const prefix = base.endsWith(sep) ? base : base + sep;
  return file.startsWith(prefix) ? file.slice(prefix.length) : file;
}

function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
