/**
 * kitaru-config: the command-line twin of the extension. Same core, same answers.
 *
 *   kitaru-config resolve [--workspace DIR] [--cwd DIR] [--flow FILE:NAME] [--call FILE:LINE] [--dotenv FILE] [--json]
 *   kitaru-config check   [--workspace DIR] [--cwd DIR] [--flow ...] [--call ...] [--dotenv FILE] [--json]
 *   kitaru-config check   FILE... [--dotenv FILE] [--json]   (pyproject.toml / kitaru.yaml / *.py, as the editor checks them)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { nodeHost, resolveConfiguration, resolutionJson, problemJson, type Resolution } from "../core";
import { formatProblems, formatResolution, useColor } from "../core/format";
import { CHECKABLE_KINDS, checkableKind, checkFiles, checkPythonWorkspace, workspaceFlowIndex } from "../core/checkFiles";
import { readPythonModule } from "../core/python/reader";
import { analyzeEnvFile, envFileProblems } from "../core/envFile";
import type { EnvOrigin, Host } from "../core/host";
import type { Problem } from "../core/problems";
import { defaultStackNameCacheFile, StackNameReader } from "../core/sqliteStacks";
import { AnalysisCache, cachesDisabled, defaultAnalysisCacheFile } from "../core/analysisCache";
import { forgetMemos, usePersistentMemo } from "../core/memo";
import { plainTextSecretProblems } from "../core/secretStatus";
import { buildFrozenSpec, formatFrozenSpec, frozenSpecJson } from "../core/frozenSpec";
import { maskProblemText } from "../core/secrets";
import { readFailure } from "../core/persisted";
import { compareText } from "../core/compareText";

const USAGE = `kitaru-config: which of Kitaru's configuration layers won, and why.

Usage:
  kitaru-config resolve [options]   every effective setting with its layer, origin and what it overrode
  kitaru-config check [options]     problems only (file:line:column: severity: message [code]), those of
                                    the project and of every Kitaru module (*.py) of the workspace;
                                    exit 1 when there are errors
  kitaru-config check FILE...       check pyproject.toml, kitaru.yaml and Python (*.py) files as the editor does
  kitaru-config schema              the JSON Schemas for [tool.kitaru] and kitaru.yaml

Options:
  --workspace DIR     the project folder (default: the current directory); it must exist
  --cwd DIR           where a run would start (default: the workspace); it must exist
  --flow FILE:NAME    also read @flow NAME in FILE and kitaru.configure() in that module
  --call FILE:LINE    also read the .run(...) call on LINE of FILE (the invocation layer);
                      a flow or call not found is an error among the problems of the answer
  --spec              with --call or --flow: the frozen execution spec (kitaru_execution_spec)
                      that run would persist, secrets redacted; exit 2 (nothing on stdout)
                      when the call or its flow cannot be found
  --dotenv FILE       add the variables of an env file (e.g. .env) over the process environment,
                      each labelled with its file and line; without it no env file is read
  --json              machine-readable output: for resolve the resolve --json contract,
                      for check {"problems": [...]}
  --no-color          plain text (also NO_COLOR=1)
  -h, --help          this help

Exit status: 0 an answer (resolve: problems or not), 1 check found errors, 2 a usage error
(a bad option, a --workspace, --cwd, --dotenv or checked FILE that does not exist),
3 an internal error, 4 the output could not be written (e.g. a full disk).

Caches: the analyses of pyproject.toml, kitaru.yaml and config.yaml (by their text) and
ZenML's stack names are kept in ~/.cache/kitaru-config/ (the platform's cache directory),
without secrets; KITARU_CONFIG_NO_CACHE=1 reads and writes none.
`;

interface Args {
  command: "resolve" | "check" | "schema" | "help";
  /** Absolute. */
  workspace: string;
  /** `--workspace DIR` as given, when given. */
  workspaceGiven?: string;
  cwd?: string;
  flow?: string;
  call?: string;
  json: boolean;
  spec: boolean;
  /** `--dotenv FILE`, as given. (Not `--env-file`: Node 20 takes that option for itself, even after the script name.) */
  envFile?: string;
  color?: boolean;
  /** `check FILE...` */
  files: string[];
}

class UsageError extends Error {}

/** A usage error about a path named on the command line: one line, without the usage text. */
class PathError extends UsageError {}

/** What is wrong with a path that stat refused, in a few words (the core's words for all but a missing one). */
function statFailure(error: unknown, expected: "directory" | "file"): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR" ? `no such ${expected}` : readFailure(error);
}

/** `--workspace DIR` and `--cwd DIR` must name directories that exist: Kitaru would run in neither otherwise. */
function checkDirectories(args: Args): void {
  for (const [flag, given, dir] of [
    ["--workspace", args.workspaceGiven, args.workspace],
    ["--cwd", args.cwd, args.cwd === undefined ? undefined : path.resolve(args.cwd)],
  ] as const) {
    if (dir === undefined) continue;
    const name = `${flag} ${given ?? dir}${given !== undefined && given !== dir ? ` (${dir})` : ""}`;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(dir);
    } catch (error) {
      throw new PathError(`${name}: ${statFailure(error, "directory")}`);
    }
    if (!stat.isDirectory()) {
      throw new PathError(`${name}: not a directory${stat.isFile() ? `; give the folder that holds it: ${flag} ${path.dirname(given ?? dir)}` : ""}`);
    }
  }
}

/** Each file of `check FILE...` must exist (relative names are relative to the workspace). */
function checkFilesExist(args: Args): void {
  const missing = args.files.flatMap((given) => {
    const file = path.resolve(args.workspace, given);
    try {
      return fs.statSync(file).isDirectory() ? [`${given}: it is a directory`] : [];
    } catch (error) {
      const why = statFailure(error, "file");
      // Unreadable for other reasons: checked, and reported as a problem of that file.
      if (why !== "no such file") return [];
      return [`${given}${path.isAbsolute(given) ? "" : ` (${file})`}: no such file`];
    }
  });
  if (missing.length) throw new PathError(`check ${missing.join("; ")}`);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { command: "help", workspace: process.cwd(), json: false, spec: false, files: [] };
  const rest = [...argv];
  const first = rest[0];
  if (first === "resolve" || first === "check" || first === "schema") {
    args.command = first;
    rest.shift();
  } else if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    return args;
  } else if (!first.startsWith("-")) {
    throw new UsageError(`unknown command "${first}"`);
  } else {
    args.command = "resolve";
  }
  const value = (flag: string) => {
    const v = rest.shift();
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  while (rest.length) {
    const a = rest.shift()!;
    const [flag, inline] = a.includes("=") && a.startsWith("--") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const take = () => {
      const v = inline ?? value(flag);
      // `--workspace "$DIR"` with DIR unset: an answer about the current folder would mislead.
      if (v.trim() === "") throw new UsageError(`${flag} was given an empty value (an unset shell variable?)`);
      return v;
    };
    switch (flag) {
      case "--workspace":
        args.workspaceGiven = take();
        args.workspace = path.resolve(args.workspaceGiven);
        break;
      case "--cwd":
        args.cwd = take();
        break;
      case "--flow":
        args.flow = take();
        if (!/^.+:[A-Za-z_]\w*$/.test(args.flow)) throw new UsageError("--flow takes FILE:NAME, e.g. flows/research.py:research");
        break;
      case "--call":
        args.call = take();
        if (!/^.+:\d+$/.test(args.call)) throw new UsageError("--call takes FILE:LINE, e.g. flows/research.py:17");
        break;
      case "--dotenv":
        args.envFile = take();
        break;
      case "--json":
        args.json = true;
        break;
      case "--spec":
        args.spec = true;
        break;
      case "--no-color":
        args.color = false;
        break;
      case "--color":
        args.color = true;
        break;
      case "-h":
      case "--help":
        args.command = "help";
        break;
      default:
        if (args.command === "check" && !a.startsWith("-")) {
          args.files.push(a);
          break;
        }
        throw new UsageError(`unknown option ${a}`);
    }
  }
  if (args.spec && (args.command !== "resolve" || (!args.flow && !args.call))) throw new UsageError("--spec goes with resolve and --call FILE:LINE (or --flow FILE:NAME)");
  const unsupported = args.files.filter((f) => checkableKind(f) === undefined);
  if (unsupported.length) throw new UsageError(`cannot check ${unsupported.join(", ")}: check FILE... takes ${CHECKABLE_KINDS} files`);
  return args;
}

/** The environment explained: the process's, plus an env file's variables over it when `--dotenv` names one. */
interface CliEnvironment {
  env: Record<string, string | undefined>;
  origins?: Record<string, EnvOrigin>;
  /** Lines of the env file that set nothing. */
  problems?: Problem[];
}

function loadEnvironment(args: Args): CliEnvironment {
  if (args.envFile === undefined) return { env: process.env };
  const file = path.resolve(args.envFile);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PathError(`--dotenv ${args.envFile}: ${code === "ENOENT" || code === "ENOTDIR" ? "no such file" : code === "EISDIR" ? "it is a directory" : (error as Error).message}`);
  }
  const env: Record<string, string | undefined> = { ...process.env };
  const origins: Record<string, EnvOrigin> = {};
  // Labelled as the extension labels kitaru.envFile's variables.
  const analysis = analyzeEnvFile(text);
  for (const e of analysis.entries) {
    env[e.name] = e.value;
    origins[e.name] = { label: `env file ${path.basename(file)}`, file, line: e.line };
  }
  return { env, origins, problems: envFileProblems(file, args.envFile, { analysis }, "--dotenv") };
}

let environment: CliEnvironment = { env: process.env };

/** A host on the explained environment. */
function cliHost(options: Omit<Parameters<typeof nodeHost>[0] & object, "env"> = {}): Host {
  return { ...nodeHost({ ...options, env: environment.env }), ...(environment.origins ? { envOrigins: environment.origins } : {}) };
}

/** The project's problems and every Kitaru module's (as the editor shows them), each once, errors first. */
function checkProblems(args: Args, r: Resolution): Problem[] {
  const host = cliHost();
  const index = workspaceFlowIndex(host, r.workspace);
  const python = checkPythonWorkspace(host, r.workspace, { index, ...(args.cwd !== undefined ? { cwd: path.resolve(args.cwd) } : {}) });
  // With --flow/--call: a checkpoint hint only for checkpoints that flow's body calls, as in the editor.
  const flow = r.python?.flow;
  const called = flow ? (index.get(flow.file)?.summary ?? readPythonModule(host.readText(flow.file) ?? "")).flows.find((f) => f.name === flow.name)?.calledNames : undefined;
  const own = r.problems.filter((p) => p.code !== "checkpoint-cache-replaced" || !called || called.includes(p.key?.replace(/^checkpoint\.(.*)\.cache$/, "$1") ?? ""));
  const seen = new Set<string>();
  const all: Problem[] = [];
  for (const p of [...own, ...python]) {
    const id = `${p.code}|${p.file ?? ""}|${p.span ? `${p.span.start.line}:${p.span.start.column}` : ""}|${p.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    all.push(p);
  }
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return all
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank[a.p.severity] - rank[b.p.severity] || compareText(a.p.file ?? "", b.p.file ?? "") || line(a.p) - line(b.p) || a.i - b.i)
    .map(({ p }) => p);
}

/**
 * Whether git ignores a file (`git check-ignore`), for the secrets `check` warns about;
 * undefined without git or outside a repository (then the file counts as likely committed).
 */
function gitIgnores(workspace: string): (file: string) => boolean | undefined {
  return (file) => {
    // Loaded here: most runs never start a process.
    const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
    const r = spawnSync("git", ["-C", workspace, "check-ignore", "-q", "--", file], { stdio: "ignore", timeout: 5_000 });
    return r.status === 0 ? true : r.status === 1 ? false : undefined;
  };
}

function line(p: Problem): number {
  return p.span ? p.span.start.line * 1e6 + p.span.start.column : 0;
}

async function resolve(args: Args): Promise<Resolution> {
  const request = {
    workspace: args.workspace,
    ...(args.cwd !== undefined ? { cwd: path.resolve(args.cwd) } : {}),
    ...(args.flow ? { flow: args.flow } : {}),
    ...(args.call ? { call: args.call } : {}),
  };
  // Stack names come from the cache while the store is unchanged; sql.js is loaded (and the
  // configuration resolved again) only when a store that exists must be read.
  const stacks = new StackNameReader(__dirname, useCaches ? defaultStackNameCacheFile() : undefined);
  let unread: string | undefined;
  let r = resolveOrAnalyseAgain(() => resolveConfiguration(cliHost({ stackNames: (file) => stacks.lookup(file) ?? ((unread = file), { error: "not read" }) }), request));
  if (unread !== undefined) {
    // Liftoff alone compiles sql.js fastest, and lets the process exit without waiting for
    // V8's optimizing compiler to finish in the background (~100 ms).
    (require("node:v8") as typeof import("node:v8")).setFlagsFromString("--liftoff-only");
    const names = await stacks.read(unread);
    r = resolveConfiguration(cliHost({ stackNames: (file) => (file === unread ? names : stacks.lookup(file) ?? { error: "not read" }) }), request);
  }
  return environment.problems?.length ? { ...r, problems: [...environment.problems, ...r.problems] } : r;
}

/** Why `--spec` cannot be answered for this resolution (its flow or call was not found), or undefined. */
function specMissing(args: Args, r: Resolution): string | undefined {
  if (r.python?.flow && (!args.call || r.python.call)) return undefined;
  const why = r.problems.filter((p) => p.code === "call-not-found" || p.code === "flow-not-found").map((p) => maskProblemText(p).message);
  return why.length ? why.join(" ") : args.call ? "the call or the flow it runs was not found." : "the flow was not found.";
}

/** The code that made an analysis cache entry (esbuild.mjs defines it; unbundled runs share "unbuilt"). */
declare const __KITARU_CONFIG_BUILD__: string | undefined;
const useCaches = !cachesDisabled(process.env);

let analysisCache: AnalysisCache | undefined;

/**
 * A resolution that fails with the analysis cache in use is run again without what it
 * remembered: an entry edited by hand that still has the expected shape can break it.
 * The cache file is then rewritten with this run's analyses.
 */
function resolveOrAnalyseAgain(run: () => Resolution): Resolution {
  if (!analysisCache) return run();
  try {
    return run();
  } catch {
    analysisCache.discard();
    forgetMemos();
    return run();
  }
}

/** Resolutions read and write the analysis cache; it is written when the process exits, if a run added to it. */
function useAnalysisCache(): void {
  const file = useCaches ? defaultAnalysisCacheFile() : undefined;
  if (!file) return;
  const cache = new AnalysisCache(file, typeof __KITARU_CONFIG_BUILD__ === "string" ? __KITARU_CONFIG_BUILD__ : "unbuilt");
  analysisCache = cache;
  usePersistentMemo(cache);
  process.on("exit", () => cache.save());
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
    if (args.command === "resolve" || args.command === "check") {
      checkDirectories(args);
      checkFilesExist(args);
    }
    environment = loadEnvironment(args);
  } catch (error) {
    if (error instanceof PathError) {
      err(`kitaru-config: ${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      err(`kitaru-config: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  // Asked only for text output: node:tty loads the socket modules a JSON run does without.
  const color = () => args.color ?? useColor((require("node:tty") as typeof import("node:tty")).isatty(1));
  switch (args.command) {
    case "help":
      out(USAGE);
      return 0;
    case "schema": {
      // The strict schemas shipped in schemas/ (the editor variants there are annotation-only).
      const { schemaDocuments } = await import("../core/schemaFiles");
      out(JSON.stringify(schemaDocuments(), null, 2) + "\n");
      return 0;
    }
    case "resolve": {
      useAnalysisCache();
      const r = await resolve(args);
      if (args.spec) {
        // No spec without the flow (and the call): one built from the other layers alone would mislead.
        const missing = specMissing(args, r);
        if (missing) {
          err(`kitaru-config: --spec: no execution spec can be built for ${args.call ? `--call ${args.call}` : `--flow ${args.flow}`}: ${missing}\n`);
          return 2;
        }
        const preview = buildFrozenSpec(r);
        out(args.json ? JSON.stringify(frozenSpecJson(preview), null, 2) + "\n" : formatFrozenSpec(preview, { method: r.python?.call?.method ?? "flow" }));
        return 0;
      }
      out(args.json ? JSON.stringify(resolutionJson(r), null, 2) + "\n" : formatResolution(r, { color: color() }));
      return 0;
    }
    case "check": {
      if (args.files.length) {
        const problems = checkFiles(cliHost(), args.files, { workspace: args.workspace, ...(args.cwd !== undefined ? { cwd: path.resolve(args.cwd) } : {}) }).flatMap((f) => f.problems);
        if (args.json) out(JSON.stringify({ problems: problems.map(problemJson) }, null, 2) + "\n");
        else out(formatProblems(problems, args.workspace, { color: color() }));
        return problems.some((p) => p.severity === "error") ? 1 : 0;
      }
      useAnalysisCache();
      const r = await resolve(args);
      const problems = [...checkProblems(args, r), ...plainTextSecretProblems(r.secrets, { workspace: r.workspace, ignored: gitIgnores(r.workspace), platform: process.platform })];
      if (args.json) out(JSON.stringify({ problems: problems.map(problemJson) }, null, 2) + "\n");
      else out(formatProblems(problems, r.workspace, { color: color() }));
      return problems.some((p) => p.severity === "error") ? 1 : 0;
    }
  }
}

/**
 * Output without process.stdout: creating that stream loads Node's stream and socket
 * modules, a few milliseconds of every run. fs.writeSync on fd 1 writes it all at once;
 * a non-blocking pipe that is full (EAGAIN), and Windows consoles, take the stream.
 */
let streamed = false;
/** The reader went away (`| head`): nothing more to write, and the exit status stays the command's. */
let readerGone = false;
/** Exit status when the output cannot be written (a full disk, a closed stdout): not the command's answer. */
const OUTPUT_FAILED = 4;

/** Standard output refused the answer (anything but a reader that went away). */
class OutputError extends Error {
  constructor(readonly error: NodeJS.ErrnoException) {
    super(outputFailure(error));
  }
}

/** "cannot write the output: no space left on device (ENOSPC)" from Node's "ENOSPC: no space left on device, write". */
function outputFailure(error: NodeJS.ErrnoException): string {
  const code = error.code ?? "";
  const what = error.message.replace(new RegExp(`^${code}: `), "").replace(/, write$/, "");
  return `cannot write the output: ${what}${code && what !== code ? ` (${code})` : ""}`;
}

/** Says on stderr that the output failed, and exits: nothing more can be written there. */
function outputFailed(error: OutputError): never {
  readerGone = true;
  err(`kitaru-config: ${error.message}\n`);
  process.exit(OUTPUT_FAILED);
}
function out(text: string): void {
  if (readerGone) return;
  const data = Buffer.from(text);
  let offset = 0;
  while (offset < data.length && process.platform !== "win32") {
    try {
      offset += fs.writeSync(1, data, offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A reader that stops early is not an error of ours.
      if (code === "EPIPE") {
        readerGone = true;
        return;
      }
      if (code !== "EAGAIN") throw new OutputError(error as NodeJS.ErrnoException);
      break;
    }
  }
  if (offset < data.length) stdoutStream().write(data.subarray(offset));
}

function err(text: string): void {
  streamed = true;
  process.stderr.write(text);
}

function stdoutStream(): NodeJS.WriteStream {
  if (!streamed) {
    streamed = true;
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") outputFailed(new OutputError(error));
      readerGone = true;
      process.exit(process.exitCode ?? 0);
    });
  }
  return process.stdout;
}

/** Exits once the output is flushed: sql.js's WebAssembly would otherwise keep the process up while V8 optimizes it. */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  if (!streamed || readerGone) process.exit(code);
  stdoutStream().write("", () => process.stderr.write("", () => process.exit(code)));
}

main(process.argv.slice(2)).then(exitWhenFlushed, (error: unknown) => {
  if (error instanceof OutputError) outputFailed(error);
  // Never print a stack with file contents in it; the message is enough to report a bug.
  err(`kitaru-config: internal error: ${(error as Error)?.message ?? String(error)}\n`);
  exitWhenFlushed(3);
});
